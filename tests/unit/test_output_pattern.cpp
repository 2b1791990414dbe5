#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "traitctl/core/output_pattern.hpp"

namespace traitctl::output_pattern_tests {
namespace {

using ::testing::HasSubstr;

struct Expansion {
  const char* pattern;
  int trait;
  const char* expected;
};

class ExpandOutputPattern : public ::testing::TestWithParam<Expansion> {};

TEST_P(ExpandOutputPattern, ReplacesThePlaceholders) {
  auto expanded = expand_output_pattern(GetParam().pattern, GetParam().trait);
  ASSERT_TRUE(expanded.ok()) << expanded.error().message;
  EXPECT_EQ(*expanded, GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ExpandOutputPattern,
    ::testing::Values(Expansion{"trait_{trait:03}_*/GAPIT.Association.Filter_GWAS_results.csv", 2,
                                "trait_002_*/GAPIT.Association.Filter_GWAS_results.csv"},
                      Expansion{"trait_{trait:03}_*/x.csv", 187, "trait_187_*/x.csv"},
                      Expansion{"trait_{trait:03}_*/x.csv", 1234, "trait_1234_*/x.csv"},  // never cut
                      Expansion{"{trait}/{trait}.csv", 7, "7/7.csv"}, Expansion{"t{trait:01}", 7, "t7"},
                      Expansion{"t{trait:05}", 42, "t00042"}, Expansion{"t{trait:012}", 42, "t000000000042"},
                      Expansion{"results/[a-z]*_{trait}?.csv", 9,
                                "results/[a-z]*_9?.csv"},  // glob left alone
                      Expansion{"done.txt", 5, "done.txt"}, Expansion{"", 5, ""}),
    [](const auto& test) { return "case" + std::to_string(test.index); });

TEST(ExpandOutputPattern, BadPatternsNameTheProblemAndTheFix) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {"trait_{trait:3}/x.csv", "has the placeholder '{trait:3}'"},
      {"trait_{Trait}/x.csv", "'{Trait}'"},
      {"trait_{trait:00}/x.csv", "'{trait:00}'"},
      {"trait_{trait:021}/x.csv", "'{trait:021}'"},
      {"trait_{trait:0-3}/x.csv", "'{trait:0-3}'"},
      {"trait_{}/x.csv", "'{}'"},
      {"trait_{trait/x.csv", "never closed"},
      {"trait_trait}/x.csv", "closes no placeholder"},
      {"/outputs/trait_{trait}/x.csv", "is absolute"},
      {"../trait_{trait}/x.csv", "climbs out"},
      {"a/../../trait_{trait}", "climbs out"},
  };
  for (const auto& [pattern, part] : cases) {
    auto expanded = expand_output_pattern(pattern, 2);
    ASSERT_FALSE(expanded.ok()) << pattern;
    EXPECT_EQ(expanded.error().kind, ErrorKind::Config) << pattern;
    EXPECT_THAT(expanded.error().message, HasSubstr(part)) << pattern;
    EXPECT_THAT(expanded.error().message, HasSubstr(std::string("'") + pattern + "'"));
  }
  EXPECT_THAT(expand_output_pattern("{trial}", 2).error().message, HasSubstr("{trait:03}"));
  // ".." only as a whole part: a name with dots is fine.
  EXPECT_TRUE(expand_output_pattern("trait_{trait}..v2/x.csv", 2).ok());
}

TEST(ExpandOutputPattern, EscapesWhatItQuotes) {
  auto expanded = expand_output_pattern("x\x1b[2J{bad}", 2);
  ASSERT_FALSE(expanded.ok());
  EXPECT_EQ(expanded.error().message.find('\x1b'), std::string::npos) << expanded.error().message;
}

}  // namespace
}  // namespace traitctl::output_pattern_tests
