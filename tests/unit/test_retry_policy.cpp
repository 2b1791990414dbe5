#include <gtest/gtest.h>

#include "traitctl/core/retry_policy.hpp"

namespace traitctl {
namespace {

using std::chrono::seconds;

TEST(RetryPolicy, MountAndInfrastructureFailuresAreRetryable) {
  for (const FailureClass failure :
       {FailureClass::Mount, FailureClass::Config, FailureClass::Oom, FailureClass::Timeout,
        FailureClass::Incomplete, FailureClass::Infrastructure, FailureClass::Unknown}) {
    EXPECT_EQ(is_retryable(failure),
              failure == FailureClass::Mount || failure == FailureClass::Infrastructure)
        << to_string(failure);
  }
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
