#include <gtest/gtest.h>

#include <chrono>
#include <cstddef>

#include "traitctl/cli/text.hpp"

namespace traitctl::text_tests {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(Plural, CountsWithTheRightNoun) {
  EXPECT_EQ(plural(0, "job"), "0 jobs");
  EXPECT_EQ(plural(1, "job"), "1 job");
  EXPECT_EQ(plural(2, "job"), "2 jobs");
  EXPECT_EQ(plural(-1, "trait"), "-1 traits");
  EXPECT_EQ(plural(std::size_t{186}, "trait"), "186 traits");
  EXPECT_EQ(plural(1, "retry", "retries"), "1 retry");
  EXPECT_EQ(plural(3, "retry", "retries"), "3 retries");
  EXPECT_EQ(plural(0L, "child", "children"), "0 children");
}

TEST(FormatDuration, UsesTheLargestUnitsNeeded) {
  EXPECT_EQ(format_duration(milliseconds(0)), "0s");
  EXPECT_EQ(format_duration(milliseconds(999)), "0s");  // rounded down
  EXPECT_EQ(format_duration(seconds(45)), "45s");
  EXPECT_EQ(format_duration(milliseconds(59'999)), "59s");
  EXPECT_EQ(format_duration(minutes(1)), "1m 00s");
  EXPECT_EQ(format_duration(minutes(2) + seconds(5)), "2m 05s");
  EXPECT_EQ(format_duration(minutes(59) + seconds(59)), "59m 59s");
  EXPECT_EQ(format_duration(hours(1)), "1h 00m 00s");
  EXPECT_EQ(format_duration(hours(1) + minutes(2) + seconds(3)), "1h 02m 03s");
  EXPECT_EQ(format_duration(hours(50) + seconds(7)), "50h 00m 07s");
  EXPECT_EQ(format_duration(milliseconds(-5'000)), "0s");
}

TEST(RetryLabel, NamesTheRetryAndTheBudget) {
  EXPECT_EQ(retry_label(1, 3), "retry 1/3");
  EXPECT_EQ(retry_label(2, 3), "retry 2/3");
  EXPECT_EQ(retry_label(10, 10), "retry 10/10");
}

TEST(LastLines, KeepsTheLastLinesWithTheirEnds) {
  EXPECT_EQ(last_lines("a\nb\nc\n", 2), "b\nc\n");
  EXPECT_EQ(last_lines("a\nb\nc", 2), "b\nc");  // a last line without '\n' counts
  EXPECT_EQ(last_lines("a\nb\n", 5), "a\nb\n");
  EXPECT_EQ(last_lines("a\nb\n", 0), "");
  EXPECT_EQ(last_lines("", 3), "");
  EXPECT_EQ(last_lines("\n\n\n", 1), "\n");
}

}  // namespace
}  // namespace traitctl::text_tests
