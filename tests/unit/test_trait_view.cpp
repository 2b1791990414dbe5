#include <gtest/gtest.h>

#include "traitctl/core/trait_view.hpp"

namespace traitctl::trait_view_tests {
namespace {

using namespace std::chrono_literals;

const TimePoint seen{std::chrono::hours{100}};

Workload job(std::string name, JobState state, std::string status) {
  return {std::move(name), state, std::move(status), "", ""};
}

PendingIntent manual_intent(int attempt) {
  PendingIntent intent;
  intent.kind = IntentKind::Manual;
  intent.attempt = attempt;
  intent.recorded_at = seen;
  return intent;
}

TraitRecord classified(FailureClass failure) {
  TraitRecord record;
  record.failure_first_seen = seen;
  record.last_failure = failure;
  return record;
}

// The rows of traits 1..n of batch b from a listing and a ledger.
class Rows : public ::testing::Test {
 protected:
  std::vector<TraitRow> rows(const std::vector<Workload>& listing, const std::vector<int>& traits) {
    status_ = summarize_batch(view_batch("b", listing), traits, ledger_, policy_, classes());
    return trait_rows(RowSources{status_, ledger_, found_, unclassifiable_, planned_, policy_, ladder_});
  }

  [[nodiscard]] std::map<int, FailureClass> classes() const {
    std::map<int, FailureClass> classes;
    for (const auto& [trait, classification] : found_) {
      classes[trait] = classification.failure;
    }
    return classes;
  }

  Ledger ledger_{"p", "b", {}, {}, std::nullopt, std::nullopt};
  std::map<int, Classification> found_;
  std::map<int, std::string> unclassifiable_;
  std::map<int, PlannedRetry> planned_;
  RetryPolicy policy_;
  std::vector<std::string> ladder_;
  BatchStatus status_;
};

TEST_F(Rows, AFailureTheLedgerClassifiedCarriesItsAttempt) {
  ledger_.traits[1] = classified(FailureClass::Config);
  AttemptRecord& attempt = attempt_record(ledger_.traits[1], 1);
  attempt.memory = "32G";
  attempt.exit_code = 1;
  attempt.evidence = "exit code 1 (Error)";
  const auto found = rows({job("b-1", JobState::Failed, "Failed")}, {1});
  ASSERT_EQ(found.size(), 1U);
  const TraitRow& row = found[0];
  EXPECT_EQ(row.classified_by, ClassifiedBy::Ledger);
  EXPECT_EQ(row.status.failure, FailureClass::Config);
  EXPECT_EQ(row.evidence, "exit code 1 (Error)");
  EXPECT_EQ(row.exit_code, 1);
  EXPECT_EQ(row.memory, "32G");
  EXPECT_EQ(row.attention, Attention::Failed);
  EXPECT_EQ(row.retry_budget, 0);
}

TEST_F(Rows, AFailureNobodyClassifiedTakesTheViewsClass) {
  Classification mount;
  mount.failure = FailureClass::Mount;
  mount.exit_code = 2;
  mount.evidence = "exit code 2 (Error)";
  found_[1] = mount;
  unclassifiable_[2] = "could not ask why: runai timed out";
  const auto found =
      rows({job("b-1", JobState::Failed, "Failed"), job("b-2", JobState::Failed, "Failed")}, {1, 2});
  EXPECT_EQ(found[0].classified_by, ClassifiedBy::Status);
  EXPECT_EQ(found[0].exit_code, 2);
  EXPECT_EQ(found[0].attention, Attention::Retryable);
  EXPECT_EQ(found[0].retries_used, 0);
  EXPECT_EQ(found[0].retry_budget, 3);
  EXPECT_EQ(found[1].classified_by, ClassifiedBy::Nobody);
  EXPECT_EQ(found[1].status.failure, std::nullopt);
  EXPECT_EQ(found[1].evidence, "could not ask why: runai timed out");
  EXPECT_EQ(found[1].attention, Attention::Failed);
}

TEST_F(Rows, RetryBudgetsDecideBetweenRetryableBackoffAndOutOfRetries) {
  ledger_.traits[1] = classified(FailureClass::Mount);
  ledger_.traits[1].automatic_retries = 1;
  ledger_.traits[2] = classified(FailureClass::Mount);
  ledger_.traits[2].automatic_retries = 1;
  planned_[2] = PlannedRetry{seen + 1min, 2, 3, false};
  ledger_.traits[3] = classified(FailureClass::Infrastructure);
  ledger_.traits[3].automatic_retries = 3;  // used up, not yet marked
  ledger_.traits[4] = classified(FailureClass::Mount);
  ledger_.traits[4].out_of_retries = true;
  std::vector<Workload> listing;
  for (int trait = 1; trait <= 4; ++trait) {
    listing.push_back(job("b-" + std::to_string(trait), JobState::Failed, "Failed"));
  }
  const auto found = rows(listing, {1, 2, 3, 4});
  EXPECT_EQ(found[0].attention, Attention::Retryable);
  EXPECT_EQ(found[0].retries_used, 1);
  EXPECT_EQ(found[1].attention, Attention::Backoff);
  EXPECT_EQ(found[1].planned, planned_[2]);
  EXPECT_EQ(found[2].attention, Attention::OutOfRetries);
  EXPECT_EQ(found[3].attention, Attention::OutOfRetries);
}

TEST_F(Rows, OutOfMemoryNamesTheLaddersNextTier) {
  ladder_ = {"64G", "96G"};
  policy_.memory_steps = 2;
  ledger_.traits[1] = classified(FailureClass::Oom);
  ledger_.traits[1].oom_retries = 1;
  ledger_.traits[2] = classified(FailureClass::Oom);
  ledger_.traits[2].oom_retries = 2;
  const auto found =
      rows({job("b-1", JobState::Failed, "Failed"), job("b-2", JobState::Failed, "Failed")}, {1, 2});
  EXPECT_EQ(found[0].attention, Attention::Retryable);
  EXPECT_EQ(found[0].next_memory, "96G");
  EXPECT_EQ(found[1].attention, Attention::OutOfRetries);
  EXPECT_EQ(found[1].next_memory, "");
}

TEST_F(Rows, StoppedIncompleteAndPendingResubmissionsNeedAttention) {
  ledger_.traits[2] = classified(FailureClass::Incomplete);
  ledger_.traits[3].pending = manual_intent(2);
  ledger_.traits[3].manual_resubmissions = 1;
  ledger_.traits[4].pending = manual_intent(2);
  ledger_.traits[4].pending->old_job_gone = true;
  ledger_.traits[4].pending->submit_sent = true;
  const auto found =
      rows({job("b-1", JobState::Stopped, "Stopped"), job("b-2", JobState::Succeeded, "Completed"),
            job("b-4", JobState::Running, "Running"), job("b-5", JobState::Succeeded, "Completed")},
           {1, 2, 3, 4, 5, 6});
  EXPECT_EQ(found[0].attention, Attention::Stopped);
  EXPECT_EQ(found[1].attention, Attention::Incomplete);
  EXPECT_EQ(found[1].status.status, "Completed");
  EXPECT_EQ(found[2].attention, Attention::ResubmissionPending);
  EXPECT_EQ(found[2].pending_attempt, 2);
  EXPECT_EQ(found[3].attention, Attention::None) << "the resubmitted job runs";
  EXPECT_EQ(found[4].attention, Attention::None);
  EXPECT_EQ(found[5].attention, Attention::None);
  EXPECT_EQ(found[5].status.state, TraitState::NotSubmitted);
}

TEST_F(Rows, StateWordsMatchTheStateOrTheAttention) {
  ledger_.traits[1] = classified(FailureClass::Mount);
  planned_[1] = PlannedRetry{seen, 1, 3, false};
  const auto found =
      rows({job("b-1", JobState::Failed, "Failed"), job("b-2", JobState::Running, "Running")}, {1, 2});
  EXPECT_TRUE(row_in_state(found[0], "failed"));
  EXPECT_TRUE(row_in_state(found[0], "backoff"));
  EXPECT_FALSE(row_in_state(found[0], "running"));
  EXPECT_TRUE(row_in_state(found[1], "running"));
  EXPECT_FALSE(row_in_state(found[1], ""));
  for (const std::string_view word : attention_words()) {
    EXPECT_FALSE(word.empty());
  }
}

}  // namespace
}  // namespace traitctl::trait_view_tests
