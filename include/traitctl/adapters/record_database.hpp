// How the backends' records (adapters/local_record.hpp, slurm_record.hpp)
// reach the batch database (adapters/batch_database.hpp, docs/state.md):
// one connection, opened at first use: read-only for a command that only
// reads (never creating the file), for writing for the batch's owner. A
// batch without a database gets it from the ledger store, the one way a
// batch database is created (with the import of an earlier traitctl's
// ledger).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "traitctl/adapters/sqlite.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

class RecordDatabase {
 public:
  // No I/O. The names are checked by the record's own open.
  RecordDatabase(const std::filesystem::path& state_dir, std::string project, std::string prefix, bool writable);

  [[nodiscard]] bool exists() const;
  // The connection, nullptr when the file does not exist (yet): reading
  // never creates it.
  [[nodiscard]] Result<sqlite::Database*> for_reading();
  // The writer's connection, the file created when missing. Usage error
  // for a reader.
  [[nodiscard]] Result<sqlite::Database*> for_writing();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path state_dir_;
  std::string project_;
  std::string prefix_;
  std::filesystem::path path_;
  bool writable_;
  std::optional<sqlite::Database> db_;
};

}  // namespace traitctl
