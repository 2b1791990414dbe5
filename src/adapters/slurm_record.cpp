#include "traitctl/adapters/slurm_record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/local_record.hpp"
#include "traitctl/adapters/slurm_parse.hpp"
#include "traitctl/adapters/state_file.hpp"

namespace traitctl {

namespace fs = std::filesystem;

void to_json(nlohmann::json& json, const SlurmRecordedJob& job);
void from_json(const nlohmann::json& json, SlurmRecordedJob& job);

namespace {

constexpr int legacy_version = 1;

bool ended(const std::string& state) { return !state.empty() && has_ended(slurm_job_state(state)); }

void sort_oldest_first(SlurmRecord& record) {
  std::stable_sort(
      record.jobs.begin(), record.jobs.end(),
      [](const SlurmRecordedJob& a, const SlurmRecordedJob& b) { return slurm_job_older(a.id, b.id); });
}

Result<SlurmRecord> read_legacy(const fs::path& path) {
  return read_versioned_record<SlurmRecord>(
      path, legacy_version, "move it aside (traitctl then knows the batch's jobs only while Slurm lists them)",
      [](const nlohmann::json& document) {
        SlurmRecord record;
        document.at("command").get_to(record.command);
        document.at("jobs").get_to(record.jobs);
        return record;
      });
}

SlurmRecordedJob slurm_job_from_row(const sqlite::Statement& row) {
  return SlurmRecordedJob{row.text(0).value_or(""),
                          row.text(1).value_or(""),
                          static_cast<int>(row.int64(2).value_or(0)),
                          row.text(3).value_or(""),
                          row.text(4).value_or(""),
                          row.text(5).value_or(""),
                          row.int64(6).value_or(0) != 0};
}

constexpr std::string_view slurm_job_columns = "id, name, attempt, log, state, reason, removed";

Result<SlurmRecord> read_slurm_tables(sqlite::Database& db) {
  SlurmRecord record;
  auto words = sqlite::Statement::prepare(db, "SELECT word FROM slurm_command ORDER BY position");
  if (!words) {
    return words.error();
  }
  for (auto more = words->step(); more && *more; more = words->step()) {
    record.command.push_back(words->text(0).value_or(""));
  }
  auto read = sqlite::each_row(db, fmt::format("SELECT {} FROM slurm_jobs", slurm_job_columns),
                               [&](const sqlite::Statement& row) { record.jobs.push_back(slurm_job_from_row(row)); });
  if (!read) {
    return read.error();
  }
  sort_oldest_first(record);
  return record;
}

Result<void> write_command(sqlite::Database& db, const std::vector<std::string>& command) {
  if (auto cleared = db.execute("DELETE FROM slurm_command"); !cleared) {
    return cleared.error();
  }
  auto insert = sqlite::Statement::prepare(db, "INSERT INTO slurm_command (position, word) VALUES (?, ?)");
  if (!insert) {
    return insert.error();
  }
  for (std::size_t position = 0; position < command.size(); ++position) {
    insert->bind(1, static_cast<std::int64_t>(position)).bind(2, command[position]);
    if (auto ran = insert->run(); !ran) {
      return ran.error();
    }
  }
  return {};
}

// Merges each job into its row (merge_slurm_job), one statement pair per
// job; returns the rows as written.
Result<std::vector<SlurmRecordedJob>> merge_rows(sqlite::Database& db, const std::vector<SlurmRecordedJob>& jobs) {
  auto select = sqlite::Statement::prepare(db, fmt::format("SELECT {} FROM slurm_jobs WHERE id = ?", slurm_job_columns));
  auto upsert = sqlite::Statement::prepare(
      db, fmt::format("INSERT OR REPLACE INTO slurm_jobs ({}) VALUES (?, ?, ?, ?, ?, ?, ?)", slurm_job_columns));
  if (!select || !upsert) {
    return !select ? select.error() : upsert.error();
  }
  std::vector<SlurmRecordedJob> written;
  written.reserve(jobs.size());
  for (const SlurmRecordedJob& job : jobs) {
    select->reset();
    select->bind(1, job.id);
    auto found = select->step();
    if (!found) {
      return found.error();
    }
    SlurmRecordedJob kept = job;
    if (*found) {
      kept = slurm_job_from_row(*select);
      merge_slurm_job(kept, job);
    }
    select->reset();
    upsert->bind(1, kept.id)
        .bind(2, kept.name)
        .bind(3, kept.attempt)
        .bind(4, kept.log)
        .bind(5, kept.state)
        .bind(6, kept.reason)
        .bind(7, kept.removed);
    if (auto ran = upsert->run(); !ran) {
      return ran.error();
    }
    written.push_back(std::move(kept));
  }
  return written;
}

}  // namespace

void to_json(nlohmann::json& json, const SlurmRecordedJob& job) {
  json = {{"id", job.id},       {"name", job.name},     {"attempt", job.attempt}, {"log", job.log},
          {"state", job.state}, {"reason", job.reason}, {"removed", job.removed}};
}

void from_json(const nlohmann::json& json, SlurmRecordedJob& job) {
  json.at("id").get_to(job.id);
  json.at("name").get_to(job.name);
  job.attempt = json.value("attempt", 0);
  job.log = json.value("log", "");
  job.state = json.value("state", "");
  job.reason = json.value("reason", "");
  job.removed = json.value("removed", false);
}

SlurmRecordedJob* find_job(SlurmRecord& record, const std::string& id) {
  const auto found = std::find_if(record.jobs.begin(), record.jobs.end(),
                                  [&](const SlurmRecordedJob& job) { return job.id == id; });
  return found != record.jobs.end() ? &*found : nullptr;
}

const SlurmRecordedJob* find_job(const SlurmRecord& record, const std::string& id) {
  return find_job(const_cast<SlurmRecord&>(record), id);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

void merge_slurm_job(SlurmRecordedJob& kept, const SlurmRecordedJob& mine) {
  if (kept.name != mine.name) {
    kept = mine;
    return;
  }
  if (!mine.state.empty() && !(ended(kept.state) && !ended(mine.state))) {
    kept.state = mine.state;
    kept.reason = mine.reason;
  }
  kept.attempt = std::max(kept.attempt, mine.attempt);
  if (kept.log.empty()) {
    kept.log = mine.log;
  }
  kept.removed = kept.removed || mine.removed;
}

SlurmRecord merge_slurm_records(const SlurmRecord& theirs, const SlurmRecord& mine) {
  SlurmRecord merged = theirs;
  if (!mine.command.empty()) {
    merged.command = mine.command;
  }
  std::unordered_map<std::string, std::size_t> position;  // by id: linear, not quadratic, in the batch
  for (std::size_t i = 0; i < merged.jobs.size(); ++i) {
    position.emplace(merged.jobs[i].id, i);
  }
  for (const SlurmRecordedJob& job : mine.jobs) {
    if (const auto kept = position.find(job.id); kept != position.end()) {
      merge_slurm_job(merged.jobs[kept->second], job);
    } else {
      position.emplace(job.id, merged.jobs.size());
      merged.jobs.push_back(job);
    }
  }
  sort_oldest_first(merged);
  return merged;
}

fs::path slurm_record_dir(const fs::path& state_dir, const std::string& project) {
  return state_dir / "slurm" / project;
}

SlurmRecordStore::SlurmRecordStore(const fs::path& state_dir, std::string project, std::string prefix,
                                   bool writable)
    : state_dir_(state_dir),
      project_(std::move(project)),
      prefix_(std::move(prefix)),
      legacy_path_(slurm_record_dir(state_dir, project_) / (prefix_ + ".jobs.json")),
      db_(state_dir, project_, prefix_, writable) {}

Result<SlurmRecordStore> SlurmRecordStore::open(const fs::path& state_dir, const std::string& project,
                                                const std::string& prefix, bool writable) {
  if (auto checked = check_file_name(project, "project"); !checked) {
    return checked.error();
  }
  if (auto checked = check_file_name(prefix, "prefix"); !checked) {
    return checked.error();
  }
  return SlurmRecordStore(state_dir, project, prefix, writable);
}

Result<bool> SlurmRecordStore::has_rows(sqlite::Database& db) {
  auto any = sqlite::Statement::prepare(
      db, "SELECT EXISTS (SELECT 1 FROM slurm_jobs) OR EXISTS (SELECT 1 FROM slurm_command)");
  if (!any) {
    return any.error();
  }
  auto stepped = any->step();
  if (!stepped) {
    return stepped.error();
  }
  return any->int64(0).value_or(0) != 0;
}

Result<bool> SlurmRecordStore::exists() {
  std::error_code error;
  if (fs::exists(legacy_path_, error)) {
    return true;
  }
  auto db = db_.for_reading();
  if (!db) {
    return db.error();
  }
  return *db != nullptr ? has_rows(**db) : Result<bool>(false);
}

Result<SlurmRecord> SlurmRecordStore::read() {
  auto db = db_.for_reading();
  if (!db) {
    return db.error();
  }
  if (*db != nullptr) {
    auto transaction = sqlite::Transaction::begin(**db, sqlite::Transaction::Mode::Read);
    if (!transaction) {
      return transaction.error();
    }
    auto record = read_slurm_tables(**db);
    if (!record || !record->jobs.empty() || !record->command.empty()) {
      return record;
    }
  }
  return read_legacy(legacy_path_);
}

Result<SlurmRecord> SlurmRecordStore::merge_in(const SlurmRecord& mine) {
  auto db = db_.for_writing();
  if (!db) {
    return db.error();
  }
  auto transaction = sqlite::Transaction::begin(**db, sqlite::Transaction::Mode::Write);
  if (!transaction) {
    return transaction.error();
  }
  auto stored = has_rows(**db);
  if (!stored) {
    return stored.error();
  }
  std::optional<SlurmRecord> imported;
  std::error_code error;
  if (!*stored && fs::exists(legacy_path_, error)) {
    auto legacy = read_legacy(legacy_path_);
    if (!legacy) {
      return legacy.error();
    }
    imported = std::move(*legacy);
  }
  const SlurmRecord& base = imported ? *imported : SlurmRecord{};
  if (imported) {
    if (auto rows = merge_rows(**db, imported->jobs); !rows) {
      return rows.error();
    }
  }
  const std::vector<std::string>& command = !mine.command.empty() ? mine.command : base.command;
  if (!command.empty()) {
    if (auto written = write_command(**db, command); !written) {
      return written.error();
    }
  }
  auto rows = merge_rows(**db, mine.jobs);
  if (!rows) {
    return rows.error();
  }
  if (auto committed = transaction->commit(); !committed) {
    return committed.error();
  }
  if (imported) {
    finish_import(imported->jobs.size());
  }
  SlurmRecord now{command, std::move(*rows)};
  sort_oldest_first(now);
  return now;
}

void SlurmRecordStore::finish_import(std::size_t jobs) {
  finish_record_import({ImportedRecord::SlurmJobs, state_dir_, project_, prefix_, legacy_path_, path(), jobs});
}

}  // namespace traitctl
