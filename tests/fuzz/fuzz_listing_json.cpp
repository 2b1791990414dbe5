// libFuzzer target for the JSON parser and the dispatcher: any bytes must
// yield a page or a Parse error (no escaping nlohmann exception, no crash),
// and every workload of a page has a name.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "traitctl/adapters/runai_listing.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  for (const auto& page : {traitctl::parse_listing_json(text), traitctl::parse_listing(text)}) {
    if (!page.ok()) {
      if (page.error().kind != traitctl::ErrorKind::Parse) {
        std::abort();
      }
      continue;
    }
    for (const auto& workload : page->workloads) {
      if (workload.name.empty()) {
        std::abort();
      }
    }
    if (page->next_token && page->next_token->empty()) {
      std::abort();
    }
  }
  return 0;
}
