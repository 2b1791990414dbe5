// Where a batch's attempt ledger lives, the lock that gives one traitctl
// process at a time the right to act on the batch, and the file through which
// `traitctl cap` changes the running batch's cap (adapters/cap_file.hpp):
//   <state_dir>/<project>/<prefix>.ledger.json
//   <state_dir>/<project>/<prefix>.lock
//   <state_dir>/<project>/<prefix>.cap.json
#pragma once

#include <filesystem>
#include <string>

#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

class LedgerStore {
 public:
  // No I/O. Usage error when project or prefix is empty, ".", "..", or holds
  // '/' or a NUL byte: they become file names, and nothing is silently fixed.
  [[nodiscard]] static Result<LedgerStore> open(const std::filesystem::path& state_dir, std::string project,
                                                std::string prefix);

  // The batch lock. Mutating commands (retry, resubmit, run) hold it for
  // their whole run, before their first load(). Creates the folder.
  [[nodiscard]] Result<FileLock> lock(Duration timeout, const CancelToken& cancel) const;

  // A missing file is an empty ledger for this project and prefix. A file
  // that cannot be read as a ledger, or belongs to another batch, is a Parse
  // error naming it; it is never reset or rewritten.
  [[nodiscard]] Result<Ledger> load() const;
  // Atomic (write_file_atomically); creates the folder. Usage error if the
  // ledger is another batch's.
  [[nodiscard]] Result<void> save(const Ledger& ledger) const;

  [[nodiscard]] const std::filesystem::path& ledger_path() const { return ledger_path_; }
  [[nodiscard]] const std::filesystem::path& lock_path() const { return lock_path_; }
  [[nodiscard]] const std::filesystem::path& cap_path() const { return cap_path_; }

  // The batch's folder, <state_dir>/<project>, with its parents. Io error
  // naming it.
  [[nodiscard]] Result<void> create_folder() const;

 private:
  LedgerStore(std::string project, std::string prefix, std::filesystem::path ledger_path,
              std::filesystem::path lock_path, std::filesystem::path cap_path);

  std::string project_;
  std::string prefix_;
  std::filesystem::path ledger_path_;
  std::filesystem::path lock_path_;
  std::filesystem::path cap_path_;
};

}  // namespace traitctl
