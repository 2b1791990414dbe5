#include "traitctl/core/memory_estimate.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

constexpr double bytes_per_gib = 1024.0 * 1024.0 * 1024.0;
// 8 bytes a double, 5 copies, 1.5 headroom: 60 bytes per genotype call.
constexpr std::uint64_t peak_bytes_per_call = 8 * 5 * 3 / 2;

}  // namespace

std::uint64_t estimated_peak_bytes(std::uint64_t samples, std::uint64_t snps) {
  constexpr std::uint64_t most = std::numeric_limits<std::uint64_t>::max();
  if (samples == 0 || snps == 0) {
    return 0;
  }
  if (samples > most / peak_bytes_per_call / snps) {
    return most;
  }
  return samples * snps * peak_bytes_per_call;
}

double to_gib(std::uint64_t bytes) { return static_cast<double>(bytes) / bytes_per_gib; }

std::string memory_covering(std::uint64_t needed) {
  return fmt::format("{:.0f}Gi", std::max(1.0, std::ceil(to_gib(needed))));
}

std::optional<std::string> smallest_tier_covering(const std::vector<std::string>& ladder,
                                                  std::uint64_t needed) {
  const auto covering = std::find_if(ladder.begin(), ladder.end(), [&](const std::string& tier) {
    auto bytes = parse_memory(tier);
    return bytes && *bytes >= needed;
  });
  return covering == ladder.end() ? std::nullopt : std::optional{*covering};
}

}  // namespace traitctl
