#include <gtest/gtest.h>

#include "traitctl/core/retry_policy.hpp"

namespace traitctl {
namespace {

using std::chrono::seconds;

struct ClassifyCase {
  const char* name;
  FailureEvidence evidence;
  FailureClass expected;
};

const std::string mount_log =
    "Checking mounts\nINFRASTRUCTURE MOUNT FAILURE: /data is not a mount point\n"
    "INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)\n";
const std::string config_log = "ERROR: Missing required files or directories:\n  /data/genotype.hmp.txt\n";

class ClassifyTest : public ::testing::TestWithParam<ClassifyCase> {};

TEST_P(ClassifyTest, DefaultPolicy) {
  EXPECT_EQ(classify_failure(GetParam().evidence, ClassifierPolicy{}), GetParam().expected);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ClassifyTest,
    ::testing::Values(
        ClassifyCase{"exit2_no_log", {2, std::nullopt}, FailureClass::MountFailure},
        ClassifyCase{"exit1_no_log", {1, std::nullopt}, FailureClass::ConfigError},
        ClassifyCase{"exit_code_beats_config_log", {2, config_log}, FailureClass::MountFailure},
        ClassifyCase{"exit_code_beats_mount_log", {1, mount_log}, FailureClass::ConfigError},
        ClassifyCase{"other_code_falls_to_mount_log", {137, mount_log}, FailureClass::MountFailure},
        ClassifyCase{"other_code_falls_to_config_log", {3, config_log}, FailureClass::ConfigError},
        ClassifyCase{"other_code_no_log", {137, std::nullopt}, FailureClass::LogsUnavailable},
        ClassifyCase{"other_code_plain_log", {137, "Killed\n"}, FailureClass::Unknown},
        ClassifyCase{"no_code_mount_log", {std::nullopt, mount_log}, FailureClass::MountFailure},
        ClassifyCase{"no_code_mount_line_only",
                     {std::nullopt, "/data is not a mount point"},
                     FailureClass::MountFailure},
        ClassifyCase{"no_code_config_log", {std::nullopt, config_log}, FailureClass::ConfigError},
        // A missing mount also makes files look missing: the mount lines win.
        ClassifyCase{"both_logs", {std::nullopt, config_log + mount_log}, FailureClass::MountFailure},
        ClassifyCase{"patterns_ignore_case",
                     {std::nullopt, "infrastructure mount failure"},
                     FailureClass::MountFailure},
        ClassifyCase{"empty_log_is_a_log", {std::nullopt, ""}, FailureClass::Unknown},
        ClassifyCase{"nothing_known", {std::nullopt, std::nullopt}, FailureClass::LogsUnavailable},
        ClassifyCase{"timed_out", {2, mount_log, true}, FailureClass::Timeout}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(Classify, CustomCodesAndPatterns) {
  ClassifierPolicy policy;
  policy.retry_exit_codes = {75, 2};
  policy.config_exit_codes = {64};
  policy.mount_failure_patterns = {"NFS stale handle"};
  policy.config_error_patterns = {"bad phenotype"};
  EXPECT_EQ(classify_failure({75, std::nullopt}, policy), FailureClass::MountFailure);
  EXPECT_EQ(classify_failure({64, mount_log}, policy), FailureClass::ConfigError);
  EXPECT_EQ(classify_failure({1, std::nullopt}, policy), FailureClass::LogsUnavailable);
  EXPECT_EQ(classify_failure({1, "error: NFS stale handle"}, policy), FailureClass::MountFailure);
  EXPECT_EQ(classify_failure({1, "Bad Phenotype column"}, policy), FailureClass::ConfigError);
  // The default patterns are replaced, not added to.
  EXPECT_EQ(classify_failure({std::nullopt, mount_log}, policy), FailureClass::Unknown);
}

TEST(Classify, NoCodesMeansLogsDecide) {
  ClassifierPolicy policy;
  policy.retry_exit_codes.clear();
  policy.config_exit_codes.clear();
  EXPECT_EQ(classify_failure({2, config_log}, policy), FailureClass::ConfigError);
  EXPECT_EQ(classify_failure({1, std::nullopt}, policy), FailureClass::LogsUnavailable);
}

TEST(FailureClassNames, RoundTripAndReasons) {
  for (const FailureClass failure :
       {FailureClass::MountFailure, FailureClass::ConfigError, FailureClass::Unknown,
        FailureClass::LogsUnavailable, FailureClass::Timeout}) {
    auto parsed = failure_class_from_string(to_string(failure));
    ASSERT_TRUE(parsed.ok()) << to_string(failure);
    EXPECT_EQ(*parsed, failure);
    EXPECT_FALSE(failure_reason(failure).empty());
    EXPECT_EQ(is_retryable(failure), failure == FailureClass::MountFailure);
  }
  EXPECT_EQ(to_string(FailureClass::MountFailure), "mount-failure");
  EXPECT_EQ(to_string(FailureClass::LogsUnavailable), "logs-unavailable");
  EXPECT_EQ(failure_reason(FailureClass::ConfigError), "configuration error, manual fix needed");
  EXPECT_EQ(failure_reason(FailureClass::Unknown), "could not determine failure reason");
  EXPECT_EQ(failure_reason(FailureClass::LogsUnavailable), "could not retrieve logs");

  auto bad = failure_class_from_string("Mount-Failure");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Parse);
  EXPECT_NE(bad.error().message.find("'Mount-Failure'"), std::string::npos);
}

TEST(Backoff, NoneThenDoublingToTheCap) {
  const RetryPolicy policy;
  EXPECT_EQ(backoff_before_retry(0, policy), Duration::zero());
  EXPECT_EQ(backoff_before_retry(1, policy), Duration::zero());
  EXPECT_EQ(backoff_before_retry(2, policy), seconds{30});
  EXPECT_EQ(backoff_before_retry(3, policy), seconds{60});
  EXPECT_EQ(backoff_before_retry(4, policy), seconds{120});
  EXPECT_EQ(backoff_before_retry(5, policy), seconds{240});
  EXPECT_EQ(backoff_before_retry(6, policy), seconds{300});
  EXPECT_EQ(backoff_before_retry(10, policy), seconds{300});
  EXPECT_EQ(backoff_before_retry(100, policy), seconds{300});
  EXPECT_EQ(backoff_before_retry(std::numeric_limits<int>::max(), policy), seconds{300});
}

TEST(Backoff, HugeCapDoesNotOverflow) {
  RetryPolicy policy;
  policy.max_delay = Duration::max();
  EXPECT_EQ(backoff_before_retry(12, policy), seconds{30} * 1024);
  const Duration huge = backoff_before_retry(std::numeric_limits<int>::max(), policy);
  EXPECT_GT(huge, Duration::zero());
  EXPECT_EQ(huge, Duration::max());
}

TEST(Backoff, OddPolicies) {
  EXPECT_EQ(backoff_before_retry(5, RetryPolicy{3, Duration::zero(), seconds{300}}), Duration::zero());
  // A delay above the cap is capped from the start.
  EXPECT_EQ(backoff_before_retry(2, RetryPolicy{3, seconds{600}, seconds{300}}), seconds{300});
  EXPECT_EQ(backoff_before_retry(3, RetryPolicy{3, Duration{-5}, seconds{300}}), Duration::zero());
}

}  // namespace
}  // namespace traitctl
