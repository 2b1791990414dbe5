#include <gtest/gtest.h>

#include <limits>

#include "support/fake_clock.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl::retry_policy_tests {
namespace {

using std::chrono::seconds;
using testing::FakeClock;

RetryPolicy with_delays(Duration delay, Duration cap) {
  RetryPolicy policy;
  policy.retry_delay = delay;
  policy.max_delay = cap;
  return policy;
}

TEST(RetryPolicy, EachClassHasItsOwnBudget) {
  RetryPolicy policy;
  EXPECT_TRUE(is_retryable(FailureClass::Mount, policy));
  EXPECT_TRUE(is_retryable(FailureClass::Infrastructure, policy));
  EXPECT_TRUE(is_retryable(FailureClass::Incomplete, policy));
  EXPECT_FALSE(is_retryable(FailureClass::Oom, policy)) << "no memory ladder";
  for (const FailureClass failure : {FailureClass::Config, FailureClass::Timeout, FailureClass::Unknown}) {
    EXPECT_FALSE(is_retryable(failure, policy)) << to_string(failure);
  }
  policy.memory_steps = 2;
  EXPECT_TRUE(is_retryable(FailureClass::Oom, policy));
  EXPECT_EQ(retry_budget(FailureClass::Oom, policy), 2);
  EXPECT_EQ(retry_budget(FailureClass::Infrastructure, policy), 3);
  EXPECT_EQ(retry_budget(FailureClass::Incomplete, policy), 1);
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
  EXPECT_EQ(backoff_before_retry(100, policy), seconds{300});
  EXPECT_EQ(backoff_before_retry(std::numeric_limits<int>::max(), policy), seconds{300});
}

TEST(Backoff, HugeCapDoesNotOverflow) {
  const RetryPolicy policy = with_delays(seconds{30}, Duration::max());
  EXPECT_EQ(backoff_before_retry(12, policy), seconds{30} * 1024);
  EXPECT_EQ(backoff_before_retry(std::numeric_limits<int>::max(), policy), Duration::max());
}

TEST(Backoff, OddPolicies) {
  EXPECT_EQ(backoff_before_retry(5, with_delays(Duration::zero(), seconds{300})), Duration::zero());
  // A delay above the cap is capped from the start.
  EXPECT_EQ(backoff_before_retry(2, with_delays(seconds{600}, seconds{300})), seconds{300});
  EXPECT_EQ(backoff_before_retry(3, with_delays(Duration{-5}, seconds{300})), Duration::zero());
}

class RetryRules : public ::testing::Test {
 protected:
  // One failed sighting, then the decision.
  RetryDecision fail_and_decide(FailureClass failure = FailureClass::Mount) {
    record_failure_seen(record_, failure, clock_.now());
    return decide_retry(record_, failure, policy_, clock_.now());
  }
  // What the loop does once decide_retry says RetryNow.
  void resubmit(FailureClass failure = FailureClass::Mount) {
    (void)record_intent(record_, IntentKind::Automatic, failure, clock_.now());
    record_resubmitted(record_);
  }

  FakeClock clock_;
  RetryPolicy policy_;
  TraitRecord record_;
};

TEST_F(RetryRules, FirstRetryIsImmediate) {
  EXPECT_EQ(current_attempt(record_), 1);
  EXPECT_EQ(next_attempt(record_), 2);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
}

TEST_F(RetryRules, SecondRetryWaitsFromTheFailureFirstSeen) {
  fail_and_decide();
  resubmit();
  clock_.advance(seconds{600});  // the resubmitted job ran a while
  const TimePoint first_seen = clock_.now();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{first_seen + seconds{30}, 2}}));
  clock_.advance(seconds{29});
  // Seen again: the backoff still runs from the first sighting.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{first_seen + seconds{30}, 2}}));
  clock_.advance(seconds{1});
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{2, 3}}));
  resubmit();
  EXPECT_FALSE(record_.failure_first_seen.has_value());
  const TimePoint third_seen = clock_.now();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{third_seen + seconds{60}, 3}}));
}

TEST_F(RetryRules, OutOfRetriesAfterThree) {
  for (int retry = 1; retry <= 3; ++retry) {
    fail_and_decide();
    clock_.advance(seconds{3600});
    EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{retry, retry + 1}}));
    resubmit();
  }
  EXPECT_EQ(record_.automatic_retries, 3);
  fail_and_decide();
  clock_.advance(seconds{3600});
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{3, 3}}));
  record_out_of_retries(record_);
  EXPECT_TRUE(record_.out_of_retries);
}

TEST_F(RetryRules, ClassesWithoutABudgetAreNotRetried) {
  for (const FailureClass failure :
       {FailureClass::Config, FailureClass::Unknown, FailureClass::Timeout, FailureClass::Oom}) {
    EXPECT_EQ(fail_and_decide(failure), (RetryDecision{NotRetryable{failure}})) << to_string(failure);
  }
  EXPECT_EQ(record_.automatic_retries, 0);
}

TEST_F(RetryRules, OutOfMemoryClimbsTheLadderApartFromMountRetries) {
  policy_.max_retries = 1;
  policy_.memory_steps = 2;
  EXPECT_EQ(fail_and_decide(FailureClass::Oom), (RetryDecision{RetryNow{1, 2}}));
  resubmit(FailureClass::Oom);
  EXPECT_EQ(record_.oom_retries, 1);
  EXPECT_EQ(record_.automatic_retries, 0);
  EXPECT_EQ(fail_and_decide(FailureClass::Mount), (RetryDecision{RetryNow{1, 3}})) << "its own budget";
  resubmit(FailureClass::Mount);
  const TimePoint seen = clock_.now();
  EXPECT_EQ(fail_and_decide(FailureClass::Oom), (RetryDecision{WaitUntil{seen + seconds{30}, 2}}))
      << "the same backoff schedule as mount retries";
  clock_.advance(seconds{30});
  EXPECT_EQ(fail_and_decide(FailureClass::Oom), (RetryDecision{RetryNow{2, 4}}));
  resubmit(FailureClass::Oom);
  EXPECT_EQ(fail_and_decide(FailureClass::Oom), (RetryDecision{OutOfRetries{2, 2}})) << "top of the ladder";
  EXPECT_EQ(current_attempt(record_), 4);
}

TEST_F(RetryRules, IncompleteOutputsAreRetriedOnceByDefault) {
  EXPECT_EQ(fail_and_decide(FailureClass::Incomplete), (RetryDecision{RetryNow{1, 2}}));
  resubmit(FailureClass::Incomplete);
  EXPECT_EQ(record_.incomplete_retries, 1);
  EXPECT_EQ(fail_and_decide(FailureClass::Incomplete), (RetryDecision{OutOfRetries{1, 1}}));
}

TEST_F(RetryRules, IntentIsCountedOnce) {
  fail_and_decide();
  const PendingIntent intent =
      record_intent(record_, IntentKind::Automatic, FailureClass::Mount, clock_.now());
  EXPECT_EQ(intent.attempt, 2);
  EXPECT_EQ(record_.automatic_retries, 1);
  // A crash after the delete: the next run finds the intent pending and
  // completes it, without counting it again or waiting.
  clock_.advance(seconds{5});
  EXPECT_EQ(next_attempt(record_), 2);
  EXPECT_EQ(current_attempt(record_), 2);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
  EXPECT_EQ(record_intent(record_, IntentKind::Automatic, FailureClass::Mount, clock_.now()), intent);
  EXPECT_EQ(record_intent(record_, IntentKind::Manual, FailureClass::Mount, clock_.now()), intent);
  EXPECT_EQ(record_.automatic_retries, 1);
  EXPECT_EQ(record_.manual_resubmissions, 0);
  record_resubmitted(record_);
  EXPECT_FALSE(record_.pending.has_value());
  EXPECT_EQ(next_attempt(record_), 3);
}

TEST_F(RetryRules, PendingIntentNeverExceedsMaxRetries) {
  policy_.max_retries = 1;
  fail_and_decide();
  (void)record_intent(record_, IntentKind::Automatic, FailureClass::Mount, clock_.now());
  // Crash; the pending intent is still completed, being already counted.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
  record_resubmitted(record_);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1, 1}}));
}

TEST_F(RetryRules, ManualResubmissionsCountApart) {
  policy_.max_retries = 1;
  fail_and_decide();
  resubmit();
  fail_and_decide();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1, 1}}));
  record_out_of_retries(record_);
  const PendingIntent manual = record_intent(record_, IntentKind::Manual, FailureClass::Mount, clock_.now());
  EXPECT_EQ(manual.kind, IntentKind::Manual);
  EXPECT_EQ(manual.attempt, 3);
  record_resubmitted(record_);
  EXPECT_EQ(record_.manual_resubmissions, 1);
  EXPECT_EQ(record_.automatic_retries, 1);
  EXPECT_FALSE(record_.out_of_retries);
  EXPECT_EQ(current_attempt(record_), 3);
  // Manual work does not restore the automatic budget.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1, 1}}));
}

TEST(BatchStart, KeepsTheFirst) {
  Ledger ledger{"team-a", "x", std::nullopt, {}, std::nullopt, std::nullopt};
  const TimePoint start{std::chrono::hours{1000}};
  record_batch_started(ledger, start);
  record_batch_started(ledger, start + seconds{10});
  EXPECT_EQ(ledger.first_submitted_at, start);
}

}  // namespace
}  // namespace traitctl::retry_policy_tests
