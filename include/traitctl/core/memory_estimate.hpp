// How much memory a GAPIT job needs, from the size of its dataset: the lab's
// rule of thumb, for `validate` to compare with MEMORY and MEMORY_LADDER
// before anything is submitted. Pure arithmetic.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace traitctl {

// peak ≈ samples × SNPs × 8 bytes (the genotype matrix as doubles) × 5 (the
// copies GAPIT holds at once) × 1.5 (headroom). Saturates instead of
// overflowing.
[[nodiscard]] std::uint64_t estimated_peak_bytes(std::uint64_t samples, std::uint64_t snps);

// Bytes in GiB (2^30 bytes), the unit the estimate is quoted in.
[[nodiscard]] double to_gib(std::uint64_t bytes);

// The smallest memory request covering `needed` bytes, written as whole GiB
// rounded up: "30Gi" for 29.5 GiB, "1Gi" at least.
[[nodiscard]] std::string memory_covering(std::uint64_t needed);

// The first tier of `ladder` (quantities parse_memory accepts, smallest
// first) that is at least `needed` bytes; nullopt when none is, or when a
// tier does not parse.
[[nodiscard]] std::optional<std::string> smallest_tier_covering(const std::vector<std::string>& ladder,
                                                                std::uint64_t needed);

}  // namespace traitctl
