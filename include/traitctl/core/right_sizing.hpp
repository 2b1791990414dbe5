// Right-sizing: what the batch's jobs used against what they asked, and the
// smallest MEMORY that would have covered every trait with headroom, from the
// attempts whose peak memory the backend told. Pure arithmetic.
//
// A trait's peak is its completed attempt's (the run that fits), else the
// highest of its attempts' known peaks. Amounts are shown in G (10^9 bytes,
// as Kubernetes reads 32G; Slurm reads 24G as 24 GiB, which covers too), and
// the advised MEMORY is rounded up to a whole G.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "traitctl/core/ledger.hpp"

namespace traitctl {

struct RightSizingPolicy {
  double headroom = 0.10;  // above the highest peak
  friend bool operator==(const RightSizingPolicy&, const RightSizingPolicy&) = default;
};

struct RightSizing {
  std::int64_t highest_peak_bytes = 0;
  std::int64_t median_peak_bytes = 0;  // over the traits' peaks
  int traits = 0;                      // traits with a known peak
  std::string asked;                   // MEMORY as written ("32G"); empty when not given
  std::string covering;                // the advised MEMORY, "24G"
  std::int64_t covering_bytes = 0;
  double headroom = 0.10;
  // "peak 21.3G of 32G asked (median 18.9G over 186 traits): MEMORY=24G would
  // have covered every trait with 10% headroom"
  std::string advice;
  friend bool operator==(const RightSizing&, const RightSizing&) = default;
};

// "21.3G": bytes in G (10^9) with one decimal.
[[nodiscard]] std::string format_gigabytes(std::int64_t bytes);

// nullopt when no attempt of the ledger has a known peak. `memory` is the
// batch's MEMORY as written, for the advice text.
[[nodiscard]] std::optional<RightSizing> right_sizing(const Ledger& ledger, std::string_view memory,
                                                      const RightSizingPolicy& policy = {});

}  // namespace traitctl
