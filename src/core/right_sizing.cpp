#include "traitctl/core/right_sizing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace traitctl {
namespace {

constexpr double bytes_per_g = 1e9;

// The trait's completed attempt's peak, else its highest known one.
std::optional<std::int64_t> trait_peak(const TraitRecord& record) {
  std::optional<std::int64_t> highest;
  for (const AttemptRecord& attempt : record.attempts) {
    if (!attempt.peak_memory_bytes) {
      continue;
    }
    if (attempt.end == AttemptEnd::Succeeded) {
      return attempt.peak_memory_bytes;
    }
    highest = std::max(highest.value_or(0), *attempt.peak_memory_bytes);
  }
  return highest;
}

std::int64_t median(std::vector<std::int64_t> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  if (values.size() % 2 == 1) {
    return values[middle];
  }
  return values[middle - 1] + (values[middle] - values[middle - 1]) / 2;
}

}  // namespace

std::string format_gigabytes(std::int64_t bytes) {
  return fmt::format("{:.1f}G", static_cast<double>(bytes) / bytes_per_g);
}

std::optional<RightSizing> right_sizing(const Ledger& ledger, std::string_view memory,
                                        const RightSizingPolicy& policy) {
  std::vector<std::int64_t> peaks;
  for (const auto& [trait, record] : ledger.traits) {
    if (auto peak = trait_peak(record)) {
      peaks.push_back(*peak);
    }
  }
  if (peaks.empty()) {
    return std::nullopt;
  }
  RightSizing sizing;
  sizing.highest_peak_bytes = *std::max_element(peaks.begin(), peaks.end());
  sizing.median_peak_bytes = median(peaks);
  sizing.traits = static_cast<int>(peaks.size());
  sizing.asked = std::string(memory);
  sizing.headroom = policy.headroom;
  const double needed = static_cast<double>(sizing.highest_peak_bytes) * (1.0 + policy.headroom);
  const double whole_g = std::max(1.0, std::ceil(needed / bytes_per_g));
  sizing.covering = fmt::format("{:.0f}G", whole_g);
  sizing.covering_bytes = static_cast<std::int64_t>(whole_g * bytes_per_g);
  const std::string asked = sizing.asked.empty() ? std::string{} : fmt::format(" of {} asked", sizing.asked);
  sizing.advice = fmt::format(
      "peak {}{} (median {} over {} trait{}): MEMORY={} would have covered every trait with {:.0f}% headroom",
      format_gigabytes(sizing.highest_peak_bytes), asked, format_gigabytes(sizing.median_peak_bytes),
      sizing.traits, sizing.traits == 1 ? "" : "s", sizing.covering, policy.headroom * 100.0);
  return sizing;
}

}  // namespace traitctl
