// libFuzzer target for the table parser: any bytes must yield a page or a
// Parse error, never a crash, and a page never holds a name or status that
// a table row could not have produced.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "traitctl/adapters/runai_listing.hpp"

namespace {

bool has_blank(std::string_view s) { return s.find_first_of(" \t\r\n\v\f") != std::string_view::npos; }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto page = traitctl::parse_listing_table(text);
  if (!page.ok()) {
    if (page.error().kind != traitctl::ErrorKind::Parse) {
      std::abort();
    }
    return 0;
  }
  for (const auto& workload : page->workloads) {
    if (workload.name.empty() || workload.status.empty() || has_blank(workload.name) ||
        has_blank(workload.status) || workload.name.find('\x1b') != std::string::npos) {
      std::abort();
    }
  }
  if (page->next_token && (page->next_token->empty() || has_blank(*page->next_token))) {
    std::abort();
  }
  return 0;
}
