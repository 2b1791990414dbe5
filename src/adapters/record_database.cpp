#include "traitctl/adapters/record_database.hpp"

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

// A new file gets its schema in the transaction that creates it.
Result<sqlite::Database> create_database(const fs::path& path) {
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", path.parent_path().string(), error.message());
  }
  auto db = sqlite::Database::open(path, sqlite::Access::ReadWriteCreate);
  if (!db) {
    return db.error();
  }
  auto transaction = sqlite::Transaction::begin(*db, sqlite::Transaction::Mode::Write);
  if (!transaction) {
    return transaction.error();
  }
  if (auto migrated = migrate_batch_schema(*db); !migrated) {
    return migrated.error();
  }
  if (auto committed = transaction->commit(); !committed) {
    return committed.error();
  }
  return db;
}

}  // namespace

fs::path batch_database_path(const fs::path& state_dir, const std::string& project, const std::string& prefix) {
  return state_dir / project / (prefix + ".db");
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
    auto opened = exists() ? open_batch_database(path_, sqlite::Access::ReadWriteCreate) : create_database(path_);
    if (!opened) {
      return opened.error();
    }
    db_.emplace(std::move(*opened));
  }
  return &*db_;
}

}  // namespace traitctl
