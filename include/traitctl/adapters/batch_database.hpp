// The batch database's file and schema, <state_dir>/<project>/<prefix>.db
// (docs/state.md): the checks every opener runs on it, and the forward
// migrations from one schema version to the next, versioned by PRAGMA
// user_version. What goes in the tables is the business of the stores
// (adapters/ledger_store.hpp, the backends' records).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "traitctl/adapters/sqlite.hpp"

namespace traitctl {

// The schema this traitctl writes. A file of an older version is migrated
// forward by the first writer; a newer one is refused.
inline constexpr int batch_schema_version = 1;

// Whether `<database>-journal` holds a transaction: one under way, or the
// hot journal of a writer that crashed. The journal file itself stays after
// every commit (journal_mode=PERSIST), its header zeroed.
[[nodiscard]] bool has_live_journal(const std::filesystem::path& database);

// Opens an existing batch database. The checks run first on a read-only
// connection, so that a damaged file is left byte for byte as it was (no
// journal is created beside it): a file that is not a database, one that
// fails PRAGMA quick_check, one with no traitctl schema, one of a schema
// newer than this traitctl. Each is a Parse error naming the file and the
// fix. With ReadWriteCreate the database is then opened for writing and
// migrated to batch_schema_version in one transaction.
[[nodiscard]] Result<sqlite::Database> open_batch_database(const std::filesystem::path& path,
                                                           sqlite::Access access);

// Creates the tables of every version up to batch_schema_version in a
// transaction the caller holds (Transaction::Mode::Write) and sets
// user_version: a new file's schema and what it is created with commit
// together.
[[nodiscard]] Result<void> migrate_batch_schema(sqlite::Database& db);

// "<path>: <problem>; it was left untouched — <fix>": the one message of a
// batch database that cannot be used (problem: what is wrong, without the path).
[[nodiscard]] Error unusable_database(const std::filesystem::path& path, std::string_view problem);

// A backend's record from before the database (jobs.json, the Slurm
// record's JSON file), imported into `database`.
enum class ImportedRecord { LocalJobs, SlurmJobs };
// The journal's event for it: "local-record-imported", "slurm-record-imported".
[[nodiscard]] std::string_view journal_event(ImportedRecord record);

struct RecordImport {
  ImportedRecord record = ImportedRecord::LocalJobs;
  std::filesystem::path state_dir;
  std::string project;
  std::string prefix;
  std::filesystem::path from;  // the old file
  std::filesystem::path database;
  std::size_t jobs = 0;
  bool set_aside = true;  // false: other batches' jobs are in the old file too, and it stays
};

// After an import committed: the old file renamed `<file>.imported` (a crash
// before leaves it in place, and the database's rows win from then on; a
// rename that fails is warned of), logged, and told in the journal.
void finish_record_import(const RecordImport& import);

}  // namespace traitctl
