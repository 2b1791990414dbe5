// The local record in the batch database (docs/state.md): the tables
// `local_owner` and `local_jobs`, and the one import of a record from before
// the database.
#include <fmt/format.h>
#include <unistd.h>

#include <fcntl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/local_record.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view remedy = "move the file aside to forget the batch's local jobs";

// The jobs of the batch `prefix` in a project's legacy record, and whether
// it held jobs of other batches too.
std::pair<LocalRecord, bool> batch_part(LocalRecord record, const std::string& prefix) {
  const auto others = std::stable_partition(record.jobs.begin(), record.jobs.end(), [&](const LocalJob& job) {
    return batch_trait(prefix, job.name).has_value();
  });
  const bool shared = others != record.jobs.end();
  record.jobs.erase(others, record.jobs.end());
  return {std::move(record), shared};
}

constexpr std::string_view job_columns =
    "name, trait, attempt, pid, pid_start, started_at, finished_at, exit_code, term_signal, end, "
    "peak_memory_bytes, cpu_seconds";

std::optional<std::string> end_word(const std::optional<JobEnd>& end) {
  return end ? std::optional<std::string>(job_end_word(*end)) : std::nullopt;
}

std::optional<std::string> utc(const std::optional<TimePoint>& time) {
  return time ? std::optional(format_utc(*time)) : std::nullopt;
}

// Binds a job's columns, in job_columns' order, from parameter 1.
void bind_job(sqlite::Statement& statement, const LocalJob& job) {
  statement.bind(1, job.name)
      .bind(2, job.trait)
      .bind(3, job.attempt)
      .bind(4, static_cast<std::int64_t>(job.pid))
      .bind(5, job.pid_start)
      .bind(6, format_utc(job.started_at))
      .bind(7, utc(job.finished_at))
      .bind(8, job.exit_code)
      .bind(9, job.term_signal)
      .bind(10, end_word(job.end))
      .bind(11, job.peak_memory_bytes)
      .bind(12, job.cpu_seconds);
}

Result<TimePoint> column_time(const sqlite::Statement& row, int column, const fs::path& path) {
  auto time = parse_utc(row.text(column).value_or(""));
  if (!time) {
    return make_error(ErrorKind::Parse, "{}: local_jobs: {}; {}", printable(path.string()), time.error().message,
                      remedy);
  }
  return time;
}

Result<LocalJob> job_from_row(const sqlite::Statement& row, const fs::path& path) {
  LocalJob job;
  job.row = row.int64(0).value_or(0);
  job.name = row.text(1).value_or("");
  job.trait = static_cast<int>(row.int64(2).value_or(0));
  job.attempt = static_cast<int>(row.int64(3).value_or(1));
  job.pid = static_cast<pid_t>(row.int64(4).value_or(-1));
  job.pid_start = row.text(5).value_or("");
  auto started = column_time(row, 6, path);
  if (!started) {
    return started.error();
  }
  job.started_at = *started;
  if (!row.is_null(7)) {
    auto finished = column_time(row, 7, path);
    if (!finished) {
      return finished.error();
    }
    job.finished_at = *finished;
  }
  if (auto code = row.int64(8)) {
    job.exit_code = static_cast<int>(*code);
  }
  job.term_signal = static_cast<int>(row.int64(9).value_or(0));
  if (auto end = row.text(10)) {
    job.end = job_end_from_word(*end);
    if (!job.end) {
      return make_error(ErrorKind::Parse, "{}: local_jobs row {}: unknown end '{}'; {}", printable(path.string()),
                        job.row, printable(*end), remedy);
    }
  }
  job.peak_memory_bytes = row.int64(11);
  job.cpu_seconds = row.real(12);
  return job;
}

// Inserts the job's row; its id, once the transaction commits, is job.row.
Result<std::int64_t> insert_job(sqlite::Database& db, const LocalJob& job) {
  static const std::string sql = fmt::format(
      "INSERT INTO local_jobs ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id", job_columns);
  auto cached = db.cached(sql);
  if (!cached) {
    return cached.error();
  }
  sqlite::Statement& insert = **cached;
  bind_job(insert, job);
  auto stepped = insert.step();
  if (!stepped) {
    insert.reset();
    return stepped.error();
  }
  const std::int64_t row = insert.int64(0).value_or(0);
  if (auto ran = insert.run(); !ran) {
    return ran.error();
  }
  return row;
}

Result<LocalRecord> read_tables(sqlite::Database& db) {
  LocalRecord record;
  auto owner = sqlite::Statement::prepare(db, "SELECT pid, pid_start FROM local_owner WHERE id = 1");
  if (!owner) {
    return owner.error();
  }
  auto found = owner->step();
  if (!found) {
    return found.error();
  }
  if (*found) {
    record.owner_pid = static_cast<pid_t>(owner->int64(0).value_or(-1));
    record.owner_start = owner->text(1).value_or("");
  }
  auto read = sqlite::each_row(db, fmt::format("SELECT id, {} FROM local_jobs ORDER BY id", job_columns),
                               [&](const sqlite::Statement& row) -> Result<void> {
                                 auto job = job_from_row(row, db.path());
                                 if (!job) {
                                   return job.error();
                                 }
                                 record.jobs.push_back(std::move(*job));
                                 return {};
                               });
  if (!read) {
    return read.error();
  }
  return record;
}

Result<void> update_jobs(sqlite::Database& db, const std::vector<const LocalJob*>& changed) {
  if (changed.empty()) {
    return {};
  }
  static const std::string sql = fmt::format(
      "UPDATE local_jobs SET ({}) = (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) WHERE id = ?", job_columns);
  auto update = db.cached(sql);
  if (!update) {
    return update.error();
  }
  sqlite::Statement& statement = **update;
  for (const LocalJob* job : changed) {
    bind_job(statement, *job);
    statement.bind(13, job->row);
    if (auto ran = statement.run(); !ran) {
      return ran.error();
    }
  }
  return {};
}

Result<void> set_owner(sqlite::Database& db, pid_t pid, const std::string& start) {
  auto owner = db.cached(
      "INSERT INTO local_owner (id, pid, pid_start) VALUES (1, ?, ?) "
      "ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, pid_start = excluded.pid_start");
  if (!owner) {
    return owner.error();
  }
  (*owner)->bind(1, static_cast<std::int64_t>(pid)).bind(2, start);
  return (*owner)->run();
}

Result<void> delete_jobs(sqlite::Database& db, const std::vector<std::int64_t>& rows) {
  if (rows.empty()) {
    return {};
  }
  auto erase = db.cached("DELETE FROM local_jobs WHERE id = ?");
  if (!erase) {
    return erase.error();
  }
  for (const std::int64_t row : rows) {
    if (auto ran = (*erase)->bind(1, row).run(); !ran) {
      return ran.error();
    }
  }
  return {};
}

}  // namespace

fs::path local_lock_path(const fs::path& state_dir, const std::string& project, const std::string& prefix) {
  return state_dir / project / (prefix + ".local.lock");
}

fs::path legacy_local_record_path(const fs::path& state_dir, const std::string& project) {
  return state_dir / "local" / project / "jobs.json";
}

bool has_local_record(const fs::path& state_dir, const std::string& project, const std::string& prefix) {
  LocalRecordStore store(state_dir, project, prefix, false);
  auto record = store.read();
  // A record that cannot be read: let opening the batch say why.
  return !record || record->owner_pid > 0 || !record->jobs.empty();
}

LocalRecordStore::LocalRecordStore(const fs::path& state_dir, std::string project, std::string prefix,
                                   bool writable)
    : state_dir_(state_dir),
      project_(std::move(project)),
      prefix_(std::move(prefix)),
      db_(state_dir, project_, prefix_, writable) {}

Result<LocalRecord> LocalRecordStore::read() {
  auto db = db_.for_reading();
  if (!db) {
    return db.error();
  }
  LocalRecord record;
  if (*db != nullptr) {
    auto transaction = sqlite::Transaction::begin(**db, sqlite::Transaction::Mode::Read);
    if (!transaction) {
      return transaction.error();
    }
    auto read = read_tables(**db);
    if (!read) {
      return read.error();
    }
    record = std::move(*read);
  }  // the read transaction ends unchanged
  if (record.owner_pid > 0 || !record.jobs.empty()) {
    from_legacy_ = false;
    return record;
  }
  auto legacy = read_legacy_local_record(legacy_local_record_path(state_dir_, project_));
  if (!legacy) {
    return legacy.error();
  }
  auto [mine, shared] = batch_part(std::move(*legacy), prefix_);
  from_legacy_ = !mine.jobs.empty();
  legacy_shared_ = shared;
  return mine;
}

Result<void> LocalRecordStore::write(const std::vector<const LocalJob*>& changed,
                                     const std::vector<std::int64_t>& forgotten,
                                     const std::vector<LocalJob*>& added) {
  auto db = db_.for_writing();
  if (!db) {
    return db.error();
  }
  auto transaction = sqlite::Transaction::begin(**db, sqlite::Transaction::Mode::Write);
  if (!transaction) {
    return transaction.error();
  }
  // The owner row changes once per process: written by its first write only.
  if (!owner_written_) {
    if (auto owner = set_owner(**db, ::getpid(), process_start_time(::getpid()).value_or("")); !owner) {
      return owner.error();
    }
  }
  if (auto updated = update_jobs(**db, changed); !updated) {
    return updated.error();
  }
  if (auto erased = delete_jobs(**db, forgotten); !erased) {
    return erased.error();
  }
  std::vector<std::int64_t> rows;
  for (const LocalJob* job : added) {
    auto inserted = insert_job(**db, *job);
    if (!inserted) {
      return inserted.error();
    }
    rows.push_back(*inserted);
  }
  if (auto committed = transaction->commit(); !committed) {
    return committed.error();
  }
  owner_written_ = true;
  for (std::size_t i = 0; i < added.size(); ++i) {
    added[i]->row = rows[i];
  }
  if (from_legacy_) {
    finish_import(added.size());
  }
  return {};
}

void LocalRecordStore::finish_import(std::size_t jobs) {
  from_legacy_ = false;
  finish_record_import({ImportedRecord::LocalJobs, state_dir_, project_, prefix_,
                        legacy_local_record_path(state_dir_, project_), path(), jobs, !legacy_shared_});
}

void settle_abandoned(std::vector<LocalJob>& jobs) {
  for (LocalJob& job : jobs) {
    if (!job.end && !still_running(job.pid, job.pid_start)) {
      job.end = JobEnd::Interrupted;
    }
  }
}

Result<std::vector<LocalJob>> load_recorded_state(const fs::path& state_dir, const std::string& project,
                                                  const std::string& prefix) {
  for (const auto& [name, what] : {std::pair{&project, "project"}, std::pair{&prefix, "prefix"}}) {
    if (auto checked = check_file_name(*name, what); !checked) {
      return checked.error();
    }
  }
  LocalRecordStore store(state_dir, project, prefix, false);
  auto record = store.read();
  if (!record) {
    return record.error();
  }
  // While its owner lives the record is current; a dead owner's Running jobs
  // are trusted only as long as their processes run.
  if (!still_running(record->owner_pid, record->owner_start)) {
    settle_abandoned(record->jobs);
  }
  return std::move(record->jobs);
}

fs::path SpawnLog::path_for(const fs::path& state_dir, const std::string& project, const std::string& prefix) {
  return state_dir / project / (prefix + ".local.spawns");
}

Result<SpawnLog> SpawnLog::open(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot open {}: {}", path.string(), std::strerror(errno));
  }
  return SpawnLog(fd, path);
}

SpawnLog::SpawnLog(SpawnLog&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

SpawnLog& SpawnLog::operator=(SpawnLog&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      ::close(fd_);
    }
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

SpawnLog::~SpawnLog() {
  if (fd_ >= 0) {
    ::close(fd_);
  }
}

Result<std::vector<SpawnedChild>> SpawnLog::read() const {
  std::ifstream in(path_);
  if (!in) {
    return make_error(ErrorKind::Io, "cannot read {}", path_.string());
  }
  std::vector<SpawnedChild> children;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    SpawnedChild child;
    std::string end;
    // pid, start, attempt, name, and "." last: a line a crash cut short lacks it.
    if (fields >> child.pid >> child.pid_start >> child.attempt >> child.name >> end && end == ".") {
      if (child.pid_start == "-") {
        child.pid_start.clear();
      }
      children.push_back(std::move(child));
    }
  }
  return children;
}

Result<void> SpawnLog::append(const SpawnedChild& child) {
  const std::string line =
      fmt::format("{} {} {} {} .\n", child.pid, child.pid_start.empty() ? "-" : child.pid_start, child.attempt,
                  child.name);
  // One write of a short line to an O_APPEND file: whole or not at all.
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size())) {
    return make_error(ErrorKind::Io, "cannot write {}: {}", path_.string(), std::strerror(errno));
  }
  return {};
}

Result<void> SpawnLog::clear() {
  if (::ftruncate(fd_, 0) != 0) {
    return make_error(ErrorKind::Io, "cannot empty {}: {}", path_.string(), std::strerror(errno));
  }
  return {};
}

}  // namespace traitctl
