// A thin layer over SQLite for the batch database (docs/state.md): RAII
// handles, bound parameters only, and every failure a Result error carrying
// the file's path and SQLite's own message. Nothing here knows the schema.
//
// The database uses the rollback journal (journal_mode=DELETE), never WAL: the
// batch's state lives on NFS, GPFS or Lustre, where WAL's shared memory does
// not work across hosts. One writer per batch is the batch lock's job
// (LedgerStore::lock); readers take short transactions and wait out a writer's
// commit by the busy timeout.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

struct sqlite3;
struct sqlite3_stmt;

namespace traitctl::sqlite {

class Statement;

// ReadWrite opens an existing file only.
enum class Access { ReadOnly, ReadWrite, ReadWriteCreate };

// How long a statement waits on another connection's lock before failing:
// long enough for any writer's cycle, short enough to report a stuck one.
inline constexpr Duration busy_timeout = std::chrono::seconds(30);

class Database {
 public:
  // Opens (ReadWriteCreate: creates) the file and sets the pragmas. A file
  // that is not a database fails here or at the first statement with a Parse
  // error naming it. ReadOnly never creates a file, nor a journal beside it.
  [[nodiscard]] static Result<Database> open(const std::filesystem::path& path, Access access);

  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  // Runs SQL without parameters or rows (schema, pragmas).
  [[nodiscard]] Result<void> execute(std::string_view sql);
  // Runs SQL of several statements without parameters (a migration).
  [[nodiscard]] Result<void> execute_script(const std::string& sql);
  // PRAGMA quick_check's verdict: "ok", or what SQLite found.
  [[nodiscard]] Result<std::string> quick_check();
  // PRAGMA user_version.
  [[nodiscard]] Result<int> user_version();

  // Rows changed since the connection opened (sqlite3_total_changes64).
  [[nodiscard]] std::int64_t total_changes() const;

  // An error of this database: "<path>: <what>: <sqlite3_errmsg>"; a Parse
  // error where SQLite says the file is not a database or is corrupt.
  [[nodiscard]] Error error(std::string_view what) const;
  [[nodiscard]] Error error(std::string_view what, int code) const;

  // The statement of `sql`, prepared at its first use and kept for the
  // connection's life: for the statements every cycle repeats (its writes,
  // BEGIN and COMMIT), which would otherwise be compiled again each time.
  // Returned ready to bind: reset, its bindings cleared. The pointer stays
  // valid while the connection is open, across moves of the Database.
  [[nodiscard]] Result<Statement*> cached(std::string_view sql);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] sqlite3* handle() const { return db_; }

 private:
  struct Cache;  // SQL text -> its statement

  Database(sqlite3* db, std::filesystem::path path);
  // The cached statements point back to their Database: after a move, here.
  void adopt_cache();

  sqlite3* db_ = nullptr;
  std::filesystem::path path_;
  std::unique_ptr<Cache> cache_;
};

// One prepared statement. Parameters are numbered from 1, columns from 0.
class Statement {
 public:
  [[nodiscard]] static Result<Statement> prepare(Database& db, std::string_view sql);

  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  // Binding never fails for a statement this code prepared with that many
  // parameters; a wrong index is a programming error that step() reports.
  Statement& bind(int index, std::string_view text);
  Statement& bind(int index, std::int64_t value);
  Statement& bind(int index, int value) { return bind(index, static_cast<std::int64_t>(value)); }
  Statement& bind(int index, bool value) { return bind(index, static_cast<std::int64_t>(value ? 1 : 0)); }
  Statement& bind(int index, double value);
  Statement& bind_null(int index);
  template <typename T>
  Statement& bind(int index, const std::optional<T>& value) {
    return value ? bind(index, *value) : bind_null(index);
  }

  // true: a row is ready; false: done. Error with the file and SQL otherwise.
  [[nodiscard]] Result<bool> step();
  // step() to the end, for statements without rows.
  [[nodiscard]] Result<void> run();
  // Ready for new bindings and another run.
  void reset();

  [[nodiscard]] bool is_null(int column) const;
  [[nodiscard]] std::optional<std::string> text(int column) const;
  [[nodiscard]] std::optional<std::int64_t> int64(int column) const;
  [[nodiscard]] std::optional<double> real(int column) const;

 private:
  friend class Database;  // moves its cached statements along with it
  Statement(Database& db, sqlite3_stmt* statement) : db_(&db), statement_(statement) {}
  Database* db_ = nullptr;
  sqlite3_stmt* statement_ = nullptr;
  int bind_error_ = 0;
};

// Steps `sql` to its end, handing each row to `read`; a `read` that returns
// a Result stops the reading at its first error, which is returned.
template <typename Read>
[[nodiscard]] Result<void> each_row(Database& db, std::string_view sql, Read read) {
  auto statement = Statement::prepare(db, sql);
  if (!statement) {
    return statement.error();
  }
  while (true) {
    auto row = statement->step();
    if (!row) {
      return row.error();
    }
    if (!*row) {
      return {};
    }
    if constexpr (std::is_void_v<decltype(read(*statement))>) {
      read(*statement);
    } else if (auto done = read(*statement); !done) {
      return done.error();
    }
  }
}

// BEGIN IMMEDIATE (Write: takes the write lock now, so that a busy database
// fails at the start, not halfway) or BEGIN (Read: a consistent snapshot).
// Rolls back in the destructor unless committed.
class Transaction {
 public:
  enum class Mode { Read, Write };
  [[nodiscard]] static Result<Transaction> begin(Database& db, Mode mode);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction();

  [[nodiscard]] Result<void> commit();

 private:
  explicit Transaction(Database& db) : db_(&db) {}
  Database* db_ = nullptr;
  bool open_ = false;
};

}  // namespace traitctl::sqlite
