#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

#include "traitctl/core/parse.hpp"

namespace traitctl::parse_tests {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<int> range(int first, int last) {
  std::vector<int> out;
  for (int i = first; i <= last; ++i) {
    out.push_back(i);
  }
  return out;
}

TEST(ParseTraitSpec, AcceptsRangesListsAndBoth) {
  struct Case {
    std::string spec;
    std::vector<int> expected;
  };
  const std::vector<Case> cases{
      {"2-187", range(2, 187)},
      {"5", {5}},
      {"2,5,9-12", {2, 5, 9, 10, 11, 12}},
      {" 2 , 5 ,9 - 12 ", {2, 5, 9, 10, 11, 12}},
      {"9-12,2,5", {2, 5, 9, 10, 11, 12}},  // sorted
      {"3,3,2-4,4", {2, 3, 4}},             // de-duplicated
      {"7-7", {7}},
      {"2-100001", range(2, 100001)},  // exactly 100000 traits
  };
  for (const auto& c : cases) {
    auto traits = parse_trait_spec(c.spec);
    ASSERT_TRUE(traits.ok()) << c.spec << ": " << traits.error().message;
    EXPECT_EQ(*traits, c.expected) << c.spec;
  }
}

TEST(ParseTraitSpec, RejectsBadSpecsNamingThePartAndTheForms) {
  struct Case {
    std::string spec;
    std::string named;  // what the message must mention
  };
  const std::vector<Case> cases{
      {"", "empty"},
      {"   ", "empty"},
      {"2,,5", "empty part"},
      {"2,", "empty part"},
      {",2", "empty part"},
      {"9-5", "'9-5'"},
      {"abc", "'abc'"},
      {"2-x", "'2-x'"},
      {"-5", "'-5'"},
      {"+5", "'+5'"},
      {"2-", "'2-'"},
      {"2-3-4", "'2-3-4'"},
      {"1.5", "'1.5'"},
      {"0x10", "'0x10'"},
      {"99999999999", "'99999999999'"},
      {"1", "Taxa"},
      {"0-5", "Taxa"},
      {"5-1", "Taxa"},
      {"2-100002", "100000"},
      {"2-2000000000", "100000"},
      {"2-60000,100000-160000", "100000"},
  };
  for (const auto& c : cases) {
    auto traits = parse_trait_spec(c.spec);
    ASSERT_FALSE(traits.ok()) << c.spec;
    EXPECT_EQ(traits.error().kind, ErrorKind::Usage) << c.spec;
    EXPECT_THAT(traits.error().message, HasSubstr(c.named)) << c.spec;
    EXPECT_THAT(traits.error().message, HasSubstr("2,5,9-12")) << c.spec;
  }
}

TEST(ParseTraitSpec, ShowsTheFixForAReversedRange) {
  auto reversed = parse_trait_spec("9-5");
  ASSERT_FALSE(reversed.ok());
  EXPECT_THAT(reversed.error().message, HasSubstr("5-9"));
}

TEST(ParseDuration, AcceptsUnitsFractionsAndPlainSeconds) {
  struct Case {
    std::string text;
    Duration::rep ms;
  };
  const std::vector<Case> cases{
      {"30s", 30'000},
      {"2m", 120'000},
      {"1h", 3'600'000},
      {"500ms", 500},
      {"0.5s", 500},
      {"30", 30'000},
      {"0.5", 500},
      {"0", 0},
      {"0s", 0},
      {"0.0", 0},
      {"1.5m", 90'000},
      {"0.25h", 900'000},
      {".5s", 500},
      {"007s", 7'000},
      {"0.0015s", 2},
      {"0.0014s", 1},
      {"8760h", 31'536'000'000},
      {"0.0004s", 1},  // positive but under 1 ms: 1 ms, never 0
      {"0.0000000001s", 1},
  };
  for (const auto& c : cases) {
    auto duration = parse_duration(c.text);
    ASSERT_TRUE(duration.ok()) << c.text << ": " << duration.error().message;
    EXPECT_EQ(duration->count(), c.ms) << c.text;
  }
}

TEST(ParseDuration, RejectsBadValuesNamingThemAndTheForms) {
  struct Case {
    std::string text;
    std::string named;
  };
  const std::vector<Case> cases{
      {"", "empty"},
      {"-5s", "negative"},
      {"nan", "'nan'"},
      {"inf", "'inf'"},
      {"infs", "'infs'"},
      {"1e3", "unknown unit 'e3'"},
      {"5d", "unknown unit 'd'"},
      {"5 s", "unknown unit ' s'"},
      {"5S", "unknown unit 'S'"},
      {"s", "'s'"},
      {".", "'.'"},
      {" 5s", "' 5s'"},
      {"1.2.3s", "'1.2.3s'"},
      {"8761h", "too long"},
      {"99999999999999999999999s", "too long"},
      {"9223372036854775807ms", "too long"},
  };
  for (const auto& c : cases) {
    auto duration = parse_duration(c.text);
    ASSERT_FALSE(duration.ok()) << c.text;
    EXPECT_EQ(duration.error().kind, ErrorKind::Usage) << c.text;
    EXPECT_THAT(duration.error().message, HasSubstr(c.named)) << c.text;
  }
  auto unit = parse_duration("5d");
  ASSERT_FALSE(unit.ok());
  EXPECT_THAT(unit.error().message, HasSubstr("500ms"));
}

TEST(ParseInt, AcceptsStrictDecimal) {
  EXPECT_EQ(*parse_int("0", "N"), 0);
  EXPECT_EQ(*parse_int("42", "N"), 42);
  EXPECT_EQ(*parse_int("007", "N"), 7);
  EXPECT_EQ(*parse_int("2147483647", "N"), std::numeric_limits<int>::max());
}

TEST(ParseInt, RejectsSignsSpacesTrailingTextAndOverflow) {
  for (const std::string text : {"", "-1", "+1", " 1", "1 ", "1a", "1.0", "0x1", "abc", "1e3"}) {
    auto parsed = parse_int(text, "MAX_CONCURRENT");
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().message, "MAX_CONCURRENT '" + text + "' is not a whole number");
  }
  auto big = parse_int("2147483648", "MAX_CONCURRENT");
  ASSERT_FALSE(big.ok());
  EXPECT_THAT(big.error().message, HasSubstr("'2147483648' is too large"));
}

TEST(Printable, EscapesControlsAndBadBytesButKeepsUtf8) {
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"plain text /data", "plain text /data"},
      {"\x1b[31mred", "\\x1b[31mred"},
      {"a\nb\rc\td", "a\\nb\\rc\\td"},
      {std::string("nul\0x", 5), "nul\\x00x"},
      {"del\x7f", "del\\x7f"},
      {"caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8c\xbd", "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9f\x8c\xbd"},  // é ✓ 🌽
      {"\xc2\x9b"
       "31m",
       "\\xc2\\x9b31m"},  // C1 CSI
      {"\xff\xfe", "\\xff\\xfe"},
      {"\xc3", "\\xc3"},                             // truncated sequence
      {"\xc0\xaf", "\\xc0\\xaf"},                    // overlong '/'
      {"\xed\xa0\x80", "\\xed\\xa0\\x80"},           // surrogate
      {"\xf4\x90\x80\x80", "\\xf4\\x90\\x80\\x80"},  // beyond U+10FFFF
  };
  for (const auto& c : cases) {
    EXPECT_EQ(printable(c.text), c.expected);
  }
}

TEST(ShellQuote, QuotesOnlyWhatNeedsIt) {
  struct Case {
    std::string word;
    std::string expected;
  };
  const std::vector<Case> cases{
      {"runai", "runai"},
      {"path=/hpi/data,mount=/data", "path=/hpi/data,mount=/data"},
      {"user@host:8080/a_b+c%d.e-f", "user@host:8080/a_b+c%d.e-f"},
      {"", "''"},
      {"/hpi/data dir", "'/hpi/data dir'"},
      {"it's", "'it'\\''s'"},
      {"$(rm -rf /)", "'$(rm -rf /)'"},
      {"a;b", "'a;b'"},
      {"`x`", "'`x`'"},
      {"*", "'*'"},
      {"~", "'~'"},
      {"a\nb", "$'a\\nb'"},
      {"\x1b[2J it's \\", "$'\\x1b[2J it\\'s \\\\'"},
      {"caf\xc3\xa9 \xff", "$'caf\xc3\xa9 \\xff'"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(shell_quote(c.word), c.expected) << c.word;
  }
}

TEST(ShellJoin, JoinsQuotedWordsWithSpaces) {
  EXPECT_EQ(shell_join({}), "");
  EXPECT_EQ(shell_join({""}), "''");
  EXPECT_EQ(shell_join({"runai", "workspace", "submit", "--environment", "MODEL=MLM FarmCPU", ""}),
            "runai workspace submit --environment 'MODEL=MLM FarmCPU' ''");
}

}  // namespace
}  // namespace traitctl::parse_tests
