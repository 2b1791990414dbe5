#include <gtest/gtest.h>

#include "traitctl/core/right_sizing.hpp"

namespace traitctl::right_sizing_tests {
namespace {

AttemptRecord attempt(int number, std::optional<std::int64_t> peak, std::optional<AttemptEnd> end) {
  AttemptRecord record;
  record.number = number;
  record.peak_memory_bytes = peak;
  record.end = end;
  return record;
}

constexpr std::int64_t g = 1'000'000'000;

TEST(RightSizing, NothingKnownIsNothingToSay) {
  Ledger ledger;
  EXPECT_FALSE(right_sizing(ledger, "32G"));
  ledger.traits[1].attempts = {attempt(1, std::nullopt, AttemptEnd::Succeeded)};
  EXPECT_FALSE(right_sizing(ledger, "32G"));
}

TEST(RightSizing, HighestAndMedianOverTraitsAndTheMemoryThatCoversThemWithHeadroom) {
  Ledger ledger;
  ledger.traits[1].attempts = {attempt(1, 18'900'000'000, AttemptEnd::Succeeded)};
  ledger.traits[2].attempts = {attempt(1, 21'300'000'000, AttemptEnd::Succeeded)};
  ledger.traits[3].attempts = {attempt(1, 10 * g, AttemptEnd::Succeeded)};
  auto sizing = right_sizing(ledger, "32G");
  ASSERT_TRUE(sizing);
  EXPECT_EQ(sizing->highest_peak_bytes, 21'300'000'000);
  EXPECT_EQ(sizing->median_peak_bytes, 18'900'000'000);
  EXPECT_EQ(sizing->traits, 3);
  EXPECT_EQ(sizing->covering, "24G");  // 21.3 × 1.1 = 23.43, rounded up
  EXPECT_EQ(sizing->covering_bytes, 24 * g);
  EXPECT_EQ(sizing->advice,
            "peak 21.3G of 32G asked (median 18.9G over 3 traits): MEMORY=24G would have covered every trait "
            "with 10% headroom");
}

TEST(RightSizing, ATraitCountsItsCompletedAttemptElseItsHighestPeak) {
  Ledger ledger;
  // Out of memory at 32G with a peak near it, then done at 64G using 40G.
  ledger.traits[1].attempts = {attempt(1, 31 * g, AttemptEnd::Failed),
                               attempt(2, 40 * g, AttemptEnd::Succeeded)};
  // Still failing: its highest.
  ledger.traits[2].attempts = {attempt(1, 20 * g, AttemptEnd::Failed),
                               attempt(2, 30 * g, AttemptEnd::Failed)};
  // A completed run under a failed one's peak: the completed one.
  ledger.traits[3].attempts = {attempt(1, 50 * g, AttemptEnd::Failed),
                               attempt(2, 12 * g, AttemptEnd::Succeeded)};
  auto sizing = right_sizing(ledger, "32G");
  ASSERT_TRUE(sizing);
  EXPECT_EQ(sizing->highest_peak_bytes, 40 * g);
  EXPECT_EQ(sizing->median_peak_bytes, 30 * g);
  EXPECT_EQ(sizing->covering, "44G");
}

TEST(RightSizing, EvenCountsTakeTheMiddleTwoSmallPeaksAskAtLeastOneGAndThePolicyIsHonoured) {
  Ledger ledger;
  ledger.traits[1].attempts = {attempt(1, 100'000'000, AttemptEnd::Succeeded)};
  ledger.traits[2].attempts = {attempt(1, 300'000'000, AttemptEnd::Succeeded)};
  auto sizing = right_sizing(ledger, "", RightSizingPolicy{0.5});
  ASSERT_TRUE(sizing);
  EXPECT_EQ(sizing->median_peak_bytes, 200'000'000);
  EXPECT_EQ(sizing->covering, "1G");
  EXPECT_EQ(
      sizing->advice,
      "peak 0.3G (median 0.2G over 2 traits): MEMORY=1G would have covered every trait with 50% headroom");
}

TEST(RightSizing, FormatsGigabytes) {
  EXPECT_EQ(format_gigabytes(21'340'000'000), "21.3G");
  EXPECT_EQ(format_gigabytes(0), "0.0G");
}

}  // namespace
}  // namespace traitctl::right_sizing_tests
