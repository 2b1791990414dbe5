// The batch loop against an in-memory cluster that lies the way real ones
// do: listings lag, answers are lost, deleted jobs linger. Whatever it
// answers: never above the cap, never a job twice, never a lost trait, and a
// report that equals what happened.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "support/fake_clock.hpp"
#include "support/touched_saves.hpp"
#include "traitctl/core/batch_engine.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::batch_engine_tests {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using testing::FakeClock;
using ::testing::IsEmpty;

// Every listing moves each job one step: Pending, Running, its planned end.
class Cluster : public FakeBackend {
 public:
  Cluster() {
    before_list = [](FakeBackend& fake) { fake.advance_all(); };
  }
};

class RecordingObserver : public BatchObserver {
 public:
  void on_event(const BatchEvent& event) override { events.push_back(event); }
  [[nodiscard]] int count(EventKind kind) const {
    return static_cast<int>(std::count_if(events.begin(), events.end(),
                                          [kind](const BatchEvent& event) { return event.kind == kind; }));
  }
  std::vector<BatchEvent> events;
};

class BatchEngineTest : public ::testing::Test {
 protected:
  BatchEngineTest() {
    PlanSettings& plan = request.plan;
    plan.prefix = "x";
    plan.traits = {2, 3, 4, 5, 6, 7};
    plan.max_concurrent = 2;
    plan.poll_interval = Duration{1'000};
    plan.confirm_interval = Duration{100};
    plan.stage.unlisted_grace = Duration{10'000};
    plan.stage.delete_grace = Duration{5'000};
    request.call_retry.delay = Duration{10};
    request.job_for = [](int trait, int attempt, const TraitRecord& /*record*/) {
      JobSpec spec;
      spec.name = job_name("x", trait);
      spec.trait = trait;
      spec.memory = "32G";
      spec.environment = {{"TRAITCTL_ATTEMPT", std::to_string(attempt)}};
      return spec;
    };
    // `persisted` gets the touched traits only, as the database does.
    request.save_ledger = [this](const Ledger& saved, const std::set<int>& touched) -> Result<void> {
      ++saves;
      testing::save_touched(persisted, saved, touched);
      return {};
    };
  }

  void run_mode() {
    request.plan.stage.mode.submit_new = true;
    request.plan.stage.mode.retry_failures = true;
    request.plan.stage.mode.watch = true;
  }

  BatchReport run() {
    Ledger ledger = persisted;
    return run_batch(cluster, clock, cancel, request, ledger, observer);
  }

  // The job of `trait` as the cluster holds it now, failed with `code`.
  void fail_now(int trait, int code) {
    FakeBackend::Job job;
    job.name = job_name("x", trait);
    job.id = "1" + std::to_string(trait);
    job.state = JobState::Failed;
    cluster.jobs.push_back(job);
    cluster.creations[job.name] = 1;
    cluster.evidence[job.name] = FailureEvidence{code, std::nullopt, std::nullopt, std::nullopt, false};
  }

  [[nodiscard]] int creations(int trait) { return cluster.creations[job_name("x", trait)]; }

  Cluster cluster;
  FakeClock clock;
  CancelToken cancel;
  RecordingObserver observer;
  BatchRequest request;
  Ledger persisted{"p", "x", std::nullopt, {}, std::nullopt, std::nullopt};
  int saves = 0;
};

TEST_F(BatchEngineTest, SubmitIsTheLoopWithRetriesOff) {
  request.plan.stage.mode.submit_new = true;
  const BatchReport report = run();
  EXPECT_FALSE(report.fatal.has_value());
  EXPECT_THAT(report.submitted, ElementsAre(2, 3, 4, 5, 6, 7));
  EXPECT_LE(cluster.max_active_seen, 2);
  for (int trait = 2; trait <= 7; ++trait) {
    EXPECT_EQ(creations(trait), 1) << trait;
  }
  EXPECT_TRUE(persisted.first_submitted_at.has_value());
  EXPECT_EQ(cluster.deleted.size(), 0U);
}

TEST_F(BatchEngineTest, RunRetriesAMountFailureAndCompletesTheBatch) {
  run_mode();
  cluster.plans["x-3"] = {2, 0};
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5, 6, 7));
  EXPECT_THAT(report.retried, ElementsAre(3));
  EXPECT_THAT(report.succeeded_after_retry, ElementsAre(3));
  EXPECT_EQ(report.by_class.at(FailureClass::Mount), 1);
  EXPECT_EQ(creations(3), 2);
  EXPECT_EQ(persisted.traits.at(3).automatic_retries, 1);
  EXPECT_FALSE(persisted.traits.at(3).pending.has_value());
  EXPECT_LE(cluster.max_active_seen, 2);
  ASSERT_EQ(persisted.traits.at(3).attempts.size(), 2U);
  EXPECT_EQ(persisted.traits.at(3).attempts[0].end, AttemptEnd::Failed);
  EXPECT_EQ(persisted.traits.at(3).attempts[0].failure, FailureClass::Mount);
  EXPECT_EQ(persisted.traits.at(3).attempts[1].end, AttemptEnd::Succeeded);
}

TEST_F(BatchEngineTest, AConfigurationErrorIsNotRetried) {
  run_mode();
  cluster.plans["x-4"] = {1};
  const BatchReport report = run();
  EXPECT_EQ(report.not_retryable.count(4), 1U);
  EXPECT_EQ(creations(4), 1);
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 5, 6, 7));
}

TEST_F(BatchEngineTest, OutOfRetriesAfterTheBudget) {
  run_mode();
  request.plan.stage.policy.max_retries = 2;
  request.plan.stage.policy.retry_delay = Duration{1'000};
  cluster.plans["x-5"] = {2};
  const BatchReport report = run();
  EXPECT_THAT(report.out_of_retries, ElementsAre(5));
  EXPECT_EQ(creations(5), 3);
  EXPECT_TRUE(persisted.traits.at(5).out_of_retries);
}

TEST_F(BatchEngineTest, TheSecondRetryWaitsItsBackoffOnTheClock) {
  run_mode();
  request.plan.traits = {2};
  request.plan.stage.policy.retry_delay = Duration{30'000};
  cluster.plans["x-2"] = {2, 2, 0};
  const TimePoint start = clock.now();
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2));
  EXPECT_GE(clock.now() - start, Duration{30'000});
  EXPECT_EQ(observer.count(EventKind::Backoff), 1);
}

TEST_F(BatchEngineTest, AStoppedJobIsNeverCompleted) {
  run_mode();
  request.plan.traits = {2, 3};
  cluster.before_list = [](FakeBackend& fake) {
    fake.advance_all();
    if (auto* job = fake.find("x-3"); job != nullptr && job->state == JobState::Running) {
      job->state = JobState::Stopped;
    }
  };
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2));
  EXPECT_THAT(report.stopped, ElementsAre(3));
}

TEST_F(BatchEngineTest, ALaggingListingNeverMakesAJobTwiceNorExceedsTheCap) {
  run_mode();
  cluster.listing_lag = 3;
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5, 6, 7));
  EXPECT_THAT(report.submitted, ElementsAre(2, 3, 4, 5, 6, 7));
  for (int trait = 2; trait <= 7; ++trait) {
    EXPECT_EQ(creations(trait), 1) << trait;
  }
  EXPECT_LE(cluster.max_active_seen, 2);
  EXPECT_THAT(report.existing, IsEmpty());
}

TEST_F(BatchEngineTest, AnUnansweredSubmissionThatTookEffectIsCountedOnce) {
  request.plan.stage.mode.submit_new = true;
  request.plan.traits = {2};
  cluster.ghost_submits = true;
  cluster.submit_errors.push_back(make_error(ErrorKind::Timeout, "no answer"));
  const BatchReport report = run();
  EXPECT_THAT(report.submitted, ElementsAre(2)) << "the retry's 'already exists' is this run's own job";
  EXPECT_EQ(creations(2), 1);
}

TEST_F(BatchEngineTest, AJobSomeoneElseCreatedIsExistingNotSubmitted) {
  request.plan.stage.mode.submit_new = true;
  request.plan.traits = {2, 3};
  FakeBackend::Job theirs;
  theirs.name = "x-2";
  theirs.id = "9";
  theirs.state = JobState::Running;
  theirs.listings_hidden = 1;  // created just before our first listing
  cluster.jobs.push_back(theirs);
  cluster.creations["x-2"] = 1;
  const BatchReport report = run();
  EXPECT_THAT(report.existing, ElementsAre(2));
  EXPECT_THAT(report.submitted, ElementsAre(3));
  EXPECT_EQ(creations(2), 1);
}

TEST_F(BatchEngineTest, ALostDeleteAnswerNeverLosesTheTrait) {
  run_mode();
  request.plan.traits = {3};
  fail_now(3, 2);
  cluster.deleting_listings = 3;                 // the deleted job lingers
  cluster.lost_delete_answers.push_back("x-3");  // and the delete's answer is lost
  cluster.plans["x-3"] = {2, 0};
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(3));
  EXPECT_EQ(creations(3), 2) << "resubmitted once, after the old job was gone";
  EXPECT_THAT(report.retried, ElementsAre(3));
  EXPECT_FALSE(persisted.traits.at(3).pending.has_value());
  EXPECT_EQ(persisted.traits.at(3).automatic_retries, 1);
}

TEST_F(BatchEngineTest, ANameStillHeldMakesTheResubmissionWait) {
  run_mode();
  request.plan.traits = {3};
  fail_now(3, 2);
  cluster.plans["x-3"] = {2, 0};
  cluster.deleting_listings = 4;
  // One listing misses the Deleting job: it looks gone, but still holds the name.
  int listings = 0;
  cluster.before_list = [&listings](FakeBackend& fake) {
    fake.advance_all();
    if (++listings == 3) {
      if (auto* job = fake.find("x-3"); job != nullptr && job->state == JobState::Deleting) {
        job->listings_hidden = 1;
      }
    }
  };
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(3));
  EXPECT_EQ(creations(3), 2);
  EXPECT_GE(observer.count(EventKind::NameHeld), 1);
}

TEST_F(BatchEngineTest, AJobMissingFromOneListingKeepsItsSlot) {
  run_mode();
  request.plan.max_concurrent = 1;
  request.plan.traits = {2, 3};
  int listings = 0;
  cluster.before_list = [&listings](FakeBackend& fake) {
    if (++listings == 3) {
      fake.find("x-2")->listings_hidden = 1;  // a page shift hides the running job once
    } else {
      fake.advance_all();
    }
  };
  const BatchReport report = run();
  EXPECT_EQ(cluster.max_active_seen, 1);
  EXPECT_EQ(creations(2), 1);
  EXPECT_THAT(report.completed, ElementsAre(2, 3));
}

TEST_F(BatchEngineTest, AJobDeletedBySomeoneElseIsSubmittedAgain) {
  run_mode();
  request.plan.traits = {2};
  int listings = 0;
  cluster.before_list = [&listings](FakeBackend& fake) {
    if (++listings == 3) {
      fake.jobs.clear();  // someone deleted the running job
    }
    fake.advance_all();
  };
  const BatchReport report = run();
  EXPECT_THAT(report.vanished, ElementsAre(2));
  EXPECT_THAT(report.completed, ElementsAre(2));
  EXPECT_EQ(creations(2), 2);
}

TEST_F(BatchEngineTest, APendingIntentIsCompletedWithoutCountingItAgain) {
  request.plan.stage.mode.retry_failures = true;
  request.plan.traits = {3};
  TraitRecord& record = persisted.traits[3];
  record.automatic_retries = 1;
  record.pending = PendingIntent{IntentKind::Automatic, 2, clock.now(), false, "", true, false};
  cluster.creations["x-3"] = 1;  // the old job is gone: the crash came after the delete
  const BatchReport report = run();
  EXPECT_THAT(report.retried, ElementsAre(3));
  EXPECT_EQ(creations(3), 2);
  EXPECT_EQ(persisted.traits.at(3).automatic_retries, 1);
  EXPECT_EQ(cluster.submitted_specs.at(0).environment.at(0).second, "2");
}

TEST_F(BatchEngineTest, AResubmissionSentBeforeACrashIsFoundNotRepeated) {
  run_mode();
  request.plan.traits = {3};
  TraitRecord& record = persisted.traits[3];
  record.automatic_retries = 1;
  record.pending = PendingIntent{IntentKind::Automatic, 2, clock.now(), false, "", true, true};
  FakeBackend::Job sent;
  sent.name = "x-3";
  sent.id = "7";
  sent.attempt = 2;
  cluster.jobs.push_back(sent);
  cluster.creations["x-3"] = 2;
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(3));
  EXPECT_EQ(creations(3), 2);
  EXPECT_FALSE(persisted.traits.at(3).pending.has_value());
}

TEST_F(BatchEngineTest, AnIntentWhoseDeleteNeverHappenedDeletesFirst) {
  request.plan.stage.mode.retry_failures = true;
  request.plan.traits = {3};
  fail_now(3, 2);
  TraitRecord& record = persisted.traits[3];
  record.automatic_retries = 1;
  record.pending = PendingIntent{IntentKind::Automatic, 2, clock.now(), false, "", false, false};
  const BatchReport report = run();
  EXPECT_THAT(cluster.deleted, ElementsAre("x-3"));
  EXPECT_EQ(creations(3), 2);
  EXPECT_EQ(persisted.traits.at(3).automatic_retries, 1);
}

TEST_F(BatchEngineTest, OnePassRetryHandlesTheFailuresOfItsFirstListingOnce) {
  request.plan.stage.mode.retry_failures = true;
  fail_now(2, 2);
  fail_now(3, 1);
  cluster.plans["x-2"] = {2, 2};
  const BatchReport report = run();
  EXPECT_THAT(report.retried, ElementsAre(2));
  EXPECT_EQ(report.not_retryable.count(3), 1U);
  EXPECT_EQ(creations(2), 2) << "the retried job's own failure is the next run's";
  EXPECT_EQ(report.failed_found, 2);
}

TEST_F(BatchEngineTest, ADryRunChangesNothing) {
  run_mode();
  request.plan.stage.mode.dry_run = true;
  fail_now(2, 2);
  const BatchReport report = run();
  EXPECT_THAT(report.would_retry, ElementsAre(2));
  EXPECT_THAT(cluster.submitted_specs, IsEmpty());
  EXPECT_THAT(cluster.deleted, IsEmpty());
  EXPECT_EQ(saves, 0);
}

TEST_F(BatchEngineTest, ResubmitReplacesTheNamedTraitsAsManual) {
  request.plan.traits = {2};
  request.plan.stage.mode.replace = {2};
  fail_now(2, 1);
  const BatchReport report = run();
  EXPECT_THAT(report.resubmitted_manually, ElementsAre(2));
  EXPECT_EQ(persisted.traits.at(2).manual_resubmissions, 1);
  EXPECT_EQ(creations(2), 2);
}

TEST_F(BatchEngineTest, ResubmitWithoutForceLeavesARunningJobAlone) {
  request.plan.traits = {2};
  request.plan.stage.mode.replace = {2};
  FakeBackend::Job running;
  running.name = "x-2";
  running.state = JobState::Running;
  cluster.jobs.push_back(running);
  cluster.before_list = {};
  const BatchReport report = run();
  EXPECT_EQ(report.refused.count(2), 1U);
  EXPECT_THAT(cluster.deleted, IsEmpty());
}

TEST_F(BatchEngineTest, WithoutUniqueNamesAnEndedJobIsReplacedWithoutADelete) {
  run_mode();
  cluster.backend_traits.unique_names = false;
  cluster.backend_traits.resubmit_is_idempotent = false;
  request.plan.traits = {2, 3};
  cluster.plans["x-3"] = {2, 2, 0};
  request.plan.stage.policy.retry_delay = Duration{1'000};
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3));
  EXPECT_THAT(cluster.deleted, IsEmpty()) << "an ended Slurm job needs no scancel";
  EXPECT_EQ(creations(3), 3);
  EXPECT_EQ(persisted.traits.at(3).automatic_retries, 2);
  EXPECT_FALSE(persisted.traits.at(3).job_id.empty());
}

TEST_F(BatchEngineTest, AFirstListingThatFailsEndsTheRun) {
  run_mode();
  cluster.list_errors = {make_error(ErrorKind::Backend, "not logged in"),
                         make_error(ErrorKind::Backend, "not logged in"),
                         make_error(ErrorKind::Backend, "not logged in")};
  const BatchReport report = run();
  ASSERT_TRUE(report.fatal.has_value());
  EXPECT_EQ(report.fatal->message, "not logged in");
  EXPECT_THAT(cluster.submitted_specs, IsEmpty());
}

TEST_F(BatchEngineTest, LaterListingFailuresAreRiddenOut) {
  run_mode();
  request.plan.traits = {2};
  int listings = 0;
  cluster.before_list = [&listings](FakeBackend& fake) {
    if (++listings == 2) {
      for (int i = 0; i < 5; ++i) {  // more than one cycle's call retries
        fake.list_errors.push_back(make_error(ErrorKind::Transient, "Something went wrong"));
      }
    }
    fake.advance_all();
  };
  const BatchReport report = run();
  EXPECT_FALSE(report.fatal.has_value());
  EXPECT_THAT(report.completed, ElementsAre(2));
  EXPECT_GE(observer.count(EventKind::ListingFailed), 1);
}

TEST_F(BatchEngineTest, AStopRequestEndsTheRunAsInterrupted) {
  run_mode();
  cluster.before_list = [this](FakeBackend& fake) {
    fake.advance_all();
    if (fake.list_calls == 2) {
      cancel.request_stop();
    }
  };
  const BatchReport report = run();
  EXPECT_TRUE(report.interrupted);
  EXPECT_FALSE(report.fatal.has_value());
}

TEST_F(BatchEngineTest, ABurstOfMountFailuresHalvesTheCapAndItIsKept) {
  run_mode();
  request.plan.traits = {2, 3, 4, 5, 6, 7, 8, 9};
  request.plan.max_concurrent = 4;
  request.plan.stage.policy.max_retries = 1;
  request.adaptive.window = 4;
  request.adaptive.burst = 2;
  request.adaptive.healthy_run = 100;
  for (int trait : {2, 3, 4, 5}) {
    cluster.plans[job_name("x", trait)] = {2, 0};
  }
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 8U);
  EXPECT_EQ(effective_cap(report.cap), 2) << "halved once per burst";
  EXPECT_EQ(report.cap.maximum, 4);
  ASSERT_TRUE(persisted.cap.has_value());
  EXPECT_EQ(effective_cap(*persisted.cap), 2) << "the next run resumes at the lowered cap";
  EXPECT_GE(observer.count(EventKind::CapChanged), 1);
}

TEST_F(BatchEngineTest, ACapRequestIsTakenAtTheNextCycle) {
  run_mode();
  request.plan.max_concurrent = 4;
  bool asked = false;
  const CapRequest written{1, false, clock.now(), 42};  // what `traitctl cap 1` left in the file
  request.poll_cap_request = [&]() -> Result<std::optional<CapRequest>> {
    if (cluster.list_calls < 2) {
      return std::optional<CapRequest>{};
    }
    asked = true;
    return std::optional<CapRequest>(written);
  };
  int most_active_after = 0;
  cluster.before_list = [&](FakeBackend& fake) {
    fake.advance_all();
    if (asked) {
      most_active_after = std::max(most_active_after, fake.active_with_prefix("x"));
    }
  };
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5, 6, 7));
  EXPECT_EQ(report.cap.maximum, 1);
  EXPECT_LE(most_active_after, 4) << "the jobs already in flight go on";
  EXPECT_EQ(observer.count(EventKind::CapChanged), 1) << "applied once";
}

TEST_F(BatchEngineTest, TheFailureBudgetStopsNewSubmissions) {
  run_mode();
  request.plan.max_concurrent = 1;
  request.plan.max_config_errors = 2;
  for (int trait = 2; trait <= 7; ++trait) {
    cluster.plans[job_name("x", trait)] = {1};
  }
  const BatchReport report = run();
  ASSERT_TRUE(report.submission_stop.has_value());
  EXPECT_EQ(report.submission_stop->failure, FailureClass::Config);
  EXPECT_EQ(report.submission_stop->first_failures.size(), 2U);
  EXPECT_THAT(report.submitted, ElementsAre(2, 3)) << "no third trait wasted";
  EXPECT_THAT(report.not_started, ElementsAre(4, 5, 6, 7));
  EXPECT_EQ(observer.count(EventKind::SubmissionStopped), 1);
}

TEST_F(BatchEngineTest, TheResourceBudgetHoldsWithJobsOfMixedSize) {
  run_mode();
  request.plan.traits = {2, 3, 4, 5, 6, 7, 8, 9};
  request.plan.max_concurrent = 8;
  request.plan.budget.cpu = 30;
  // Even traits ask for 12 cores, odd ones for 4.
  request.plan.size_of = [](int trait, const TraitRecord& /*record*/) {
    return JobSize{trait % 2 == 0 ? 12.0 : 4.0, 0};
  };
  int most_cores = 0;
  cluster.before_list = [&](FakeBackend& fake) {
    int cores = 0;
    for (const auto& job : fake.jobs) {
      if (holds_slot(job.state)) {
        cores += (*batch_trait("x", job.name) % 2 == 0) ? 12 : 4;
      }
    }
    most_cores = std::max(most_cores, cores);
    fake.advance_all();
  };
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 8U);
  EXPECT_LE(most_cores, 30);
  EXPECT_GT(most_cores, 12) << "more than one job at a time";
}

// A backend that says at once when something changed, as local processes do.
class EventCluster : public Cluster {
 public:
  bool wait_for_change(Clock& clock, Duration /*timeout*/, const CancelToken& cancel) override {
    clock.sleep_for(Duration{10}, cancel);
    return true;
  }
};

TEST(BatchEngineEvents, AWokenLoopNeverWaitsThePollInterval) {
  EventCluster cluster;
  FakeClock clock;
  CancelToken cancel;
  BatchObserver observer;
  BatchRequest request;
  request.plan.prefix = "x";
  request.plan.traits = {2, 3, 4, 5};
  request.plan.max_concurrent = 1;
  request.plan.poll_interval = Duration{30'000};
  request.plan.stage.mode = BatchMode{true, true, true, {}, false, false, true};
  request.job_for = [](int trait, int /*attempt*/, const TraitRecord& /*record*/) {
    JobSpec spec;
    spec.name = job_name("x", trait);
    spec.trait = trait;
    return spec;
  };
  request.save_ledger = [](const Ledger& /*ledger*/, const std::set<int>& /*touched*/) -> Result<void> {
    return {};
  };
  Ledger ledger{"p", "x", std::nullopt, {}, std::nullopt, std::nullopt};
  const TimePoint start = clock.now();
  const BatchReport report = run_batch(cluster, clock, cancel, request, ledger, observer);
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5));
  EXPECT_LT(clock.now() - start, Duration{30'000}) << "waited a poll interval instead of the event";
}

}  // namespace
}  // namespace traitctl::batch_engine_tests
