#include "traitctl/adapters/record_database.hpp"

#include <spdlog/spdlog.h>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

RecordDatabase::RecordDatabase(const fs::path& state_dir, std::string project, std::string prefix, bool writable)
    : state_dir_(state_dir),
      project_(std::move(project)),
      prefix_(std::move(prefix)),
      path_(state_dir_ / project_ / (prefix_ + ".db")),
      writable_(writable) {
  if (auto store = LedgerStore::open(state_dir_, project_, prefix_)) {
    path_ = store->database_path();  // the ledger store's word on where it is
  }
}

bool RecordDatabase::exists() const {
  std::error_code error;
  return db_.has_value() || fs::exists(path_, error);
}

Result<sqlite::Database*> RecordDatabase::for_reading() {
  if (!db_) {
    if (!exists()) {
      return nullptr;  // a reader never creates the file, nor does the owner before its first write
    }
    if (writable_) {
      return for_writing();
    }
    auto opened = open_batch_database(path_, sqlite::Access::ReadOnly);
    if (!opened) {
      return opened.error();
    }
    db_.emplace(std::move(*opened));
  }
  return &*db_;
}

Result<sqlite::Database*> RecordDatabase::for_writing() {
  if (!writable_) {
    return make_error(ErrorKind::Usage, "{} was opened read-only", printable(path_.string()));
  }
  if (!db_) {
    if (!exists()) {
      // Normally the command's ledger store created it already; a backend
      // used on its own (or first) has the ledger store create it.
      auto store = LedgerStore::open(state_dir_, project_, prefix_);
      auto created = store ? store->open_for_writing() : Result<std::optional<LegacyImport>>(store.error());
      if (!created) {
        return created.error();
      }
      if (*created) {
        spdlog::info("imported the batch's state of an earlier traitctl into {}", path_.string());
      }
    }
    auto opened = open_batch_database(path_, sqlite::Access::ReadWriteCreate);
    if (!opened) {
      return opened.error();
    }
    db_.emplace(std::move(*opened));
  }
  return &*db_;
}

}  // namespace traitctl
