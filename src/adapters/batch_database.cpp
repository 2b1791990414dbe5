#include "traitctl/adapters/batch_database.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <string_view>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// Migration n (index n - 1) takes a database from user_version n - 1 to n.
// Append only: a released migration is never edited. Times are ISO-8601 UTC
// text (format_utc), flags 0 or 1, unknown values NULL.
constexpr std::array<std::string_view, 1> migrations{
    R"sql(
CREATE TABLE batch (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  project TEXT NOT NULL,
  prefix TEXT NOT NULL,
  first_submitted_at TEXT,
  cap_state TEXT,
  learned_memory_tier INTEGER
);
CREATE TABLE traits (
  trait INTEGER PRIMARY KEY,
  automatic_retries INTEGER NOT NULL DEFAULT 0,
  oom_retries INTEGER NOT NULL DEFAULT 0,
  incomplete_retries INTEGER NOT NULL DEFAULT 0,
  manual_resubmissions INTEGER NOT NULL DEFAULT 0,
  out_of_retries INTEGER NOT NULL DEFAULT 0,
  failure_first_seen TEXT,
  last_failure TEXT,
  pending_intent TEXT,
  job_id TEXT
);
CREATE TABLE attempts (
  trait INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  job_id TEXT,
  memory TEXT,
  cpu TEXT,
  submitted_at TEXT,
  started_at TEXT,
  ended_at TEXT,
  end TEXT,
  class TEXT,
  exit_code INTEGER,
  evidence TEXT,
  node TEXT,
  peak_memory_bytes INTEGER,
  cpu_seconds REAL,
  PRIMARY KEY (trait, attempt)
);
CREATE TABLE cap_requests (
  id INTEGER PRIMARY KEY,
  max_concurrent INTEGER NOT NULL,
  reset INTEGER NOT NULL DEFAULT 0,
  set_at TEXT NOT NULL,
  set_by_pid INTEGER NOT NULL
);
CREATE TABLE local_owner (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  pid INTEGER NOT NULL,
  pid_start TEXT
);
CREATE TABLE local_jobs (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  trait INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  pid INTEGER NOT NULL,
  pid_start TEXT,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  exit_code INTEGER,
  term_signal INTEGER NOT NULL DEFAULT 0,
  end TEXT,
  peak_memory_bytes INTEGER,
  cpu_seconds REAL
);
CREATE TABLE slurm_jobs (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  attempt INTEGER NOT NULL DEFAULT 0,
  log TEXT,
  state TEXT,
  reason TEXT,
  removed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE slurm_command (
  position INTEGER PRIMARY KEY,
  word TEXT NOT NULL
);
)sql",
};

static_assert(migrations.size() == batch_schema_version, "one migration per schema version");

// A Parse error of SQLite's ("<path>: <what>: file is not a database") with the fix.
Error with_fix(const std::filesystem::path& path, const Error& error) {
  if (error.kind != ErrorKind::Parse) {
    return error;
  }
  const std::string prefix = printable(path.string()) + ": ";
  const std::string_view message = error.message;
  return unusable_database(path, message.starts_with(prefix) ? message.substr(prefix.size()) : message);
}

Result<void> check_database(sqlite::Database& db) {
  auto verdict = db.quick_check();
  if (!verdict) {
    return with_fix(db.path(), verdict.error());
  }
  if (*verdict != "ok") {
    return unusable_database(db.path(), fmt::format("it fails SQLite's PRAGMA quick_check ({})", *verdict));
  }
  auto version = db.user_version();
  if (!version) {
    return with_fix(db.path(), version.error());
  }
  if (*version == 0) {
    return unusable_database(db.path(), "it is an SQLite database but not a traitctl batch's (no schema version)");
  }
  if (*version > batch_schema_version) {
    return make_error(ErrorKind::Parse,
                      "{}: batch database schema {} is newer than this traitctl reads ({}): it was written by a "
                      "newer traitctl; use that one, or upgrade",
                      printable(db.path().string()), *version, batch_schema_version);
  }
  return {};
}

}  // namespace

Error unusable_database(const std::filesystem::path& path, std::string_view problem) {
  return make_error(ErrorKind::Parse,
                    "{}: {}; it was left untouched — restore it from a backup, or move it aside to start the "
                    "batch's attempt counts afresh",
                    printable(path.string()), printable(problem));
}

bool has_live_journal(const std::filesystem::path& database) {
  std::ifstream journal(database.string() + "-journal", std::ios::binary);
  std::array<char, 8> header{};  // SQLite's journal magic, or zeros once committed
  return journal.read(header.data(), header.size()) &&
         std::any_of(header.begin(), header.end(), [](char byte) { return byte != 0; });
}

Result<sqlite::Database> open_batch_database(const std::filesystem::path& path, sqlite::Access access) {
  {
    // SQLite rolls a hot journal back at the first read, which a read-only
    // connection cannot do. The checks only read either way.
    const bool journal = has_live_journal(path);
    auto reader =
        sqlite::Database::open(path, journal ? sqlite::Access::ReadWrite : sqlite::Access::ReadOnly);
    if (!reader) {
      return with_fix(path, reader.error());
    }
    if (auto checked = check_database(*reader); !checked) {
      return checked.error();
    }
    if (access == sqlite::Access::ReadOnly) {
      return std::move(*reader);
    }
  }
  auto writer = sqlite::Database::open(path, sqlite::Access::ReadWriteCreate);
  if (!writer) {
    return writer.error();
  }
  auto version = writer->user_version();
  if (!version) {
    return version.error();
  }
  if (*version < batch_schema_version) {
    auto transaction = sqlite::Transaction::begin(*writer, sqlite::Transaction::Mode::Write);
    if (!transaction) {
      return transaction.error();
    }
    if (auto migrated = migrate_batch_schema(*writer); !migrated) {
      return migrated.error();
    }
    if (auto committed = transaction->commit(); !committed) {
      return committed.error();
    }
  }
  return writer;
}

Result<void> migrate_batch_schema(sqlite::Database& db) {
  auto version = db.user_version();
  if (!version) {
    return version.error();
  }
  for (auto step = static_cast<std::size_t>(*version); step < migrations.size(); ++step) {
    if (auto applied = db.execute_script(std::string(migrations[step])); !applied) {
      return applied.error();
    }
  }
  // PRAGMA takes no bound parameters; the value is this program's constant.
  return db.execute_script(fmt::format("PRAGMA user_version = {}", batch_schema_version));
}

std::string_view journal_event(ImportedRecord record) {
  return record == ImportedRecord::LocalJobs ? "local-record-imported" : "slurm-record-imported";
}

void finish_record_import(const RecordImport& import) {
  namespace fs = std::filesystem;
  fs::path kept = import.from;
  if (import.set_aside) {
    kept += ".imported";
    std::error_code error;
    fs::rename(import.from, kept, error);
    if (error) {
      spdlog::warn("could not rename {} to {}: {}", import.from.string(), kept.string(), error.message());
      kept = import.from;
    }
  }
  spdlog::info("imported the {} jobs of batch {} from {} into {}",
               import.record == ImportedRecord::LocalJobs ? "local" : "Slurm", import.prefix,
               import.from.string(), import.database.string());
  const SystemClock clock;
  if (auto journal = Journal::open(import.state_dir, "import", import.project, import.prefix, clock)) {
    journal->record(JournalEvent{std::string(journal_event(import.record)),
                                 std::nullopt,
                                 std::nullopt,
                                 {{"from", import.from.string()},
                                  {"kept_as", kept.string()},
                                  {"database", import.database.string()},
                                  {"jobs", import.jobs}}});
  }
}

}  // namespace traitctl
