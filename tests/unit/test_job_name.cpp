#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl::job_name_tests {
namespace {

TEST(JobName, JoinsPrefixAndTrait) { EXPECT_EQ(job_name("gapit3-trait", 42), "gapit3-trait-42"); }

TEST(BatchTrait, AcceptsExactPrefixDashDigits) {
  EXPECT_EQ(batch_trait("x", "x-5"), 5);
  EXPECT_EQ(batch_trait("gapit3-trait", "gapit3-trait-187"), 187);
}

TEST(BatchTrait, RejectsSiblingBatchesAndOtherNames) {
  EXPECT_EQ(batch_trait("x", "x-extra-5"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "xy-5"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x-"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x-5a"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x--5"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x-+5"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "y-5"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x"), std::nullopt);
  EXPECT_EQ(batch_trait("x", "x-99999999999999999999"), std::nullopt);
}

TEST(ValidateJobName, AcceptsRunaiNames) { EXPECT_TRUE(validate_job_name("gapit3-trait-2").ok()); }

TEST(ValidateJobName, RejectsBadNames) {
  EXPECT_FALSE(validate_job_name("").ok());
  EXPECT_FALSE(validate_job_name("Gapit").ok());
  EXPECT_FALSE(validate_job_name("3trait").ok());
  EXPECT_FALSE(validate_job_name("trait_2").ok());
  EXPECT_FALSE(validate_job_name("trait;rm").ok());
  EXPECT_FALSE(validate_job_name(std::string(64, 'a')).ok());
  EXPECT_TRUE(validate_job_name(std::string(63, 'a')).ok());
}

TEST(ValidatePrefix, EchoesAHostilePrefixOnOneLineWithoutRawControlBytes) {
  const std::vector<std::string> prefixes{"a\nb", "a\x1b[2Jb", "\xff\xfe", std::string(100'000, 'a') + "\n"};
  for (const auto& prefix : prefixes) {
    auto result = validate_prefix(prefix, 187);
    ASSERT_FALSE(result.ok());
    const std::string& message = result.error().message;
    EXPECT_NE(message.find(printable(prefix)), std::string::npos) << message.substr(0, 200);
    EXPECT_EQ(message, printable(message))
        << "raw control or non-UTF-8 bytes: " << printable(message.substr(0, 200));
  }
}

TEST(ValidatePrefix, NamesTheLimitWhenTheLongestNameIsTooLong) {
  const std::string prefix(60, 'a');
  auto result = validate_prefix(prefix, 187);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message.find("63"), std::string::npos);
  EXPECT_TRUE(validate_prefix(std::string(59, 'a'), 187).ok());
}

}  // namespace
}  // namespace traitctl::job_name_tests
