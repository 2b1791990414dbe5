#include "traitctl/adapters/sqlite.hpp"

#include <sqlite3.h>

#include <map>
#include <string>
#include <utility>

#include "traitctl/core/parse.hpp"

namespace traitctl::sqlite {
namespace {

// SQLite's word that the file is damaged or not a database at all.
bool corrupt(int code) {
  const int primary = code & 0xff;
  return primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB;
}

}  // namespace

Result<Database> Database::open(const std::filesystem::path& path, Access access) {
  int flags = SQLITE_OPEN_READONLY;
  if (access == Access::ReadWrite) {
    flags = SQLITE_OPEN_READWRITE;
  } else if (access == Access::ReadWriteCreate) {
    flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
  }
  sqlite3* handle = nullptr;
  const int code = sqlite3_open_v2(path.c_str(), &handle, flags, nullptr);
  Database db(handle, path);
  if (code != SQLITE_OK) {
    if (handle == nullptr) {
      return make_error(ErrorKind::Io, "{}: cannot open the database: out of memory", printable(path.string()));
    }
    return db.error("cannot open the database", code);
  }
  sqlite3_extended_result_codes(handle, 1);
  sqlite3_busy_timeout(handle, static_cast<int>(busy_timeout.count()));
  // The rollback journal, never WAL (network file systems); synchronous=FULL
  // syncs the journal before the database, so a commit survives a crash.
  // TRUNCATE empties the journal at commit instead of deleting it: a file
  // created and deleted per cycle costs the file system more with every
  // cycle (ext4 scans its recently deleted inodes on each create).
  // Only a writer writes a journal, so only a writer sets the mode.
  if (access != Access::ReadOnly) {
    if (auto set = db.execute("PRAGMA journal_mode=PERSIST"); !set) {
      return set.error();
    }
  }
  if (auto set = db.execute("PRAGMA synchronous=FULL"); !set) {
    return set.error();
  }
  return db;
}

struct Database::Cache {
  std::map<std::string, Statement, std::less<>> statements;
};

Database::Database(sqlite3* db, std::filesystem::path path)
    : db_(db), path_(std::move(path)), cache_(std::make_unique<Cache>()) {}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)), cache_(std::move(other.cache_)) {
  adopt_cache();
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    cache_.reset();  // its statements are finalized before their connection closes
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
    cache_ = std::move(other.cache_);
    adopt_cache();
  }
  return *this;
}

Database::~Database() {
  cache_.reset();
  sqlite3_close_v2(db_);
}

void Database::adopt_cache() {
  if (cache_) {
    for (auto& [sql, statement] : cache_->statements) {
      statement.db_ = this;
    }
  }
}

Result<Statement*> Database::cached(std::string_view sql) {
  if (!cache_) {
    cache_ = std::make_unique<Cache>();
  }
  auto found = cache_->statements.find(sql);
  if (found == cache_->statements.end()) {
    auto prepared = Statement::prepare(*this, sql);
    if (!prepared) {
      return prepared.error();
    }
    found = cache_->statements.emplace(std::string(sql), std::move(*prepared)).first;
  } else {
    found->second.reset();
  }
  return &found->second;
}

Result<void> Database::execute(std::string_view sql) {
  return each_row(*this, sql, [](const Statement& /*row*/) {});
}

Result<void> Database::execute_script(const std::string& sql) {
  const int code = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr);
  if (code != SQLITE_OK) {
    return error("cannot run the schema script", code);
  }
  return {};
}

Result<std::string> Database::quick_check() {
  auto statement = Statement::prepare(*this, "PRAGMA quick_check");
  if (!statement) {
    return statement.error();
  }
  auto row = statement->step();
  if (!row) {
    return row.error();
  }
  std::string verdict = *row ? statement->text(0).value_or("") : "no answer";
  return verdict;
}

Result<int> Database::user_version() {
  auto statement = Statement::prepare(*this, "PRAGMA user_version");
  if (!statement) {
    return statement.error();
  }
  auto row = statement->step();
  if (!row) {
    return row.error();
  }
  return *row ? static_cast<int>(statement->int64(0).value_or(0)) : 0;
}

std::int64_t Database::total_changes() const { return sqlite3_total_changes64(db_); }

Error Database::error(std::string_view what) const { return error(what, sqlite3_extended_errcode(db_)); }

Error Database::error(std::string_view what, int code) const {
  const std::string message = db_ != nullptr ? sqlite3_errmsg(db_) : sqlite3_errstr(code);
  if (corrupt(code)) {
    return make_error(ErrorKind::Parse, "{}: {}: {}", printable(path_.string()), what, printable(message));
  }
  const int primary = code & 0xff;
  const ErrorKind kind = primary == SQLITE_BUSY || primary == SQLITE_LOCKED ? ErrorKind::Locked : ErrorKind::Io;
  return make_error(kind, "{}: {}: {}", printable(path_.string()), what, printable(message));
}

Result<Statement> Statement::prepare(Database& db, std::string_view sql) {
  sqlite3_stmt* statement = nullptr;
  const int code =
      sqlite3_prepare_v2(db.handle(), sql.data(), static_cast<int>(sql.size()), &statement, nullptr);
  if (code != SQLITE_OK) {
    return db.error(fmt::format("cannot prepare '{}'", sql), code);
  }
  return Statement(db, statement);
}

Statement::Statement(Statement&& other) noexcept
    : db_(other.db_), statement_(std::exchange(other.statement_, nullptr)), bind_error_(other.bind_error_) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(statement_);
    db_ = other.db_;
    statement_ = std::exchange(other.statement_, nullptr);
    bind_error_ = other.bind_error_;
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(statement_); }

Statement& Statement::bind(int index, std::string_view text) {
  const int code = sqlite3_bind_text64(statement_, index, text.data(), text.size(), SQLITE_TRANSIENT,
                                       SQLITE_UTF8);
  bind_error_ = code != SQLITE_OK ? code : bind_error_;
  return *this;
}

Statement& Statement::bind(int index, std::int64_t value) {
  const int code = sqlite3_bind_int64(statement_, index, value);
  bind_error_ = code != SQLITE_OK ? code : bind_error_;
  return *this;
}

Statement& Statement::bind(int index, double value) {
  const int code = sqlite3_bind_double(statement_, index, value);
  bind_error_ = code != SQLITE_OK ? code : bind_error_;
  return *this;
}

Statement& Statement::bind_null(int index) {
  const int code = sqlite3_bind_null(statement_, index);
  bind_error_ = code != SQLITE_OK ? code : bind_error_;
  return *this;
}

Result<bool> Statement::step() {
  const auto where = [this] { return fmt::format("'{}'", sqlite3_sql(statement_)); };
  if (bind_error_ != SQLITE_OK) {
    return db_->error(fmt::format("cannot bind the parameters of {}", where()), bind_error_);
  }
  const int code = sqlite3_step(statement_);
  if (code == SQLITE_ROW) {
    return true;
  }
  if (code == SQLITE_DONE) {
    return false;
  }
  return db_->error(where(), code);
}

Result<void> Statement::run() {
  while (true) {
    auto row = step();
    if (!row) {
      reset();
      return row.error();
    }
    if (!*row) {
      reset();
      return {};
    }
  }
}

void Statement::reset() {
  sqlite3_reset(statement_);
  sqlite3_clear_bindings(statement_);
  bind_error_ = SQLITE_OK;
}

bool Statement::is_null(int column) const { return sqlite3_column_type(statement_, column) == SQLITE_NULL; }

std::optional<std::string> Statement::text(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  const auto* bytes = sqlite3_column_text(statement_, column);
  const auto size = static_cast<std::size_t>(sqlite3_column_bytes(statement_, column));
  return std::string(reinterpret_cast<const char*>(bytes), size);
}

std::optional<std::int64_t> Statement::int64(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return sqlite3_column_int64(statement_, column);
}

std::optional<double> Statement::real(int column) const {
  if (is_null(column)) {
    return std::nullopt;
  }
  return sqlite3_column_double(statement_, column);
}

namespace {

// BEGIN, COMMIT and ROLLBACK run every cycle: prepared once per connection.
Result<void> run_cached(Database& db, std::string_view sql) {
  auto statement = db.cached(sql);
  if (!statement) {
    return statement.error();
  }
  return (*statement)->run();
}

}  // namespace

Result<Transaction> Transaction::begin(Database& db, Mode mode) {
  if (auto begun = run_cached(db, mode == Mode::Write ? "BEGIN IMMEDIATE" : "BEGIN"); !begun) {
    return begun.error();
  }
  Transaction transaction(db);
  transaction.open_ = true;
  return transaction;
}

Transaction::Transaction(Transaction&& other) noexcept
    : db_(other.db_), open_(std::exchange(other.open_, false)) {}

Transaction::~Transaction() {
  if (open_) {
    // Nothing to report from a destructor: a failed rollback leaves the
    // journal, which the next opener rolls back.
    (void)run_cached(*db_, "ROLLBACK");
  }
}

Result<void> Transaction::commit() {
  if (auto committed = run_cached(*db_, "COMMIT"); !committed) {
    return committed.error();
  }
  open_ = false;
  return {};
}

}  // namespace traitctl::sqlite
