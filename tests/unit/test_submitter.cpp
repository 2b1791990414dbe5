#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/submitter.hpp"

namespace traitctl {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using ::testing::IsEmpty;

std::vector<int> range(int first, int last) {
  std::vector<int> traits;
  for (int trait = first; trait <= last; ++trait) {
    traits.push_back(trait);
  }
  return traits;
}

SubmitRequest request_for(std::vector<int> traits, int cap) {
  SubmitRequest request;
  request.prefix = "x";
  request.traits = std::move(traits);
  request.max_concurrent = cap;
  request.poll_interval = Duration{30'000};
  request.retry.delay = Duration{10};
  request.job_for_trait = [](int trait) {
    JobSpec spec;
    spec.name = job_name("x", trait);
    spec.trait = trait;
    return spec;
  };
  return request;
}

class RecordingObserver : public SubmitObserver {
 public:
  void on_waiting(const WaitProgress& progress) override {
    waits.emplace_back(progress.active, progress.max_concurrent);
  }
  void on_wait_tick(const WaitProgress& progress) override { ticks.push_back(progress); }
  std::vector<std::pair<int, int>> waits;
  std::vector<WaitProgress> ticks;
};

class SubmitterTest : public ::testing::Test {
 protected:
  FakeBackend backend;
  FakeClock clock;
  CancelToken cancel;
  RecordingObserver observer;
};

TEST_F(SubmitterTest, NeverExceedsTheCapAndSubmitsEveryTraitOnce) {
  backend.before_list = [](FakeBackend& fake) { fake.advance_all(); };
  const auto report = submit_batch(backend, clock, cancel, request_for(range(2, 41), 5), observer);
  EXPECT_EQ(report.submitted, range(2, 41));
  EXPECT_THAT(report.skipped, IsEmpty());
  EXPECT_THAT(report.failed, IsEmpty());
  EXPECT_EQ(backend.max_active_seen, 5);
  EXPECT_EQ(backend.submitted_specs.size(), 40u);
  EXPECT_FALSE(observer.waits.empty());
}

TEST_F(SubmitterTest, CountsOnlyThisBatchAndEveryActiveState) {
  backend.other_workloads = {{"other-user-job", "Running"}, {"x-extra-5", "Running"}, {"xy-6", "Pending"}};
  backend.jobs["x-2"].status = "Initializing";
  backend.jobs["x-3"].status = "Throttled";  // unknown word: holds a slot
  backend.jobs["x-4"].status = "Completed";
  backend.before_list = [](FakeBackend& fake) {
    if (fake.list_calls > 2) {
      fake.jobs["x-2"].status = "Completed";
      fake.jobs["x-3"].status = "Completed";
    }
  };
  const auto report = submit_batch(backend, clock, cancel, request_for(range(2, 6), 3), observer);
  EXPECT_THAT(report.skipped, ElementsAre(2, 3, 4));
  // Two slots are taken by x-2 and x-3, so only one job may start at first.
  EXPECT_EQ(backend.submitted_specs.front().name, "x-5");
  ASSERT_FALSE(observer.waits.empty());
  EXPECT_EQ(observer.waits.front(), std::make_pair(3, 3));
}

TEST_F(SubmitterTest, ASecondRunSubmitsNothing) {
  (void)submit_batch(backend, clock, cancel, request_for(range(2, 10), 50), observer);
  backend.submitted_specs.clear();
  const auto report = submit_batch(backend, clock, cancel, request_for(range(2, 10), 50), observer);
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
  EXPECT_EQ(report.skipped, range(2, 10));
}

TEST_F(SubmitterTest, CountsSubmittedJobsTheListingDoesNotShowYet) {
  // Creation is asynchronous: listings lag behind by hiding every job.
  class HidingBackend : public FakeBackend {
   public:
    Result<std::vector<Workload>> list_workloads() override {
      ++list_calls;
      return std::vector<Workload>{};
    }
  } hiding;
  auto request = request_for(range(2, 9), 3);
  request.unlisted_grace = Duration{60'000};
  const auto report = submit_batch(hiding, clock, cancel, request, observer);
  // 3 at first; nothing more until the grace lets the unlisted ones go.
  ASSERT_GE(observer.waits.size(), 1u);
  EXPECT_EQ(observer.waits.front(), std::make_pair(3, 3));
  EXPECT_EQ(report.submitted.size(), 8u);
}

TEST_F(SubmitterTest, AWaitCountsDownToTheNextPollOncePerSecondWithTheBatchsProgress) {
  backend.before_list = [](FakeBackend& fake) { fake.advance_all(); };
  auto request = request_for(range(2, 4), 1);
  request.poll_interval = Duration{2'500};
  (void)submit_batch(backend, clock, cancel, request, observer);
  ASSERT_GE(observer.ticks.size(), 3u);
  std::vector<long> first_wait;
  for (std::size_t i = 0; i < 3; ++i) {
    const WaitProgress& tick = observer.ticks[i];
    EXPECT_EQ(tick.active, 1);
    EXPECT_EQ(tick.max_concurrent, 1);
    EXPECT_EQ(tick.submitted, 1);
    EXPECT_EQ(tick.remaining, 2);  // traits 3 and 4 not yet submitted
    first_wait.push_back(static_cast<long>(tick.next_poll.count()));
  }
  EXPECT_THAT(first_wait, ElementsAre(3'000, 2'000, 1'000));
  EXPECT_EQ(observer.ticks.back().remaining, 1);
}

TEST_F(SubmitterTest, RetriesAFailedSubmitAndCountsAlreadyExistsAsSubmitted) {
  backend.ghost_submits = true;
  backend.submit_errors = {make_error(ErrorKind::Backend, "Something went wrong")};
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  EXPECT_THAT(report.submitted, ElementsAre(2));
  EXPECT_THAT(report.failed, IsEmpty());
  EXPECT_EQ(backend.jobs["x-2"].submissions, 1);
}

TEST_F(SubmitterTest, AFailedSubmitIsTriedAgainNextCycle) {
  // Two rounds of three calls fail; the third round's first call succeeds.
  backend.submit_errors.assign(2 * 3, make_error(ErrorKind::Backend, "quota exceeded"));
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  EXPECT_THAT(report.submitted, ElementsAre(2));
  EXPECT_THAT(report.failed, IsEmpty());
  EXPECT_EQ(backend.submitted_specs.size(), 7U);
  EXPECT_EQ(observer.waits.size(), 2U);  // a poll interval before each new round
}

TEST_F(SubmitterTest, ASubmitFailingEveryCycleIsReportedAndTheBatchGoesOn) {
  // One at a time, trait 2 first: both fail their first two rounds, trait 2
  // its third as well (5 x 3 calls); trait 3's third round succeeds.
  backend.submit_errors.assign(5 * 3, make_error(ErrorKind::Backend, "quota exceeded"));
  auto request = request_for({2, 3}, 5);
  request.parallel_submits = 1;
  const auto report = submit_batch(backend, clock, cancel, request, observer);
  EXPECT_THAT(report.submitted, ElementsAre(3));
  ASSERT_EQ(report.failed.size(), 1u);
  EXPECT_EQ(report.failed.at(2), "quota exceeded");
  EXPECT_FALSE(report.fatal.has_value());
}

TEST_F(SubmitterTest, ASettingRunaiCannotTakeIsNotRetriedWithinARound) {
  backend.submit_errors.assign(3, make_error(ErrorKind::Config, "DATA_PATH_HOST holds a comma"));
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  EXPECT_EQ(report.failed.size(), 1U);
  EXPECT_EQ(backend.submitted_specs.size(), 3U);  // one call in each of the three rounds
}

TEST_F(SubmitterTest, ASubmitThatFailedButCreatedTheJobIsNotSubmittedAgain) {
  // The round's last call creates the job while reporting failure.
  backend.ghost_submits = true;
  backend.submit_errors = {make_error(ErrorKind::Timeout, "timed out"),
                           make_error(ErrorKind::Timeout, "timed out"),
                           make_error(ErrorKind::Backend, "connection reset")};
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  EXPECT_THAT(report.submitted, ElementsAre(2));
  EXPECT_THAT(report.skipped, IsEmpty());
  EXPECT_THAT(report.failed, IsEmpty());
  EXPECT_EQ(backend.submitted_specs.size(), 3U);
  EXPECT_EQ(backend.jobs["x-2"].submissions, 1);
}

TEST_F(SubmitterTest, AFirstListingThatFailsStopsTheBatch) {
  backend.list_errors.assign(3, make_error(ErrorKind::Backend, "login expired"));
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  ASSERT_TRUE(report.fatal.has_value());
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
  EXPECT_THAT(observer.waits, IsEmpty());
}

// From the second listing on, `failed_cycles` listings in a row fail with all
// their retries; jobs finish between listings.
SubmitReport submit_through_failed_listings(FakeBackend& backend, FakeClock& clock, CancelToken& cancel,
                                            SubmitObserver& observer, int failed_cycles) {
  backend.before_list = [failed_cycles](FakeBackend& fake) {
    fake.advance_all();
    if (fake.list_calls == 2) {
      fake.list_errors.assign(static_cast<std::size_t>(3 * failed_cycles),
                              make_error(ErrorKind::Backend, "dial tcp: i/o timeout"));
    }
  };
  return submit_batch(backend, clock, cancel, request_for(range(2, 7), 3), observer);
}

TEST_F(SubmitterTest, ABatchUnderWayRidesOutFailedListings) {
  const auto report = submit_through_failed_listings(backend, clock, cancel, observer, 2);
  EXPECT_FALSE(report.fatal.has_value());
  EXPECT_EQ(report.submitted, range(2, 7));
  EXPECT_LE(backend.max_active_seen, 3);
}

TEST_F(SubmitterTest, ABatchUnderWayStopsAfterThreeFailedListingsInARow) {
  const auto report = submit_through_failed_listings(backend, clock, cancel, observer, 3);
  ASSERT_TRUE(report.fatal.has_value());
  EXPECT_EQ(report.submitted, range(2, 4));
}

TEST_F(SubmitterTest, ATransientListingFailureIsRetried) {
  backend.list_errors = {make_error(ErrorKind::Backend, "i/o timeout")};
  const auto report = submit_batch(backend, clock, cancel, request_for({2}, 5), observer);
  EXPECT_FALSE(report.fatal.has_value());
  EXPECT_THAT(report.submitted, ElementsAre(2));
}

// Ctrl-C reaches the runai child too: the listing it cut short is an
// interruption (exit 130), not a cluster failure (exit 1).
TEST_F(SubmitterTest, AListingCutShortByAStopRequestIsAnInterruption) {
  backend.before_list = [&](FakeBackend& fake) {
    if (fake.list_calls == 2) {
      cancel.request_stop();
      fake.list_errors.assign(1, make_error(ErrorKind::Backend, "signal: interrupt"));
    }
  };
  const auto report = submit_batch(backend, clock, cancel, request_for(range(2, 20), 3), observer);
  EXPECT_TRUE(report.interrupted);
  EXPECT_FALSE(report.fatal.has_value());
}

TEST_F(SubmitterTest, StopsStartingWorkOnceCancelled) {
  backend.before_list = [&](FakeBackend& fake) {
    if (fake.list_calls == 2) {
      cancel.request_stop();
    }
  };
  const auto report = submit_batch(backend, clock, cancel, request_for(range(2, 20), 3), observer);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(report.submitted.size(), 3u);
}

TEST(BatchView, CountsMembersOnlyAndFlagsUnknownWords) {
  const auto view = view_batch("x", {{"x-2", "Running"},
                                     {"x-3", "Failed"},
                                     {"x-007", "Pending"},
                                     {"x-extra-5", "Running"},
                                     {"xy-5", "Running"},
                                     {"x-4", "Throttled"},
                                     {"x-5", "Stopped"}});
  EXPECT_EQ(view.active, 3);  // x-2, x-007, x-4
  EXPECT_EQ(view.jobs.size(), 4u);
  EXPECT_FALSE(view.jobs.contains(7));
  EXPECT_THAT(view.unknown_status_words, ElementsAre("Throttled"));
}

TEST(FreeSlots, NeverNegative) {
  EXPECT_EQ(free_slots(5, 2), 3);
  EXPECT_EQ(free_slots(5, 9), 0);
}

}  // namespace
}  // namespace traitctl
