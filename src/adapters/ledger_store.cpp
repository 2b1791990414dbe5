#include "traitctl/adapters/ledger_store.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <system_error>
#include <utility>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/ledger_tables.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

struct LedgerStore::Connection {
  std::optional<sqlite::Database> writer;
  std::optional<Ledger> baseline;  // what the database holds, as last loaded or saved
};

namespace {

namespace fs = std::filesystem;

Result<void> validate_component(std::string_view what, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return make_error(ErrorKind::Usage,
                      "{} '{}' cannot name a state file: it must be non-empty, not '.' or '..', "
                      "and hold no '/'",
                      what, printable(name));
  }
  return {};
}

bool file_exists(const fs::path& path) {
  std::error_code error;
  return fs::exists(fs::symlink_status(path, error));
}

fs::path imported_path(const fs::path& path) { return fs::path(path.string() + ".imported"); }

fs::path temporary_path(const fs::path& path) {
  std::random_device random;
  return path.parent_path() /
         fmt::format(".{}.tmp-{}-{:08x}", path.filename().string(), ::getpid(), random());
}

void remove_temporary(const fs::path& path) {
  std::error_code ignored;
  fs::remove(path, ignored);
  fs::remove(fs::path(path.string() + "-journal"), ignored);
}

Result<void> sync_folder(const fs::path& folder) {
  const int fd = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0 || ::fsync(fd) != 0) {
    const int error = errno;
    if (fd >= 0) {
      ::close(fd);
    }
    return make_error(ErrorKind::Io, "cannot sync the folder {}: {}", folder.string(), std::strerror(error));
  }
  ::close(fd);
  return {};
}

// Puts the finished database in place, unless another traitctl did first
// (false). link(2) fails when the name exists, also on NFS, so that two
// processes creating the batch at once never replace each other's file.
Result<bool> place_database(const fs::path& temporary, const fs::path& path) {
  if (::link(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    if (error == EEXIST) {
      return false;
    }
    if ((error != EPERM && error != EOPNOTSUPP) || file_exists(path) ||
        ::rename(temporary.c_str(), path.c_str()) != 0) {
      return make_error(ErrorKind::Io, "cannot create {}: {}", path.string(), std::strerror(error));
    }
  }
  remove_temporary(temporary);
  if (auto synced = sync_folder(path.parent_path()); !synced) {
    return synced.error();
  }
  return true;
}

Result<void> fill_new_database(const fs::path& temporary, const Ledger& ledger,
                               const std::optional<CapRequest>& request) {
  auto db = sqlite::Database::open(temporary, sqlite::Access::ReadWriteCreate);
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
  const LedgerChanges everything = ledger_changes(nullptr, ledger, every_trait(ledger));
  if (auto written = write_ledger_changes(*db, nullptr, ledger, everything); !written) {
    return written.error();
  }
  if (request) {
    if (auto inserted = insert_cap_request(*db, *request); !inserted) {
      return inserted.error();
    }
  }
  return transaction->commit();
}

Result<void> set_aside(const fs::path& path) {
  if (::rename(path.c_str(), imported_path(path).c_str()) != 0) {
    return make_error(ErrorKind::Io, "cannot rename {} to {}: {}", path.string(), imported_path(path).string(),
                      std::strerror(errno));
  }
  return {};
}

}  // namespace

LedgerStore::LedgerStore(std::string project, std::string prefix, fs::path database_path, fs::path lock_path)
    : project_(std::move(project)),
      prefix_(std::move(prefix)),
      database_path_(std::move(database_path)),
      lock_path_(std::move(lock_path)),
      connection_(std::make_shared<Connection>()) {}

Result<LedgerStore> LedgerStore::open(const fs::path& state_dir, std::string project, std::string prefix) {
  if (auto valid = validate_component("project", project); !valid) {
    return valid.error();
  }
  if (auto valid = validate_component("prefix", prefix); !valid) {
    return valid.error();
  }
  const fs::path folder = state_dir / project;
  fs::path database_path = folder / (prefix + ".db");
  fs::path lock_path = folder / (prefix + ".lock");
  return LedgerStore{std::move(project), std::move(prefix), std::move(database_path), std::move(lock_path)};
}

fs::path LedgerStore::legacy_ledger_path() const {
  return database_path_.parent_path() / (prefix_ + ".ledger.json");
}

fs::path LedgerStore::legacy_cap_path() const { return database_path_.parent_path() / (prefix_ + ".cap.json"); }

sqlite::Database* LedgerStore::writer() const {
  return connection_->writer ? &*connection_->writer : nullptr;
}

Result<void> LedgerStore::create_folder() const {
  std::error_code error;
  fs::create_directories(database_path_.parent_path(), error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create the state folder {}: {}",
                      database_path_.parent_path().string(), error.message());
  }
  return {};
}

Result<FileLock> LedgerStore::lock(Duration timeout, const CancelToken& cancel) const {
  if (auto created = create_folder(); !created) {
    return created.error();
  }
  return FileLock::acquire(lock_path_, timeout, cancel);
}

Result<Ledger> LedgerStore::check_batch(Ledger ledger, const fs::path& source) const {
  if (ledger.project != project_ || ledger.prefix != prefix_) {
    return make_error(ErrorKind::Parse,
                      "{} holds the state of project '{}' prefix '{}', not of project '{}' prefix '{}'; "
                      "it was left untouched — was it copied or renamed by hand?",
                      printable(source.string()), printable(ledger.project), printable(ledger.prefix),
                      printable(project_), printable(prefix_));
  }
  return ledger;
}

Result<Ledger> LedgerStore::load_legacy() const {
  const fs::path path = legacy_ledger_path();
  auto text = read_file_contents(path);
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return Ledger{project_, prefix_, std::nullopt, {}, std::nullopt, std::nullopt};
    }
    return text.error();
  }
  auto ledger = parse_ledger(*text);
  if (!ledger) {
    return make_error(ErrorKind::Parse,
                      "{}: {}; it was left untouched and nothing was imported — move it aside to start the "
                      "batch's attempt counts afresh",
                      printable(path.string()), printable(ledger.error().message));
  }
  return check_batch(std::move(*ledger), path);
}

Result<Ledger> LedgerStore::load() const {
  std::optional<sqlite::Database> reader;
  sqlite::Database* db = writer();
  if (db == nullptr) {
    if (!file_exists(database_path_)) {
      return load_legacy();
    }
    auto opened = open_batch_database(database_path_, sqlite::Access::ReadOnly);
    if (!opened) {
      return opened.error();
    }
    reader.emplace(std::move(*opened));
    db = &*reader;
  }
  auto transaction = sqlite::Transaction::begin(*db, sqlite::Transaction::Mode::Read);
  if (!transaction) {
    return transaction.error();
  }
  auto ledger = read_ledger_tables(*db);
  if (!ledger) {
    return ledger.error();
  }
  auto checked = check_batch(std::move(*ledger), database_path_);
  if (checked && !reader) {
    connection_->baseline = *checked;
  }
  return checked;
}

Result<std::optional<LegacyImport>> LedgerStore::create_database() const {
  auto ledger = load_legacy();
  if (!ledger) {
    return ledger.error();
  }
  auto request = read_legacy_cap_request(legacy_cap_path());
  if (!request) {
    return request.error();
  }
  const fs::path temporary = temporary_path(database_path_);
  auto filled = fill_new_database(temporary, *ledger, *request);
  auto placed = filled ? place_database(temporary, database_path_) : Result<bool>(filled.error());
  remove_temporary(temporary);
  if (!placed) {
    return placed.error();
  }
  if (!*placed) {
    return std::optional<LegacyImport>{};  // another traitctl created it first: open that one
  }
  LegacyImport imported;
  imported.ledger = file_exists(legacy_ledger_path());
  imported.cap_request = request->has_value();
  for (const auto& [trait, record] : ledger->traits) {
    ++imported.traits;
    imported.attempts += static_cast<int>(record.attempts.size());
  }
  if (imported.ledger) {
    if (auto renamed = set_aside(legacy_ledger_path()); !renamed) {
      return renamed.error();
    }
  }
  if (imported.cap_request) {
    if (auto renamed = set_aside(legacy_cap_path()); !renamed) {
      return renamed.error();
    }
  }
  auto writer = open_batch_database(database_path_, sqlite::Access::ReadWriteCreate);
  if (!writer) {
    return writer.error();
  }
  connection_->writer.emplace(std::move(*writer));
  connection_->baseline = std::move(*ledger);
  if (!imported.ledger && !imported.cap_request) {
    return std::optional<LegacyImport>{};
  }
  return std::optional<LegacyImport>(imported);
}

Result<std::optional<LegacyImport>> LedgerStore::open_for_writing() const {
  if (connection_->writer) {
    return std::optional<LegacyImport>{};
  }
  if (auto created = create_folder(); !created) {
    return created.error();
  }
  if (!file_exists(database_path_)) {
    auto created = create_database();
    if (!created || connection_->writer) {
      return created;
    }
  }
  auto opened = open_batch_database(database_path_, sqlite::Access::ReadWriteCreate);
  if (!opened) {
    return opened.error();
  }
  connection_->writer.emplace(std::move(*opened));
  auto ledger = load();
  if (!ledger) {
    connection_->writer.reset();
    return ledger.error();
  }
  return std::optional<LegacyImport>{};
}

Result<void> LedgerStore::save(const Ledger& ledger, const std::set<int>& touched) const {
  if (ledger.project != project_ || ledger.prefix != prefix_) {
    return make_error(ErrorKind::Usage, "refusing to save the ledger of project '{}' prefix '{}' in {}",
                      ledger.project, ledger.prefix, database_path_.string());
  }
  if (auto opened = open_for_writing(); !opened) {
    return opened.error();
  }
  if (!connection_->baseline) {
    if (auto loaded = load(); !loaded) {
      return loaded.error();
    }
  }
  Ledger& baseline = *connection_->baseline;
  const LedgerChanges changes = ledger_changes(&baseline, ledger, touched);
  if (changes.empty()) {
    return {};  // no transaction, no fsync for a cycle that changed nothing
  }
  sqlite::Database& db = *connection_->writer;
  auto transaction = sqlite::Transaction::begin(db, sqlite::Transaction::Mode::Write);
  if (!transaction) {
    return transaction.error();
  }
  if (auto written = write_ledger_changes(db, &baseline, ledger, changes); !written) {
    return written.error();
  }
  if (auto committed = transaction->commit(); !committed) {
    return committed.error();
  }
  apply_ledger_changes(baseline, ledger, changes);
  return {};
}

}  // namespace traitctl
