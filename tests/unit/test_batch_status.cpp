#include <gtest/gtest.h>

#include "traitctl/core/batch_status.hpp"

namespace traitctl::batch_status_tests {
namespace {

Workload job(std::string name, JobState state) { return {std::move(name), state, "word", "", ""}; }

BatchView view_of(const std::vector<Workload>& listing) { return view_batch("b", listing); }

TraitRecord failed_record(int retries, int manual, std::optional<TimePoint> seen, FailureClass failure,
                          bool out_of_retries) {
  TraitRecord record;
  record.automatic_retries = retries;
  record.manual_resubmissions = manual;
  record.failure_first_seen = seen;
  record.last_failure = failure;
  record.out_of_retries = out_of_retries;
  return record;
}

TEST(BatchStatus, PlacesEachTraitOfTheRange) {
  const BatchView view =
      view_of({job("b-1", JobState::Pending), job("b-2", JobState::Pending), job("b-4", JobState::Running),
               job("b-5", JobState::Deleting), job("b-6", JobState::Succeeded), job("b-7", JobState::Stopped),
               job("b-8", JobState::Failed), job("b-3", JobState::Unknown), job("b-20", JobState::Running)});
  const BatchStatus status = summarize_batch(view, {1, 2, 3, 4, 5, 6, 7, 8, 9}, Ledger{"p", "b", {}, {}, std::nullopt, std::nullopt}, {});
  const BatchCounts& counts = status.counts;
  EXPECT_EQ(counts.pending, 2);
  EXPECT_EQ(counts.running, 1);
  EXPECT_EQ(counts.other_active, 2);
  EXPECT_EQ(counts.completed, 1);
  EXPECT_EQ(counts.stopped, 1);
  EXPECT_EQ(counts.failed, 1);
  EXPECT_EQ(counts.failed_by_class, (std::map<std::string, int>{{"unclassified", 1}}));
  EXPECT_EQ(counts.permanently_failed, 0);
  EXPECT_EQ(counts.not_submitted, 1);
  EXPECT_EQ(status.total(), 9);
  EXPECT_FALSE(status.finished());
  EXPECT_EQ(job_class(status.traits[7]), "failed");
  EXPECT_EQ(job_class(status.traits[5]), "succeeded");
}

TEST(BatchStatus, UsesTheLedgerForFailuresAndRetries) {
  const TimePoint seen{std::chrono::hours{1}};
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[1] = failed_record(3, 0, seen, FailureClass::Mount, true);    // out of retries
  ledger.traits[2] = failed_record(1, 0, seen, FailureClass::Mount, false);   // will retry
  ledger.traits[3] = failed_record(0, 1, seen, FailureClass::Config, false);  // not retryable
  // A mount failure of an earlier attempt; the current failure is not classified yet.
  ledger.traits[4] = failed_record(1, 0, std::nullopt, FailureClass::Mount, false);
  ledger.traits[4].oom_retries = 1;
  const BatchView view =
      view_of({job("b-1", JobState::Failed), job("b-2", JobState::Failed), job("b-3", JobState::Failed),
               job("b-4", JobState::Failed), job("b-5", JobState::Succeeded)});
  const BatchStatus status = summarize_batch(view, {1, 2, 3, 4, 5}, ledger, {});
  const BatchCounts& counts = status.counts;
  EXPECT_EQ(counts.failed, 4);
  EXPECT_EQ(counts.failed_by_class,
            (std::map<std::string, int>{{"config", 1}, {"mount", 2}, {"unclassified", 1}}));
  EXPECT_EQ(counts.permanently_failed, 2);
  EXPECT_EQ(counts.retries_used, 6);
  EXPECT_EQ(counts.manual_resubmissions, 1);
  EXPECT_EQ(counts.out_of_retries, 1);
  EXPECT_EQ(status.traits[0].attempts, 4);
  EXPECT_EQ(status.traits[2].attempts, 2);
  EXPECT_EQ(status.traits[3].attempts, 3);
  EXPECT_EQ(job_class(status.traits[3]), "failed");
  EXPECT_EQ(status.done(), 3);
  EXPECT_FALSE(status.finished());
}

TEST(BatchStatus, OutOfMemoryIsPermanentOnlyWithoutALadder) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[1] = failed_record(0, 0, TimePoint{}, FailureClass::Oom, false);
  const BatchView view = view_of({job("b-1", JobState::Failed)});
  EXPECT_EQ(summarize_batch(view, {1}, ledger, {}).counts.permanently_failed, 1);
  RetryPolicy ladder;
  ladder.memory_steps = 2;
  EXPECT_EQ(summarize_batch(view, {1}, ledger, ladder).counts.permanently_failed, 0);
}

TEST(BatchStatus, FinishedWhenEveryTraitCompletedOrPermanentlyFailed) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[2] = failed_record(0, 0, TimePoint{}, FailureClass::Config, false);
  const BatchStatus status = summarize_batch(
      view_of({job("b-1", JobState::Succeeded), job("b-2", JobState::Failed)}), {1, 2}, ledger, {});
  EXPECT_TRUE(status.finished());
}

TEST(BatchStatus, IdleOnceNothingOfTheBatchIsActive) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  const BatchView unclassified = view_of({job("b-1", JobState::Succeeded), job("b-2", JobState::Failed)});
  const BatchStatus after_submit = summarize_batch(unclassified, {1, 2}, ledger, {});
  EXPECT_FALSE(after_submit.finished()) << "nobody classified the failure";
  EXPECT_TRUE(after_submit.idle());
  EXPECT_FALSE(summarize_batch(view_of({job("b-1", JobState::Running)}), {1}, ledger, {}).idle());
  ledger.traits[2].pending = PendingIntent{};
  EXPECT_FALSE(summarize_batch(unclassified, {1, 2}, ledger, {}).idle()) << "a resubmission is under way";
}

TEST(BatchStatus, ASubmissionSentAndNotListedYetIsNoResubmission) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[1].pending = PendingIntent{IntentKind::Sent, 1, TimePoint{}, false, "", false, true};
  const BatchStatus status = summarize_batch(view_of({job("b-1", JobState::Running)}), {1}, ledger, {});
  EXPECT_EQ(status.counts.resubmissions_pending, 0);
}

TEST(BatchStatus, ClassesFoundForTheViewFillInWhereTheLedgerHasNone) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[1] = failed_record(0, 0, TimePoint{}, FailureClass::Mount, false);
  const BatchView view =
      view_of({job("b-1", JobState::Failed), job("b-2", JobState::Failed), job("b-3", JobState::Failed)});
  // The ledger's class wins over one found for the view; trait 3 stays unclassified.
  const std::map<int, FailureClass> found{{1, FailureClass::Config}, {2, FailureClass::Config}};
  const BatchStatus status = summarize_batch(view, {1, 2, 3}, ledger, {}, found);
  EXPECT_EQ(status.counts.failed_by_class,
            (std::map<std::string, int>{{"config", 1}, {"mount", 1}, {"unclassified", 1}}));
  EXPECT_TRUE(status.traits[0].failure_from_ledger);
  EXPECT_EQ(status.traits[1].failure, FailureClass::Config);
  EXPECT_FALSE(status.traits[1].failure_from_ledger);
  EXPECT_EQ(status.counts.permanently_failed, 1) << "a configuration error is not retried";
}

TEST(BatchStatus, ACompletedJobWithoutItsOutputsCountsAsFailed) {
  Ledger ledger{"p", "b", {}, {}, std::nullopt, std::nullopt};
  ledger.traits[1] = failed_record(0, 0, TimePoint{}, FailureClass::Incomplete, false);
  ledger.traits[2] =
      failed_record(0, 0, std::nullopt, FailureClass::Incomplete, false);  // an earlier attempt's
  const BatchStatus status = summarize_batch(
      view_of({job("b-1", JobState::Succeeded), job("b-2", JobState::Succeeded)}), {1, 2}, ledger, {});
  EXPECT_EQ(status.traits[0].state, TraitState::Failed);
  EXPECT_EQ(status.traits[0].failure, FailureClass::Incomplete);
  EXPECT_EQ(status.traits[1].state, TraitState::Completed);
  EXPECT_EQ(status.counts.completed, 1);
  EXPECT_EQ(status.counts.failed_by_class, (std::map<std::string, int>{{"incomplete", 1}}));
  EXPECT_EQ(status.counts.permanently_failed, 0) << "one incomplete retry is allowed";
}

TEST(BatchStatus, ProgressBar) {
  EXPECT_EQ(progress_bar(3, 12, 8), "[##......] 3/12 (25%)");
  EXPECT_EQ(progress_bar(12, 12, 4), "[####] 12/12 (100%)");
  EXPECT_EQ(progress_bar(0, 0, 2), "[..] 0/0 (100%)");
}

TEST(BatchView, ANameWithLeadingZerosHoldsASlotButIsNoTraitsJob) {
  const BatchView view = view_batch("b", {{"b-007", JobState::Running, "Running", "", ""},
                                          {"b-8", JobState::Running, "Running", "", ""},
                                          {"b-0", JobState::Succeeded, "Completed", "", ""},
                                          {"b-10", JobState::Failed, "Failed", "1", ""},
                                          {"b-10", JobState::Pending, "Pending", "2", ""}});
  EXPECT_EQ(view.active, 3);
  EXPECT_EQ(view.jobs.count(7), 0U);
  EXPECT_EQ(view.jobs.at(8).name, "b-8");
  EXPECT_EQ(view.jobs.at(0).name, "b-0");
  EXPECT_EQ(view.jobs.at(10).id, "2") << "the later entry of a name is the newer job";
}

}  // namespace
}  // namespace traitctl::batch_status_tests
