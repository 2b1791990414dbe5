#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/retry_engine.hpp"

namespace traitctl {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using ::testing::IsEmpty;

FailureEvidence evidence_of(int code, std::optional<std::string> log) {
  FailureEvidence evidence;
  evidence.exit_code = code;
  evidence.log = std::move(log);
  return evidence;
}

// Jobs run one listing each and end with the exit code planned for their
// attempt (the last code repeats).
class PlannedBackend : public FakeBackend {
 public:
  PlannedBackend() {
    before_list = [this](FakeBackend& fake) {
      for (auto& [name, job] : fake.jobs) {
        if (job.status == "Pending") {
          job.status = "Running";
        } else if (job.status == "Running") {
          const auto& codes = plans[name];
          const int code =
              codes.empty()
                  ? 0
                  : codes[std::min<std::size_t>(codes.size(), static_cast<std::size_t>(job.submissions)) - 1];
          job.status = code == 0 ? "Completed" : "Failed";
          evidence[name] =
              evidence_of(code, code == 2 ? "INFRASTRUCTURE MOUNT FAILURE" : "Missing required files");
        }
      }
    };
  }
  std::map<std::string, std::vector<int>> plans;
};

class RetryEngineTest : public ::testing::Test {
 protected:
  RetryEngineTest() {
    request.prefix = "x";
    request.max_concurrent = 2;
    request.poll_interval = Duration{1'000};
    request.confirm_interval = Duration{100};
    request.submit_retry.delay = Duration{10};
    request.job_for = [](int trait, int attempt) {
      JobSpec spec;
      spec.name = job_name("x", trait);
      spec.trait = trait;
      spec.environment = {{"TRAITCTL_ATTEMPT", std::to_string(attempt)}};
      return spec;
    };
    request.save_ledger = [this](const Ledger& saved) -> Result<void> {
      ++saves;
      persisted = saved;
      return {};
    };
  }

  RetryReport supervise() { return supervise(observer); }
  RetryReport supervise(RetryObserver& watcher) {
    Ledger ledger = persisted;
    return supervise_batch(backend, clock, cancel, request, ledger, watcher);
  }

  void fail_now(int trait, int code) {
    const std::string name = job_name("x", trait);
    backend.jobs[name] = {"Failed", 1};
    backend.creations[name] = 1;
    backend.evidence[name] = evidence_of(code, std::nullopt);
  }

  PlannedBackend backend;
  FakeClock clock;
  CancelToken cancel;
  RetryObserver observer;
  RetryRequest request;
  Ledger persisted{"p", "x", std::nullopt, {}};
  int saves = 0;
};

TEST_F(RetryEngineTest, AMountFailureThatHealsCompletesAfterTwoRetriesInWatchMode) {
  request.traits = {2};
  request.watch = true;
  backend.plans["x-2"] = {2, 2, 0};
  fail_now(2, 2);
  const auto report = supervise();
  EXPECT_EQ(backend.jobs["x-2"].status, "Completed");
  EXPECT_EQ(backend.jobs["x-2"].submissions, 3);
  EXPECT_THAT(report.succeeded_after_retry, ElementsAre(2));
  EXPECT_EQ(persisted.traits.at(2).automatic_retries, 2);
  // The second retry waited out its backoff (30 s) on the injected clock.
  EXPECT_EQ(backend.submitted_specs.back().environment.front().second, "3");
}

TEST_F(RetryEngineTest, AlwaysFailingTraitIsRetriedExactlyMaxRetriesOverManyRuns) {
  request.traits = {2};
  backend.plans["x-2"] = {2};
  fail_now(2, 2);
  for (int run = 0; run < 5; ++run) {
    (void)supervise();
    for (int step = 0; step < 3; ++step) {  // let the resubmitted job fail again
      (void)backend.list_workloads();
    }
    clock.advance(Duration{600'000});
  }
  EXPECT_EQ(backend.submitted_specs.size(), 3u);
  EXPECT_TRUE(persisted.traits.at(2).out_of_retries);
}

TEST_F(RetryEngineTest, ConfigurationErrorsOomAndUnknownFailuresAreNeverDeleted) {
  request.traits = {2, 3, 4};
  fail_now(2, 1);
  fail_now(3, 137);
  backend.evidence["x-3"].log = "Killed";
  backend.jobs["x-4"] = {"Failed", 1};  // no evidence at all
  const auto report = supervise();
  EXPECT_THAT(backend.deleted, IsEmpty());
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
  EXPECT_EQ(report.not_retryable.at(2), "configuration error, manual fix needed");
  EXPECT_EQ(report.by_class.at(FailureClass::Oom), 1);  // exit 137 decides; the log is not read
  EXPECT_EQ(report.by_class.at(FailureClass::Unknown), 1);
}

TEST_F(RetryEngineTest, DryRunTouchesNothing) {
  request.traits = {2};
  request.dry_run = true;
  fail_now(2, 2);
  const auto report = supervise();
  EXPECT_THAT(report.would_retry, ElementsAre(2));
  EXPECT_THAT(backend.deleted, IsEmpty());
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
  EXPECT_EQ(saves, 0);
}

TEST_F(RetryEngineTest, AnInterruptedRetryIsCompletedByTheNextRunWithoutCountingTwice) {
  request.traits = {2};
  // A previous run recorded its intent and deleted the job, then died.
  persisted.traits[2].automatic_retries = 1;
  persisted.traits[2].pending = PendingIntent{IntentKind::Automatic, 2, clock.now()};
  const auto report = supervise();
  EXPECT_THAT(report.retried, ElementsAre(2));
  ASSERT_EQ(backend.submitted_specs.size(), 1u);
  EXPECT_EQ(backend.submitted_specs.front().environment.front().second, "2");
  EXPECT_EQ(persisted.traits.at(2).automatic_retries, 1);
  EXPECT_FALSE(persisted.traits.at(2).pending.has_value());
}

// Ctrl-C waits for the call in flight, not for the rest of the cycle: with
// many failed jobs, classifying and deleting them all would outlast it.
TEST_F(RetryEngineTest, AStopRequestMidCycleMakesNoFurtherCall) {
  request.traits = {2, 3, 4};
  for (int trait : {2, 3, 4}) {
    fail_now(trait, 2);
  }
  struct StopAtFirstClassification : RetryObserver {
    explicit StopAtFirstClassification(CancelToken& token) : cancel(token) {}
    void on_classified(const BatchJob& /*job*/, FailureClass /*failure*/) override { cancel.request_stop(); }
    CancelToken& cancel;
  } stopping{cancel};
  Ledger ledger = persisted;
  const auto report = supervise_batch(backend, clock, cancel, request, ledger, stopping);
  EXPECT_TRUE(report.interrupted);
  EXPECT_EQ(report.failed_found, 1);
  EXPECT_EQ(backend.list_calls, 1);
  EXPECT_THAT(backend.deleted, IsEmpty());
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
  EXPECT_FALSE(ledger.traits[2].pending.has_value()) << "an intent counted for a retry never started";
}

TEST_F(RetryEngineTest, ResubmissionsRespectTheCap) {
  request.traits = {2, 3, 4, 5};
  backend.jobs["x-9"] = {"Running", 1};
  backend.jobs["x-2"] = {"Running", 1};
  backend.plans["x-2"] = {0};
  backend.plans["x-9"] = {0};
  for (int trait : {3, 4, 5}) {
    fail_now(trait, 2);
  }
  const auto report = supervise();
  EXPECT_THAT(report.retried, ElementsAre(3, 4, 5));
  EXPECT_LE(backend.max_active_seen, 2);
}

TEST_F(RetryEngineTest, NoWaitLeavesBackoffsForALaterRun) {
  request.traits = {2};
  request.wait_for_backoff = false;
  persisted.traits[2].automatic_retries = 1;
  fail_now(2, 2);
  const auto report = supervise();
  EXPECT_EQ(report.deferred.size(), 1u);
  EXPECT_THAT(backend.submitted_specs, IsEmpty());
}

TEST_F(RetryEngineTest, RunModeSubmitsNewTraitsAndSettlesTheBatch) {
  request.traits = {2, 3, 4, 5, 6};
  request.watch = true;
  request.submit_new = true;
  backend.plans["x-4"] = {2, 0};
  backend.plans["x-5"] = {1};
  const auto report = supervise();
  EXPECT_THAT(report.submitted, ElementsAre(2, 3, 4, 5, 6));
  EXPECT_THAT(report.retried, ElementsAre(4));
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 6));
  EXPECT_EQ(report.not_retryable.size(), 1u);
  EXPECT_LE(backend.max_active_seen, 2);
}

// A run that lasts hours outlives a cluster that fails for a while: what
// failed after its own retries is tried again at the next cycle.
TEST_F(RetryEngineTest, RunModeSubmitsAgainNextCycleWhatFailedToSubmit) {
  request.traits = {2, 3};
  request.watch = true;
  request.submit_new = true;
  request.parallel_submits = 1;
  request.submit_retry.attempts = 1;
  backend.submit_errors = {Error{ErrorKind::Backend, "i/o timeout"}};
  struct Submissions : RetryObserver {
    void on_submitting(const JobSpec& spec) override { tried.push_back(spec.trait); }
    void on_submitted(int trait) override { created.push_back(trait); }
    std::vector<int> tried;
    std::vector<int> created;
  } submissions;
  const auto report = supervise(submissions);
  EXPECT_THAT(report.submitted, ElementsAre(2, 3));
  EXPECT_THAT(report.submission_failures, IsEmpty());
  EXPECT_EQ(backend.creations["x-2"], 1);
  EXPECT_EQ(backend.jobs["x-2"].status, "Completed");
  // Reported as submitted once the job exists, not when the failed call began.
  EXPECT_THAT(submissions.tried, ElementsAre(2, 3, 2));
  EXPECT_THAT(submissions.created, ElementsAre(3, 2));
}

TEST_F(RetryEngineTest, RunModeCountsASubmitThatFailedButCreatedItsJobOnce) {
  request.traits = {2, 3};
  request.watch = true;
  request.submit_new = true;
  request.parallel_submits = 1;
  request.submit_retry.attempts = 1;
  backend.ghost_submits = true;
  backend.submit_errors = {Error{ErrorKind::Backend, "i/o timeout"}};
  const auto report = supervise();
  EXPECT_THAT(report.submitted, ElementsAre(2, 3));
  EXPECT_THAT(report.submission_failures, IsEmpty());
  EXPECT_EQ(backend.creations["x-2"], 1);
}

TEST_F(RetryEngineTest, WatchingOutlivesFailedListingsButNotThreeCyclesInARow) {
  request.traits = {2};
  request.watch = true;
  request.submit_retry.attempts = 1;
  backend.plans["x-2"] = {2, 0};
  fail_now(2, 2);
  backend.list_errors.assign(2, Error{ErrorKind::Backend, "i/o timeout"});
  const auto recovered = supervise();
  EXPECT_FALSE(recovered.fatal.has_value());
  EXPECT_THAT(recovered.succeeded_after_retry, ElementsAre(2));

  backend.list_errors.assign(3, Error{ErrorKind::Backend, "i/o timeout"});
  const auto given_up = supervise();
  ASSERT_TRUE(given_up.fatal.has_value());
  EXPECT_EQ(given_up.fatal->message, "i/o timeout");
}

// Ctrl-C reaches the runai child too: the listing it cut short is an
// interruption (exit 130), not a cluster failure (exit 1).
TEST_F(RetryEngineTest, AListingCutShortByAStopRequestIsAnInterruption) {
  request.traits = {2};
  fail_now(2, 2);
  backend.before_list = [&](FakeBackend& fake) {
    if (fake.list_calls == 1) {
      cancel.request_stop();
      fake.list_errors.assign(1, Error{ErrorKind::Backend, "signal: interrupt"});
    }
  };
  const auto report = supervise();
  EXPECT_TRUE(report.interrupted);
  EXPECT_FALSE(report.fatal.has_value());
}

}  // namespace
}  // namespace traitctl
