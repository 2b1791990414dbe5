// How the backends' records (adapters/local_record.hpp, slurm_record.hpp)
// reach the batch database, <state_dir>/<project>/<prefix>.db
// (adapters/batch_database.hpp, docs/state.md): one connection, opened at
// first use: read-only for a command that only reads (never creating the
// file), for writing for the batch's owner (creating the file with its
// schema when the batch has none yet).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "traitctl/adapters/sqlite.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

[[nodiscard]] std::filesystem::path batch_database_path(const std::filesystem::path& state_dir,
                                                        const std::string& project, const std::string& prefix);

class RecordDatabase {
 public:
  RecordDatabase(std::filesystem::path path, bool writable) : path_(std::move(path)), writable_(writable) {}

  [[nodiscard]] bool exists() const;
  // The connection, nullptr when the file does not exist (yet): reading
  // never creates it.
  [[nodiscard]] Result<sqlite::Database*> for_reading();
  // The writer's connection, creating the file when missing. Usage error for
  // a reader.
  [[nodiscard]] Result<sqlite::Database*> for_writing();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] bool writable() const { return writable_; }

 private:
  std::filesystem::path path_;
  bool writable_;
  std::optional<sqlite::Database> db_;
};

}  // namespace traitctl
