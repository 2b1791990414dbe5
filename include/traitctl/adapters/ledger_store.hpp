// Where a batch's state lives, and the lock that gives one traitctl process
// at a time the right to act on the batch (docs/state.md):
//   <state_dir>/<project>/<prefix>.db     the batch database (adapters/batch_database.hpp)
//   <state_dir>/<project>/<prefix>.lock   the batch lock
// The attempt ledger is kept in the database's batch, traits and attempts
// tables; `traitctl cap` requests in its cap_requests table
// (adapters/cap_file.hpp). A batch of a traitctl before the database,
// <prefix>.ledger.json and <prefix>.cap.json, is read as it is by commands
// that only read, and imported by the first that writes.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>

#include "traitctl/adapters/sqlite.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

// What open_for_writing imported from the JSON files of an earlier traitctl.
struct LegacyImport {
  int traits = 0;
  int attempts = 0;
  bool ledger = false;       // <prefix>.ledger.json, renamed <prefix>.ledger.json.imported
  bool cap_request = false;  // <prefix>.cap.json, renamed <prefix>.cap.json.imported
};

class LedgerStore {
 public:
  // No I/O. Usage error when project or prefix is empty, ".", "..", or holds
  // '/' or a NUL byte: they become file names, and nothing is silently fixed.
  [[nodiscard]] static Result<LedgerStore> open(const std::filesystem::path& state_dir, std::string project,
                                                std::string prefix);

  // The batch lock. Mutating commands (retry, resubmit, run) hold it for
  // their whole run, before their first load(). Creates the folder.
  [[nodiscard]] Result<FileLock> lock(Duration timeout, const CancelToken& cancel) const;

  // For a command that changes the batch: the database, opened for writing,
  // checked and migrated; created when missing, in one transaction with
  // everything the JSON files of an earlier traitctl hold (then renamed
  // *.imported; the LegacyImport says what, for the journal). A file that
  // cannot be used is a Parse error naming it and the fix, and is left as it
  // was. Once per store and its copies; later calls return nullopt.
  [[nodiscard]] Result<std::optional<LegacyImport>> open_for_writing() const;

  // The ledger: from the database (the writer's connection after
  // open_for_writing, else a read-only one in one read transaction, so never
  // half a cycle), else from an earlier traitctl's JSON ledger (read, never
  // written), else an empty ledger for this project and prefix. A file that
  // cannot be read as the batch's state, or belongs to another batch, is a
  // Parse error naming it; it is never reset or rewritten.
  [[nodiscard]] Result<Ledger> load() const;

  // Writes, in one transaction, the rows that differ from the ledger this
  // store (or a copy of it) last loaded or saved: the batch row, and of the
  // `touched` traits (those whose records may have changed since; no other
  // trait is compared) the trait and attempt rows. Opens for writing first.
  // A failed save leaves the database as the previous save left it. Usage
  // error if the ledger is another batch's.
  [[nodiscard]] Result<void> save(const Ledger& ledger, const std::set<int>& touched) const;

  [[nodiscard]] const std::filesystem::path& database_path() const { return database_path_; }
  [[nodiscard]] const std::filesystem::path& lock_path() const { return lock_path_; }
  // The JSON files of a traitctl before the database, read only to import them.
  [[nodiscard]] std::filesystem::path legacy_ledger_path() const;
  [[nodiscard]] std::filesystem::path legacy_cap_path() const;

  // The writer's database after open_for_writing, else null: the cap reader
  // of the running loop uses it (adapters/cap_file.hpp).
  [[nodiscard]] sqlite::Database* writer() const;

  // The batch's folder, <state_dir>/<project>, with its parents. Io error
  // naming it.
  [[nodiscard]] Result<void> create_folder() const;

 private:
  struct Connection;  // the writer's database and the ledger as last loaded or saved, shared by copies

  LedgerStore(std::string project, std::string prefix, std::filesystem::path database_path,
              std::filesystem::path lock_path);
  [[nodiscard]] Result<Ledger> check_batch(Ledger ledger, const std::filesystem::path& source) const;
  [[nodiscard]] Result<Ledger> load_legacy() const;
  [[nodiscard]] Result<std::optional<LegacyImport>> create_database() const;

  std::string project_;
  std::string prefix_;
  std::filesystem::path database_path_;
  std::filesystem::path lock_path_;
  std::shared_ptr<Connection> connection_;
};

}  // namespace traitctl
