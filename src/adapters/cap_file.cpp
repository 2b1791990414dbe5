#include "traitctl/adapters/cap_file.hpp"

#include <nlohmann/json.hpp>

#include "traitctl/core/parse.hpp"

namespace traitctl {

Result<void> write_cap_request(const LedgerStore& store, const CapRequest& request) {
  if (auto created = store.create_folder(); !created) {
    return created.error();
  }
  return write_file_atomically(store.cap_path(), to_json(request).dump(2) + "\n");
}

Result<std::optional<CapRequest>> read_cap_request(const LedgerStore& store) {
  auto text = read_file_contents(store.cap_path());
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return std::optional<CapRequest>{};
    }
    return text.error();
  }
  const auto corrupt = [&store](std::string_view detail) {
    return make_error(ErrorKind::Parse, "{}: {}; run traitctl cap N again to replace it",
                      printable(store.cap_path().string()), printable(detail));
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
