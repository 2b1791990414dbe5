#include <gtest/gtest.h>

#include <limits>

#include "traitctl/core/memory_estimate.hpp"

namespace traitctl::memory_estimate_tests {
namespace {

TEST(EstimatedPeak, IsTheLabsRuleOfThumb) {
  // samples x SNPs x 8 x 5 x 1.5 bytes
  EXPECT_EQ(estimated_peak_bytes(200, 2'640'000), 200ULL * 2'640'000 * 60);
  EXPECT_NEAR(to_gib(estimated_peak_bytes(200, 2'640'000)), 29.50, 0.01);
  EXPECT_NEAR(to_gib(estimated_peak_bytes(1000, 2'640'000)), 147.52, 0.01);
  EXPECT_EQ(estimated_peak_bytes(0, 2'640'000), 0U);
  EXPECT_EQ(estimated_peak_bytes(200, 0), 0U);
  EXPECT_EQ(estimated_peak_bytes(1, 1), 60U);
}

TEST(EstimatedPeak, SaturatesInsteadOfOverflowing) {
  constexpr auto most = std::numeric_limits<std::uint64_t>::max();
  EXPECT_EQ(estimated_peak_bytes(most, 2), most);
  EXPECT_EQ(estimated_peak_bytes(1ULL << 32, 1ULL << 32), most);
}

TEST(MemoryCovering, RoundsUpToWholeGibibytes) {
  EXPECT_EQ(memory_covering(estimated_peak_bytes(200, 2'640'000)), "30Gi");
  EXPECT_EQ(memory_covering(30ULL << 30), "30Gi");
  EXPECT_EQ(memory_covering((30ULL << 30) + 1), "31Gi");
  EXPECT_EQ(memory_covering(1), "1Gi");
  EXPECT_EQ(memory_covering(0), "1Gi");
}

TEST(SmallestTierCovering, TakesTheFirstTierLargeEnough) {
  const std::vector<std::string> ladder{"32G", "64G", "96Gi", "160G"};
  EXPECT_EQ(smallest_tier_covering(ladder, 30ULL << 30), "64G");  // 32G is 29.8 GiB
  EXPECT_EQ(smallest_tier_covering(ladder, 32'000'000'000), "32G");
  EXPECT_EQ(smallest_tier_covering(ladder, 96ULL << 30), "96Gi");
  EXPECT_EQ(smallest_tier_covering(ladder, 200ULL << 30), std::nullopt);
  EXPECT_EQ(smallest_tier_covering({}, 1), std::nullopt);
  EXPECT_EQ(smallest_tier_covering({"lots", "64G"}, 1), "64G");
}

}  // namespace
}  // namespace traitctl::memory_estimate_tests
