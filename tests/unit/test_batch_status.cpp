#include <gtest/gtest.h>

#include "traitctl/core/batch_status.hpp"

namespace traitctl {
namespace {

BatchView view_of(const std::vector<Workload>& listing) { return view_batch("b", listing); }

TEST(BatchStatus, PlacesEachTraitOfTheRange) {
  const BatchView view = view_of({{"b-1", "Pending"},
                                  {"b-2", "ContainerCreating"},
                                  {"b-3", "Init:0/1"},
                                  {"b-4", "Running"},
                                  {"b-5", "Deleting"},
                                  {"b-6", "Completed"},
                                  {"b-7", "Stopped"},
                                  {"b-8", "Failed"},
                                  {"b-20", "Running"}});
  const BatchStatus status = summarize_batch(view, {1, 2, 3, 4, 5, 6, 7, 8, 9}, Ledger{"p", "b", {}, {}});
  const BatchCounts& counts = status.counts;
  EXPECT_EQ(counts.pending, 3);
  EXPECT_EQ(counts.running, 1);
  EXPECT_EQ(counts.other_active, 1);
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
  Ledger ledger{"p", "b", {}, {}};
  ledger.traits[1] =
      TraitRecord{3, 0, seen, FailureClass::Mount, std::nullopt, true};  // out of retries
  ledger.traits[2] = TraitRecord{1, 0, seen, FailureClass::Mount, std::nullopt, false};  // will retry
  ledger.traits[3] =
      TraitRecord{0, 1, seen, FailureClass::Config, std::nullopt, false};  // not retryable
  // A mount failure of an earlier attempt; the current failure is not classified yet.
  ledger.traits[4] = TraitRecord{1, 0, std::nullopt, FailureClass::Mount, std::nullopt, false};
  const BatchView view = view_of(
      {{"b-1", "Failed"}, {"b-2", "Failed"}, {"b-3", "Failed"}, {"b-4", "Failed"}, {"b-5", "Completed"}});
  const BatchStatus status = summarize_batch(view, {1, 2, 3, 4, 5}, ledger);
  const BatchCounts& counts = status.counts;
  EXPECT_EQ(counts.failed, 4);
  EXPECT_EQ(counts.failed_by_class,
            (std::map<std::string, int>{{"config", 1}, {"mount", 2}, {"unclassified", 1}}));
  EXPECT_EQ(counts.permanently_failed, 2);
  EXPECT_EQ(counts.retries_used, 5);
  EXPECT_EQ(counts.manual_resubmissions, 1);
  EXPECT_EQ(counts.out_of_retries, 1);
  EXPECT_EQ(status.traits[0].attempts, 4);
  EXPECT_EQ(status.traits[2].attempts, 2);
  EXPECT_EQ(job_class(status.traits[3]), "failed");
  EXPECT_EQ(status.done(), 3);
  EXPECT_FALSE(status.finished());
}

TEST(BatchStatus, FinishedWhenEveryTraitCompletedOrPermanentlyFailed) {
  Ledger ledger{"p", "b", {}, {}};
  ledger.traits[2] = TraitRecord{0, 0, TimePoint{}, FailureClass::Config, std::nullopt, false};
  const BatchStatus status =
      summarize_batch(view_of({{"b-1", "Succeeded"}, {"b-2", "Failed"}}), {1, 2}, ledger);
  EXPECT_TRUE(status.finished());
}

TEST(BatchStatus, ProgressBar) {
  EXPECT_EQ(progress_bar(3, 12, 8), "[##......] 3/12 (25%)");
  EXPECT_EQ(progress_bar(12, 12, 4), "[####] 12/12 (100%)");
  EXPECT_EQ(progress_bar(0, 0, 2), "[..] 0/0 (100%)");
}

}  // namespace
}  // namespace traitctl
