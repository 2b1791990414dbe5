#include <gtest/gtest.h>

#include "traitctl/core/batch_history.hpp"

namespace traitctl::batch_history_tests {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{std::chrono::hours{1000}};

AttemptRecord attempt(int number, std::optional<AttemptEnd> end, Duration submitted,
                      std::optional<Duration> started, std::optional<Duration> ended) {
  AttemptRecord record;
  record.number = number;
  record.end = end;
  record.submitted_at = t0 + submitted;
  if (started) {
    record.started_at = t0 + *started;
  }
  if (ended) {
    record.ended_at = t0 + *ended;
  }
  return record;
}

AttemptRecord failed_with(FailureClass failure, AttemptRecord record) {
  record.failure = failure;
  return record;
}

class History : public ::testing::Test {
 protected:
  BatchHistory build(const std::vector<int>& traits, TimePoint taken_at = t0 + 1h) {
    status_ = summarize_batch(ledger_view("b", ledger_), traits, ledger_, RetryPolicy{});
    return build_history(HistoryInput{status_, ledger_, cap_changes_, initial_cap_, taken_at});
  }

  TraitRecord& trait(int number) { return ledger_.traits[number]; }

  Ledger ledger_{"p", "b", std::nullopt, {}, std::nullopt, std::nullopt};
  BatchStatus status_;
  std::vector<Step> cap_changes_;
  std::optional<int> initial_cap_ = 2;
};

TEST_F(History, LedgerViewShowsEachTraitsLatestAttemptAsItEnded) {
  trait(1).attempts = {attempt(1, AttemptEnd::Succeeded, 0s, 1s, 10s)};
  trait(2).attempts = {attempt(1, AttemptEnd::Failed, 0s, 1s, 5s),
                       attempt(2, std::nullopt, 6s, 7s, std::nullopt)};
  trait(3).attempts = {attempt(1, std::nullopt, 0s, std::nullopt, std::nullopt)};
  const BatchView view = ledger_view("b", ledger_);
  EXPECT_EQ(view.jobs.at(1).state, JobState::Succeeded);
  EXPECT_EQ(view.jobs.at(1).name, "b-1");
  EXPECT_EQ(view.jobs.at(2).state, JobState::Running);
  EXPECT_EQ(view.jobs.at(3).state, JobState::Pending);
  EXPECT_EQ(view.active, 2);
}

TEST_F(History, OutcomesAndSummaryCountEachTraitOnce) {
  trait(1).attempts = {attempt(1, AttemptEnd::Succeeded, 0s, 10s, 70s)};
  trait(2).attempts = {failed_with(FailureClass::Oom, attempt(1, AttemptEnd::Failed, 0s, 20s, 50s)),
                       attempt(2, AttemptEnd::Succeeded, 60s, 60s, 100s)};
  trait(3).attempts = {failed_with(FailureClass::Config, attempt(1, AttemptEnd::Failed, 0s, 5s, 10s))};
  trait(3).failure_first_seen = t0 + 10s;
  trait(3).last_failure = FailureClass::Config;
  const BatchHistory history = build({1, 2, 3, 4});
  const HistorySummary& summary = history.summary;
  EXPECT_EQ(summary.traits, 4);
  EXPECT_EQ(summary.by_outcome.at(Outcome::Completed), 2);
  EXPECT_EQ(summary.by_outcome.at(Outcome::Failed), 1);  // config is not retried
  EXPECT_EQ(summary.by_outcome.at(Outcome::NotRun), 1);
  EXPECT_EQ(summary.attempts, 4);
  EXPECT_EQ(summary.cluster_time, 60s + 30s + 40s + 5s);
  EXPECT_EQ(summary.failed_time, 35s);
  EXPECT_EQ(summary.failed_time_by_class.at("oom"), 30s);
  EXPECT_EQ(summary.failed_attempts_by_class.at("config"), 1);
  ASSERT_TRUE(summary.wall_time);
  EXPECT_EQ(*summary.wall_time, 95s);  // from the first start (5s) to the last end (100s)
  EXPECT_EQ(history.traits[1].time_used, 70s);
  EXPECT_EQ(history.traits[3].bars.size(), 0U);
}

TEST_F(History, AnUnknownStartIsDrawnFromTheSubmissionAndAnOpenAttemptToTheReport) {
  trait(1).attempts = {attempt(1, AttemptEnd::Succeeded, 3s, std::nullopt, 9s)};
  trait(2).attempts = {attempt(1, std::nullopt, 4s, 5s, std::nullopt)};
  const BatchHistory history = build({1, 2}, t0 + 20s);
  const AttemptBar& unknown = history.traits[0].bars.at(0);
  EXPECT_TRUE(unknown.from_submission);
  EXPECT_EQ(unknown.from, t0 + 3s);
  const AttemptBar& open = history.traits[1].bars.at(0);
  EXPECT_TRUE(open.open);
  EXPECT_EQ(open.to, t0 + 20s);
  EXPECT_EQ(history.summary.started_unknown, 1);
  EXPECT_EQ(history.summary.open, 1);
  EXPECT_EQ(history.traits[1].outcome, Outcome::InFlight);
}

TEST_F(History, JobsInFlightCountFromSubmissionToEnd) {
  trait(1).attempts = {attempt(1, AttemptEnd::Succeeded, 0s, 1s, 10s)};
  trait(2).attempts = {attempt(1, AttemptEnd::Succeeded, 2s, 3s, 10s)};
  trait(3).attempts = {attempt(1, AttemptEnd::Succeeded, 10s, 11s, 15s)};
  const BatchHistory history = build({1, 2, 3});
  const std::vector<Step> expected{{t0, 1}, {t0 + 2s, 2}, {t0 + 10s, 1}, {t0 + 15s, 0}};
  EXPECT_EQ(history.in_flight, expected);
}

TEST_F(History, TheCapStartsWhereItWasAndFollowsItsChangesWithinTheTimeline) {
  trait(1).attempts = {attempt(1, AttemptEnd::Succeeded, 10s, 10s, 100s)};
  cap_changes_ = {{t0 + 5s, 4}, {t0 + 50s, 2}, {t0 + 500s, 8}};
  const BatchHistory history = build({1});
  const std::vector<Step> expected{{t0 + 10s, 4}, {t0 + 50s, 2}};
  EXPECT_EQ(history.cap, expected);
}

TEST_F(History, NoTimesNoExtent) {
  trait(1).attempts = {AttemptRecord{}};
  const BatchHistory history = build({1});
  EXPECT_FALSE(history.from);
  EXPECT_FALSE(history.summary.wall_time);
  EXPECT_EQ(history.summary.attempts, 1);
  EXPECT_EQ(history.summary.drawn, 0);
}

TEST_F(History, BarCategoriesNameTheClass) {
  EXPECT_EQ(bar_category(failed_with(FailureClass::Oom, attempt(1, AttemptEnd::Failed, 0s, 0s, 1s))), "oom");
  EXPECT_EQ(bar_category(attempt(1, AttemptEnd::Failed, 0s, 0s, 1s)), "failed");
  EXPECT_EQ(bar_category(attempt(1, AttemptEnd::Stopped, 0s, 0s, 1s)), "stopped");
  EXPECT_EQ(bar_category(attempt(1, std::nullopt, 0s, 0s, std::nullopt)), "in-flight");
}

TEST_F(History, RowsAreOnePerTraitUpToTheLimitThenShared) {
  for (int number = 1; number <= 10; ++number) {
    trait(number).attempts = {attempt(1, AttemptEnd::Succeeded, 0s, 1s, 10s)};
  }
  trait(3).attempts.insert(trait(3).attempts.begin(),
                           failed_with(FailureClass::Mount, attempt(1, AttemptEnd::Failed, 0s, 0s, 1s)));
  std::vector<int> traits{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const BatchHistory history = build(traits);
  const auto each = timeline_rows(history, 10);
  ASSERT_EQ(each.size(), 10U);
  EXPECT_EQ(each[2].bars.size(), 2U);
  EXPECT_EQ(each[2].bars[0].attempt, &history.traits[2].bars[0]);
  const auto shared = timeline_rows(history, 4);
  ASSERT_EQ(shared.size(), 4U);  // 3 traits a row
  EXPECT_EQ(shared[0].first_trait, 1);
  EXPECT_EQ(shared[0].last_trait, 3);
  ASSERT_EQ(shared[0].bars.size(), 2U);  // mount and succeeded
  EXPECT_EQ(shared[0].bars[0].category, "mount");
  EXPECT_EQ(shared[0].bars[1].count, 3);
  EXPECT_EQ(shared[0].bars[1].attempt, nullptr);
  EXPECT_EQ(shared[3].first_trait, 10);
}

}  // namespace
}  // namespace traitctl::batch_history_tests
