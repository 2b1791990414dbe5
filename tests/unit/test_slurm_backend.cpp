// SlurmBackend over stand-ins for Slurm's commands: what the batch sees of
// Slurm's states, what a job is submitted with, and how the record keeps
// listings complete once the controller forgets a job (MinJobAge).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support/fake_clock.hpp"
#include "support/fake_slurm.hpp"
#include "support/fixture_file.hpp"
#include "support/temp_folder.hpp"
#include "traitctl/adapters/slurm_backend.hpp"

namespace traitctl::slurm_backend_tests {
namespace {

namespace fs = std::filesystem;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

constexpr const char* kPrefix = "gapit3-trait";

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

SlurmJobDetails details_of(const std::string& name) {
  auto details = parse_scontrol_job(slurm_fixture(name), "");
  EXPECT_TRUE(details.ok()) << details.error().message;
  return details.ok() ? *details : SlurmJobDetails{};
}

FailureClass class_of(const SlurmJobDetails& details) {
  return classify_failure(slurm_failure_evidence(details), ClassifierPolicy{}).failure;
}

TEST(SlurmWorkload, MapsSlurmsStateAndKeepsItsWordAndReason) {
  EXPECT_EQ(slurm_workload({"8", "t-10", "RUNNING", "None"}),
            (Workload{"t-10", JobState::Running, "RUNNING", "8", ""}));
  EXPECT_EQ(slurm_workload({"9", "t-11", "PENDING", "Priority"}),
            (Workload{"t-11", JobState::Pending, "PENDING", "9", "Priority"}));
  EXPECT_EQ(slurm_workload({"3", "t-4", "OUT_OF_MEMORY", "OutOfMemory"}).state, JobState::Failed);
  EXPECT_EQ(slurm_workload({"4", "t-5", "CANCELLED", "None"}).state, JobState::Stopped);
  EXPECT_EQ(slurm_workload({"5", "t-6", "COMPLETING", "None"}).state, JobState::OtherActive);
}

TEST(SlurmWorkload, AJobPendingForAReasonThatNeverClearsIsFailed) {
  EXPECT_EQ(slurm_workload({"5", "t-6", "PENDING", "PartitionConfig"}),
            (Workload{"t-6", JobState::Failed, "PENDING", "5", "PartitionConfig"}));
  // Waiting for nodes that are down is waited on.
  EXPECT_EQ(slurm_workload({"6", "t-7", "PENDING", "ReqNodeNotAvail, UnavailableNodes:n1"}).state,
            JobState::Pending);
}

TEST(SlurmFailureEvidence, GivesTheCodeTheSignalAndTheStateWithSlurmsReason) {
  const FailureEvidence exit_2 = slurm_failure_evidence(details_of("scontrol-exit-2.txt"));
  EXPECT_EQ(exit_2.exit_code, 2);
  EXPECT_EQ(exit_2.signal, std::nullopt);
  EXPECT_EQ(exit_2.reason, "FAILED, NonZeroExitCode");
  const FailureEvidence killed = slurm_failure_evidence(details_of("scontrol-over-memory.txt"));
  EXPECT_EQ(killed.exit_code, 0);
  EXPECT_EQ(killed.signal, 9);
}

TEST(SlurmFailureEvidence, ClassifiesEachWayAJobEnds) {
  EXPECT_EQ(class_of(details_of("scontrol-exit-2.txt")), FailureClass::Mount);
  // Over --mem without cgroups: SIGKILL; with cgroups Slurm says OUT_OF_MEMORY.
  EXPECT_EQ(class_of(details_of("scontrol-over-memory.txt")), FailureClass::Oom);
  EXPECT_EQ(class_of(details_of("scontrol-out-of-memory-cgroup.txt")), FailureClass::Oom);
  EXPECT_EQ(class_of(details_of("scontrol-timeout.txt")), FailureClass::Timeout);
  EXPECT_EQ(class_of(details_of("scontrol-partition-config.txt")), FailureClass::Config);
  EXPECT_EQ(class_of(details_of("scontrol-bad-constraints.txt")), FailureClass::Config);
  SlurmJobDetails node_fail = details_of("scontrol-exit-2.txt");
  node_fail.state = "NODE_FAIL";
  node_fail.reason = "NodeDown";
  node_fail.exit_code = 0;
  EXPECT_EQ(class_of(node_fail), FailureClass::Infrastructure);
  node_fail.state = "PREEMPTED";
  EXPECT_EQ(class_of(node_fail), FailureClass::Infrastructure);
}

TEST(SlurmFailureEvidence, AJobQueuedForGoodNamesTheScancelThatEndsIt) {
  const FailureEvidence pending = slurm_failure_evidence(details_of("scontrol-partition-config.txt"));
  EXPECT_EQ(pending.reason,
            "Unsatisfiable: PENDING, PartitionConfig; job 5 stays queued until cancelled (scancel 5)");
  EXPECT_EQ(pending.exit_code, std::nullopt);  // it has not ended: ExitCode=0:0 means nothing
  // Refused at submission, it left a FAILED record: nothing to cancel.
  EXPECT_EQ(slurm_failure_evidence(details_of("scontrol-bad-constraints.txt")).reason,
            "Unsatisfiable: FAILED, BadConstraints");
}

// A SlurmBackend over stand-ins, with its state folder.
class SlurmBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Accounting is off, as on the test cluster: scontrol answers.
    slurm_.program("sacct", "", slurm_fixture("sacct-disabled.stderr"), 1);
    slurm_.program("scontrol", "", slurm_fixture("scontrol-invalid-job-id.stderr"), 1);
    // sbatch numbers jobs from 101 and keeps its arguments and environment per job.
    slurm_.script("sbatch", "n=$(cat \"" + counter().string() +
                                "\" 2>/dev/null || echo 100); n=$((n + 1)); echo $n > \"" +
                                counter().string() + "\"\nprintf '%s\\n' \"$@\" > \"" +
                                (slurm_.dir() / "sbatch.argv.").string() + "$n\"\nenv > \"" +
                                (slurm_.dir() / "sbatch.env.").string() + "$n\"\necho \"$n\"\n");
    list("");
  }

  [[nodiscard]] fs::path counter() const { return slurm_.dir() / "sbatch.counter"; }
  void list(const std::string& squeue_output) { slurm_.program("squeue", squeue_output); }

  [[nodiscard]] SlurmBackendOptions options() const {
    SlurmBackendOptions options;
    options.slurm.bin_dir = slurm_.dir();
    options.state_dir = state_.path();
    options.project = "lab";
    options.prefix = kPrefix;
    options.command = {"/opt/gwas/run-trait.sh", "--fast"};
    return options;
  }
  [[nodiscard]] std::unique_ptr<SlurmBackend> open(SlurmBackendOptions options) {
    auto backend = SlurmBackend::open(std::move(options), clock_, cancel_);
    EXPECT_TRUE(backend.ok()) << backend.error().message;
    return backend.ok() ? std::move(*backend) : nullptr;
  }
  [[nodiscard]] std::unique_ptr<SlurmBackend> open() { return open(options()); }

  [[nodiscard]] static JobSpec spec(int trait, int attempt) {
    JobSpec spec;
    spec.name = std::string(kPrefix) + "-" + std::to_string(trait);
    spec.trait = trait;
    spec.cpu = "2";
    spec.memory = "32Gi";
    spec.data_path_host = "/shared/data";
    spec.output_path_host = "/shared/out";
    spec.environment = {{"TRAIT_INDEX", std::to_string(trait)},
                        {"DATA_PATH", "/data"},
                        {"GENOTYPE_FILE", "/data/genotype/g.hmp.txt"},
                        {"MODEL", "BLINK,FarmCPU"}};
    if (attempt > 1) {
      spec.environment.emplace_back("TRAITCTL_ATTEMPT", std::to_string(attempt));
    }
    spec.command = {"/scripts/entrypoint.sh", "run-single-trait"};
    return spec;
  }

  std::vector<Workload> listing(SlurmBackend& backend) {
    auto listed = backend.list_workloads();
    EXPECT_TRUE(listed.ok()) << listed.error().message;
    return listed.ok() ? *listed : std::vector<Workload>{};
  }

  std::string submit(SlurmBackend& backend, int trait, int attempt = 1) {
    auto receipt = backend.submit(spec(trait, attempt));
    EXPECT_TRUE(receipt.ok()) << receipt.error().message;
    return receipt.ok() ? receipt->id : "";
  }

  [[nodiscard]] std::string sbatch_file(const std::string& kind, const std::string& id) const {
    return read_text(slurm_.dir() / ("sbatch." + kind + "." + id));
  }

  testing::FakeSlurm slurm_;
  testing::TempFolder state_{"traitctl-slurm-state"};
  testing::FakeClock clock_;
  CancelToken cancel_;
};

TEST_F(SlurmBackendTest, NamesRepeatAndALostAnswerIsNeverSentAgainBlind) {
  auto backend = open();
  EXPECT_FALSE(backend->traits().unique_names);
  EXPECT_FALSE(backend->traits().resubmit_is_idempotent);
}

TEST_F(SlurmBackendTest, SubmitsTheCommandWithTheHostEnvironmentAndALogPerAttempt) {
  auto backend = open();
  const std::string id = submit(*backend, 5, 2);
  ASSERT_EQ(id, "101");
  const std::string argv = sbatch_file("argv", id);
  const fs::path log = state_.path() / "logs" / "gapit3-trait-5.attempt-2.log";
  EXPECT_THAT(argv, HasSubstr("--job-name\ngapit3-trait-5\n--cpus-per-task\n2\n--mem\n32G\n--output\n" +
                              log.string() + "\n"));
  EXPECT_THAT(argv, HasSubstr("--export=ALL\n"));
  const std::string environment = sbatch_file("env", id);
  EXPECT_THAT(environment, HasSubstr("\nDATA_PATH=/shared/data\n"));
  EXPECT_THAT(environment, HasSubstr("\nGENOTYPE_FILE=/shared/data/genotype/g.hmp.txt\n"));
  EXPECT_THAT(environment, HasSubstr("\nMODEL=BLINK,FarmCPU\n"));
  EXPECT_THAT(environment, HasSubstr("\nTRAITCTL_ATTEMPT=2\n"));
  const fs::path script = state_.path() / "slurm" / "lab" / "scripts" / "gapit3-trait-5.sh";
  EXPECT_THAT(read_text(script), HasSubstr("exec '/opt/gwas/run-trait.sh' '--fast'\n"));
  EXPECT_TRUE(fs::exists(log));
  // The same attempt again (its first answer was lost) keeps both logs.
  ASSERT_EQ(submit(*backend, 5, 2), "102");
  EXPECT_THAT(sbatch_file("argv", "102"), HasSubstr("gapit3-trait-5.attempt-2-2.log\n"));
}

TEST_F(SlurmBackendTest, ListsOnlyTheBatchsJobsNewestOfANameLast) {
  list(slurm_fixture("squeue-states.txt"));
  auto backend = open();
  const auto jobs = listing(*backend);
  std::vector<std::string> ids;
  for (const auto& job : jobs) {
    EXPECT_TRUE(job.name.starts_with("gapit3-trait-")) << job.name;
    ids.push_back(job.id);
  }
  EXPECT_THAT(ids, ElementsAre("1", "2", "3", "4", "5", "6", "8", "12", "13", "16"));
  // Job 13 is trait 3's resubmission; job 5 pends for good.
  EXPECT_EQ(jobs[1], (Workload{"gapit3-trait-3", JobState::Failed, "FAILED", "2", "NonZeroExitCode"}));
  EXPECT_EQ(jobs[8], (Workload{"gapit3-trait-3", JobState::Running, "RUNNING", "13", ""}));
  EXPECT_EQ(jobs[4].state, JobState::Failed);
  EXPECT_THAT(slurm_.calls(), ElementsAre("squeue"));  // every job was listed: nothing else to ask
}

TEST_F(SlurmBackendTest, AJobTheControllerForgotKeepsItsRecordedEnd) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 2), "101");
  list("101|gapit3-trait-2|COMPLETED|None\n");
  EXPECT_EQ(listing(*backend).at(0).state, JobState::Succeeded);
  list("");  // purged after MinJobAge
  const auto jobs = listing(*backend);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0], (Workload{"gapit3-trait-2", JobState::Succeeded, "COMPLETED", "101", ""}));
  // Another traitctl later, on the same state folder, knows it too.
  auto later = open();
  EXPECT_EQ(listing(*later).at(0).state, JobState::Succeeded);
  EXPECT_THAT(slurm_.calls(), Not(Contains("scontrol")));
}

TEST_F(SlurmBackendTest, AJobLastSeenActiveIsLookedUpOnceSqueueDropsIt) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 3), "101");
  list("101|gapit3-trait-3|RUNNING|None\n");
  EXPECT_EQ(listing(*backend).at(0).state, JobState::Running);
  list("");
  std::string ended = slurm_fixture("scontrol-exit-2.txt");
  ended.replace(ended.find("JobId=2 "), 8, "JobId=101 ");
  slurm_.program("scontrol", ended, "", 0, "101");
  const auto jobs = listing(*backend);
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0], (Workload{"gapit3-trait-3", JobState::Failed, "FAILED", "101", "NonZeroExitCode"}));
  EXPECT_THAT(slurm_.calls_with_arguments(), Contains("scontrol show job -o 101"));
}

TEST_F(SlurmBackendTest, AJobForgottenBeforeAnyoneSawItEndIsPurged) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 4), "101");
  const auto jobs = listing(*backend);  // squeue and scontrol know nothing of it
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].state, JobState::Failed);
  EXPECT_EQ(jobs[0].status, purged_status);
  EXPECT_THAT(jobs[0].reason, HasSubstr("MinJobAge"));
  EXPECT_THAT(jobs[0].reason, HasSubstr("no accounting"));
}

TEST_F(SlurmBackendTest, AListingThatCannotLookUpAForgottenJobIsAnError) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 4), "101");
  slurm_.program("scontrol", "", slurm_fixture("squeue-controller-down.stderr"), 1);
  const auto listed = backend->list_workloads();
  ASSERT_FALSE(listed.ok());
  EXPECT_THAT(listed.error().message, HasSubstr("could not reach the Slurm controller"));
}

TEST_F(SlurmBackendTest, RemovingAnEndedJobCancelsNothingAndHidesTheName) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 2), "101");
  ASSERT_EQ(submit(*backend, 2, 2), "102");
  list("101|gapit3-trait-2|FAILED|NonZeroExitCode\n102|gapit3-trait-2|COMPLETED|None\n");
  const auto jobs = listing(*backend);
  ASSERT_EQ(jobs.size(), 2U);
  const auto removed = backend->remove(jobs[1]);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, DeleteOutcome::Deleted);
  EXPECT_THAT(listing(*backend), IsEmpty());  // the older failed attempt with it
  list("");
  EXPECT_THAT(listing(*backend), IsEmpty());
  EXPECT_THAT(slurm_.calls(), Not(Contains("scancel")));
}

TEST_F(SlurmBackendTest, RemovingAnActiveJobCancelsItAndWaitsForSqueueToShowIt) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 6), "101");
  list("101|gapit3-trait-6|RUNNING|None\n");
  const Workload running = listing(*backend).at(0);
  // squeue shows the job running once more, then cancelled.
  const fs::path after = slurm_.dir() / "after-scancel";
  std::ofstream(after) << "101|gapit3-trait-6|CANCELLED|None\n";
  slurm_.script("scancel", "cp '" + after.string() + "' '" + (slurm_.dir() / "squeue.out").string() + "'\n");
  const auto removed = backend->remove(running);
  ASSERT_TRUE(removed.ok()) << removed.error().message;
  EXPECT_EQ(*removed, DeleteOutcome::Deleted);
  EXPECT_THAT(slurm_.calls_with_arguments(), Contains("scancel 101"));
  EXPECT_THAT(listing(*backend), IsEmpty());
}

TEST_F(SlurmBackendTest, ACancelSqueueNeverConfirmsIsAnError) {
  auto options = this->options();
  options.cancel_confirmation = Duration{1'000};
  auto backend = open(options);
  ASSERT_EQ(submit(*backend, 6), "101");
  list("101|gapit3-trait-6|RUNNING|None\n");
  slurm_.program("scancel", "");
  const auto removed = backend->remove(listing(*backend).at(0));
  ASSERT_FALSE(removed.ok());
  EXPECT_THAT(removed.error().message,
              HasSubstr("`scancel 101` was sent, but squeue still shows the job RUNNING"));
  EXPECT_EQ(listing(*backend).size(), 1U);
}

TEST_F(SlurmBackendTest, AJobQueuedForGoodIsCancelledWhenCleanedUp) {
  list("7|gapit3-trait-9|PENDING|PartitionConfig\n");
  slurm_.program("scancel", "");
  auto backend = open();
  const Workload stuck = listing(*backend).at(0);
  EXPECT_EQ(stuck.state, JobState::Failed);
  list("7|gapit3-trait-9|CANCELLED|PartitionConfig\n");
  ASSERT_TRUE(backend->remove(stuck).ok());
  EXPECT_THAT(slurm_.calls_with_arguments(), Contains("scancel 7"));
}

TEST_F(SlurmBackendTest, FailureEvidenceHasSlurmsAnswerAndTheLog) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 4), "101");
  std::ofstream(state_.path() / "logs" / "gapit3-trait-4.attempt-1.log")
      << "loading\nslurmstepd-vm: error: Exceeded job memory limit\n";
  std::string killed = slurm_fixture("scontrol-over-memory.txt");
  killed.replace(killed.find("JobId=3 "), 8, "JobId=101 ");
  slurm_.program("scontrol", killed, "", 0, "101");
  const auto evidence =
      backend->failure_evidence(Workload{"gapit3-trait-4", JobState::Failed, "FAILED", "101", ""});
  ASSERT_TRUE(evidence.ok()) << evidence.error().message;
  EXPECT_EQ(evidence->signal, 9);
  EXPECT_EQ(evidence->reason, "FAILED, JobLaunchFailure");
  EXPECT_THAT(evidence->log.value_or(""), HasSubstr("Exceeded job memory limit"));
  EXPECT_EQ(classify_failure(*evidence, ClassifierPolicy{}).failure, FailureClass::Oom);
}

TEST_F(SlurmBackendTest, KeepsEveryAttemptsLog) {
  auto backend = open();
  ASSERT_EQ(submit(*backend, 2), "101");
  ASSERT_EQ(submit(*backend, 2, 2), "102");
  std::ofstream(state_.path() / "logs" / "gapit3-trait-2.attempt-1.log") << "first\n";
  std::ofstream(state_.path() / "logs" / "gapit3-trait-2.attempt-2.log") << "second\n";
  const Workload current{"gapit3-trait-2", JobState::Running, "RUNNING", "102", ""};
  EXPECT_EQ(backend->job_log(current, 0)->text, "second\n");
  EXPECT_EQ(backend->job_log(current, 1)->text, "first\n");
  const auto missing = backend->job_log(current, 3);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
}

TEST_F(SlurmBackendTest, ReusesTheRecordedCommandAndRefusesToSubmitWithoutOne) {
  auto without = options();
  without.command.clear();
  without.require_command = true;
  const auto refused = SlurmBackend::open(without, clock_, cancel_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().kind, ErrorKind::Usage);
  EXPECT_THAT(refused.error().message, HasSubstr("after `--`"));

  ASSERT_EQ(submit(*open(), 2), "101");
  auto reused = open(without);  // e.g. `resubmit`, which takes no command
  ASSERT_NE(reused, nullptr);
  ASSERT_EQ(submit(*reused, 3), "102");
  EXPECT_THAT(read_text(state_.path() / "slurm" / "lab" / "scripts" / "gapit3-trait-3.sh"),
              HasSubstr("exec '/opt/gwas/run-trait.sh' '--fast'\n"));
}

TEST_F(SlurmBackendTest, AReadOnlyBackendListsButNeitherSubmitsNorWrites) {
  list("8|gapit3-trait-10|RUNNING|None\n");
  auto options = this->options();
  options.read_only = true;
  auto backend = open(options);
  EXPECT_EQ(listing(*backend).size(), 1U);
  EXPECT_EQ(backend->submit(spec(2, 1)).error().kind, ErrorKind::Usage);
  EXPECT_EQ(backend->remove(listing(*backend).at(0)).error().kind, ErrorKind::Usage);
  EXPECT_FALSE(fs::exists(state_.path() / "slurm"));
  EXPECT_FALSE(fs::exists(state_.path() / "lab" / "gapit3-trait.db"));
}

TEST_F(SlurmBackendTest, AListingRecordsNothingForABatchWithoutARecord) {
  list("8|gapit3-trait-10|RUNNING|None\n");
  auto backend = open();
  EXPECT_EQ(listing(*backend).size(), 1U);
  EXPECT_FALSE(fs::exists(state_.path() / "lab" / "gapit3-trait.db"));
}

TEST(SlurmSubmissionPreview, IsTheSbatchOfTheFirstAttempt) {
  SlurmBackendOptions options;
  options.state_dir = "/state";
  options.project = "lab";
  options.slurm.partition = "long";
  JobSpec spec;
  spec.name = "t-2";
  spec.cpu = "4";
  spec.memory = "8G";
  const auto argv = slurm_submission_preview(options, spec);
  ASSERT_TRUE(argv.ok()) << argv.error().message;
  EXPECT_THAT(*argv, ElementsAre("sbatch", "--parsable", "--job-name", "t-2", "--cpus-per-task", "4", "--mem",
                                 "8G", "--output", "/state/logs/t-2.attempt-1.log", "--partition", "long",
                                 "--export=ALL", "/state/slurm/lab/scripts/t-2.sh"));
}

}  // namespace
}  // namespace traitctl::slurm_backend_tests
