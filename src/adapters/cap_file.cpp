#include "traitctl/adapters/cap_file.hpp"

#include <nlohmann/json.hpp>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/ledger_tables.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

Result<std::optional<CapRequest>> read_latest(sqlite::Database& db) {
  auto transaction = sqlite::Transaction::begin(db, sqlite::Transaction::Mode::Read);
  if (!transaction) {
    return transaction.error();
  }
  auto request = read_latest_cap_request(db);
  if (!request && request.error().kind == ErrorKind::Parse) {
    return make_error(ErrorKind::Parse, "{}; run traitctl cap N again to replace it", request.error().message);
  }
  return request;
}

}  // namespace

Result<void> write_cap_request(const LedgerStore& store, const CapRequest& request) {
  if (auto opened = store.open_for_writing(); !opened) {
    return opened.error();
  }
  sqlite::Database& db = *store.writer();
  auto transaction = sqlite::Transaction::begin(db, sqlite::Transaction::Mode::Write);
  if (!transaction) {
    return transaction.error();
  }
  if (auto inserted = insert_cap_request(db, request); !inserted) {
    return inserted.error();
  }
  return transaction->commit();
}

Result<std::optional<CapRequest>> read_legacy_cap_request(const std::filesystem::path& path) {
  auto text = read_file_contents(path);
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return std::optional<CapRequest>{};
    }
    return text.error();
  }
  // An earlier traitctl's file: the next request goes into the batch
  // database, which cannot be created while this one is in the way.
  const auto corrupt = [&path](std::string_view detail) {
    return make_error(ErrorKind::Parse,
                      "{}: {}; it was left untouched — move it aside, then run traitctl cap N again",
                      printable(path.string()), printable(detail));
  };
  const auto document = nlohmann::json::parse(*text, nullptr, false);
  if (document.is_discarded()) {
    return corrupt("corrupt cap request (not JSON)");
  }
  auto request = cap_request_from_json(document);
  if (!request) {
    return corrupt(request.error().message);
  }
  return std::optional<CapRequest>(std::move(*request));
}

Result<std::optional<CapRequest>> read_cap_request(const LedgerStore& store) {
  if (sqlite::Database* writer = store.writer()) {
    return read_latest(*writer);
  }
  std::error_code error;
  if (!std::filesystem::exists(store.database_path(), error)) {
    return read_legacy_cap_request(store.legacy_cap_path());
  }
  auto db = open_batch_database(store.database_path(), sqlite::Access::ReadOnly);
  if (!db) {
    return db.error();
  }
  return read_latest(*db);
}

Result<std::optional<CapRequest>> CapFileReader::poll() {
  auto request = read_cap_request(store_);
  if (request) {
    reported_error_.reset();
    return request;
  }
  if (reported_error_ == request.error().message) {
    return std::optional<CapRequest>{};
  }
  reported_error_ = request.error().message;
  return request;
}

}  // namespace traitctl
