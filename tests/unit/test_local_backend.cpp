#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <iterator>
#include <sstream>
#include <thread>
#include <utility>

#include "support/fake_clock.hpp"
#include "traitctl/adapters/local_backend.hpp"
#include "traitctl/config/job_builder.hpp"

namespace traitctl::local_backend_tests {
namespace {

using testing::FakeClock;

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::UnorderedElementsAre;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A local job as its backend lists it.
Workload listed(std::string name, const std::string& status) {
  const JobState state = status == "Running"     ? JobState::Running
                         : status == "Completed" ? JobState::Succeeded
                                                 : JobState::Failed;
  return Workload{std::move(name), state, status, "", ""};
}

Workload named(std::string name) { return Workload{std::move(name), JobState::Unknown, "", "", ""}; }

bool process_gone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

// Whether a live process is left in the group. Zombies do not count: they
// wait for their new parent, and a container's init may be slow to reap them.
bool group_has_live_member(pid_t group) {
  for (const auto& entry : fs::directory_iterator("/proc")) {
    std::ifstream in(entry.path() / "stat");
    std::string stat;
    if (!std::getline(in, stat) || stat.rfind(')') == std::string::npos) {
      continue;
    }
    std::istringstream fields(stat.substr(stat.rfind(')') + 1));
    std::string state;
    pid_t parent = 0;
    pid_t process_group = 0;
    fields >> state >> parent >> process_group;
    if (process_group == group && state != "Z") {
      return true;
    }
  }
  return false;
}

// SIGKILL is delivered asynchronously: allow the group a moment to go (a
// generous deadline: a loaded machine may take seconds).
bool group_gone_soon(pid_t group) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (group_has_live_member(group)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(Duration{20});
  }
  return true;
}

class LocalBackendTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() / fmt::format("traitctl-local-{}-{}", ::getpid(), info->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "outputs");
    // The job dumps its environment, prints a line, waits until the file
    // JOB_HOLD_UNTIL names exists (when set), and exits as its spec says.
    script_ = root_ / "job.sh";
    std::ofstream(script_) << "#!/bin/sh\n"
                              "env > \"$OUTPUT_PATH/env-$TRAIT_INDEX.txt\"\n"
                              "echo \"hello from trait $TRAIT_INDEX\"\n"
                              "if [ -n \"$JOB_IGNORE_TERM\" ]; then trap '' TERM; fi\n"
                              "if [ -n \"$JOB_HOLD_UNTIL\" ]; then\n"
                              "  while [ ! -e \"$JOB_HOLD_UNTIL\" ]; do sleep 0.05; done\n"
                              "fi\n"
                              "exit \"${JOB_EXIT:-0}\"\n";
    fs::permissions(script_, fs::perms::owner_all);
  }
  void TearDown() override { fs::remove_all(root_); }

  [[nodiscard]] LocalOptions options() const {
    LocalOptions options;
    options.state_dir = root_ / "state";
    options.project = "lab";
    options.prefix = "t";
    options.command = {script_.string()};
    options.kill_grace = Duration{300};
    return options;
  }

  std::unique_ptr<LocalBackend> open(const LocalOptions& options) {
    auto backend = LocalBackend::open(options, clock_);
    EXPECT_TRUE(backend.ok()) << backend.error().message;
    return std::move(*backend);
  }

  // trait's JobSpec as `run` builds it, plus variables that steer job.sh.
  [[nodiscard]] JobSpec spec(int trait, std::vector<std::pair<std::string, std::string>> extra = {},
                             int attempt = 1) const {
    BatchSettings settings;
    settings.project = "lab";
    settings.prefix = "t";
    settings.data_path_host = (root_ / "data").string();
    settings.output_path_host = (root_ / "outputs").string();
    JobSpec job = build_job_spec(settings, trait, attempt);
    job.environment.insert(job.environment.end(), extra.begin(), extra.end());
    return job;
  }

  // A job held by this runs until the test creates `release()`, or is stopped.
  [[nodiscard]] std::pair<std::string, std::string> held() const {
    return {"JOB_HOLD_UNTIL", release().string()};
  }
  [[nodiscard]] fs::path release() const { return root_ / "release"; }

  // Polls the backend as `run` does until `name` has ended (a generous deadline).
  static std::string wait_for_end(LocalBackend& backend, const std::string& name) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
      const auto listing = backend.list_workloads();
      EXPECT_TRUE(listing.ok());
      for (const Workload& workload : *listing) {
        if (workload.name == name && workload.status != "Running") {
          return workload.status;
        }
      }
      std::this_thread::sleep_for(Duration{20});
    }
    return "still running";
  }

  static pid_t pid_of(LocalBackend& backend, const std::string& name) {
    const auto jobs = backend.jobs();
    for (const LocalJob& job : *jobs) {
      if (job.name == name) {
        return job.pid;
      }
    }
    return -1;
  }

  fs::path root_;
  fs::path script_;
  FakeClock clock_;
};

TEST_F(LocalBackendTest, TellsAFirstAttemptItsNumberOnce) {
  auto backend = open(options());
  ASSERT_EQ(backend->submit(spec(5))->outcome, SubmitOutcome::Created);
  EXPECT_EQ(wait_for_end(*backend, "t-5"), "Completed");

  const std::string environment = read_file(root_ / "outputs" / "env-5.txt");
  const auto first = environment.find("TRAITCTL_ATTEMPT=");
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(environment.compare(first, 19, "TRAITCTL_ATTEMPT=1\n"), 0);
  EXPECT_EQ(environment.find("TRAITCTL_ATTEMPT=", first + 1), std::string::npos);
}

TEST_F(LocalBackendTest, RunsTheJobWithItsEnvironmentAndTheHostPaths) {
  auto backend = open(options());
  ASSERT_EQ(backend->submit(spec(5, {}, 2))->outcome, SubmitOutcome::Created);
  EXPECT_EQ(wait_for_end(*backend, "t-5"), "Completed");

  const std::string environment = read_file(root_ / "outputs" / "env-5.txt");
  EXPECT_THAT(environment, HasSubstr("TRAIT_INDEX=5\n"));
  EXPECT_THAT(environment, HasSubstr("TRAITCTL_ATTEMPT=2\n"));
  EXPECT_THAT(environment, HasSubstr("MODEL=MLM\n"));
  EXPECT_THAT(environment, HasSubstr("DATA_PATH=" + (root_ / "data").string() + "\n"));
  EXPECT_THAT(environment, HasSubstr("OUTPUT_PATH=" + (root_ / "outputs").string() + "\n"));
  // Files named below the container's /data are found below the host path.
  EXPECT_THAT(environment,
              HasSubstr("PHENOTYPE_FILE=" + (root_ / "data/phenotype/traits.txt").string() + "\n"));
  EXPECT_THAT(read_file(backend->log_dir() / "t-5.log"), HasSubstr("hello from trait 5"));

  const auto jobs = backend->jobs();
  ASSERT_EQ(jobs->size(), 1U);
  EXPECT_EQ(jobs->front().trait, 5);
  EXPECT_EQ(jobs->front().attempt, 2);
  EXPECT_EQ(jobs->front().exit_code, 0);
  EXPECT_EQ(jobs->front().started_at, clock_.now());
}

TEST_F(LocalBackendTest, ListsRunningThenCompletedOrFailedWithTheExitCode) {
  auto backend = open(options());
  ASSERT_TRUE(backend->submit(spec(2, {held()})).ok());
  ASSERT_TRUE(backend->submit(spec(3, {{"JOB_EXIT", "2"}})).ok());
  EXPECT_THAT(*backend->list_workloads(), ::testing::Contains(listed("t-2", "Running")));

  EXPECT_EQ(wait_for_end(*backend, "t-3"), "Failed");
  std::ofstream(release()) << "released\n";
  EXPECT_EQ(wait_for_end(*backend, "t-2"), "Completed");
  EXPECT_THAT(*backend->list_workloads(),
              UnorderedElementsAre(listed("t-2", "Completed"), listed("t-3", "Failed")));

  const auto evidence = backend->failure_evidence(named("t-3"));
  ASSERT_TRUE(evidence.ok());
  EXPECT_EQ(evidence->exit_code, 2);
  EXPECT_FALSE(evidence->timed_out);
  ASSERT_TRUE(evidence->log.has_value());
  EXPECT_THAT(*evidence->log, HasSubstr("hello from trait 3"));

  const auto unknown = backend->failure_evidence(named("t-99"));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->exit_code.has_value());
  EXPECT_FALSE(unknown->log.has_value());
}

TEST_F(LocalBackendTest, ASecondSubmissionOfAJobIsAlreadyExists) {
  auto backend = open(options());
  ASSERT_EQ(backend->submit(spec(4))->outcome, SubmitOutcome::Created);
  EXPECT_EQ(backend->submit(spec(4))->outcome, SubmitOutcome::AlreadyExists);
  EXPECT_EQ(wait_for_end(*backend, "t-4"), "Completed");
  EXPECT_EQ(backend->submit(spec(4, {}, 2))->outcome, SubmitOutcome::AlreadyExists);
}

TEST_F(LocalBackendTest, RemoveStopsARunningJobAndKeepsItsLog) {
  auto backend = open(options());
  ASSERT_TRUE(backend->submit(spec(6, {held()})).ok());
  const pid_t pid = pid_of(*backend, "t-6");
  const fs::path log = backend->log_dir() / "t-6.log";
  while (read_file(log).empty()) {
    std::this_thread::sleep_for(Duration{10});
  }

  EXPECT_EQ(*backend->remove(named("t-6")), DeleteOutcome::Deleted);
  EXPECT_TRUE(process_gone(pid));
  EXPECT_TRUE(group_gone_soon(pid));
  EXPECT_TRUE(backend->list_workloads()->empty());
  EXPECT_FALSE(fs::exists(log));
  EXPECT_THAT(read_file(backend->log_dir() / "t-6.attempt-1.log"), HasSubstr("hello from trait 6"));
  EXPECT_EQ(*backend->remove(named("t-6")), DeleteOutcome::NotFound);

  // A resubmission starts afresh, and the next kept log does not overwrite the first.
  ASSERT_EQ(backend->submit(spec(6))->outcome, SubmitOutcome::Created);
  EXPECT_EQ(wait_for_end(*backend, "t-6"), "Completed");
  EXPECT_EQ(*backend->remove(named("t-6")), DeleteOutcome::Deleted);
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-6.attempt-1.log"));
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-6.attempt-1-2.log"));
}

TEST_F(LocalBackendTest, AJobPastItsTimeoutIsStoppedAndFlagged) {
  auto with_timeout = options();
  with_timeout.job_timeout = Duration{60'000};
  auto backend = open(with_timeout);
  ASSERT_TRUE(backend->submit(spec(7, {held()})).ok());
  const pid_t pid = pid_of(*backend, "t-7");
  EXPECT_THAT(*backend->list_workloads(), UnorderedElementsAre(listed("t-7", "Running")));

  clock_.advance(Duration{60'000});
  EXPECT_THAT(*backend->list_workloads(), UnorderedElementsAre(listed("t-7", "Failed")));
  EXPECT_TRUE(process_gone(pid));
  const auto evidence = backend->failure_evidence(named("t-7"));
  EXPECT_TRUE(evidence->timed_out);
  EXPECT_EQ(evidence->exit_code, 128 + SIGTERM);
  EXPECT_EQ(backend->jobs()->front().end, JobEnd::TimedOut);
}

TEST_F(LocalBackendTest, StopAllLeavesNoProcessAndForgetsTheUnfinishedJobs) {
  auto backend = open(options());
  ASSERT_TRUE(backend->submit(spec(2)).ok());
  EXPECT_EQ(wait_for_end(*backend, "t-2"), "Completed");
  ASSERT_TRUE(backend->submit(spec(3, {held()})).ok());
  ASSERT_TRUE(backend->submit(spec(4, {held(), {"JOB_IGNORE_TERM", "1"}})).ok());
  const std::vector<pid_t> pids{pid_of(*backend, "t-3"), pid_of(*backend, "t-4")};
  while (read_file(backend->log_dir() / "t-4.log").empty()) {  // past its trap
    std::this_thread::sleep_for(Duration{10});
  }

  ASSERT_TRUE(backend->stop_all(Duration{200}).ok());
  for (const pid_t pid : pids) {
    EXPECT_TRUE(process_gone(pid)) << pid;
    EXPECT_TRUE(group_gone_soon(pid)) << pid;
  }
  EXPECT_THAT(*backend->list_workloads(), UnorderedElementsAre(listed("t-2", "Completed")));
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-3.attempt-1.interrupted.log"));
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-4.attempt-1.interrupted.log"));
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-2.log"));

  // The record on disk agrees: the next run starts traits 3 and 4 afresh.
  backend.reset();
  const auto recorded = load_recorded_state(options().state_dir, "lab", "t");
  ASSERT_TRUE(recorded.ok());
  ASSERT_EQ(recorded->size(), 1U);
  EXPECT_EQ(recorded->front().name, "t-2");
}

TEST_F(LocalBackendTest, AnotherBackendSeesTheRecordedJobs) {
  auto backend = open(options());
  ASSERT_TRUE(backend->submit(spec(2)).ok());
  ASSERT_TRUE(backend->submit(spec(3, {{"JOB_EXIT", "2"}})).ok());
  EXPECT_EQ(wait_for_end(*backend, "t-2"), "Completed");
  EXPECT_EQ(wait_for_end(*backend, "t-3"), "Failed");

  // While the batch is owned, others may only read it.
  const auto second_owner = LocalBackend::open(options(), clock_);
  ASSERT_FALSE(second_owner.ok());
  EXPECT_EQ(second_owner.error().kind, ErrorKind::Locked);
  auto reader = LocalBackend::open_read_only(options(), clock_);
  ASSERT_TRUE(reader.ok());
  EXPECT_THAT(*(*reader)->list_workloads(),
              UnorderedElementsAre(listed("t-2", "Completed"), listed("t-3", "Failed")));
  EXPECT_EQ((*reader)->failure_evidence(named("t-3"))->exit_code, 2);
  EXPECT_EQ((*reader)->remove(named("t-3")).error().kind, ErrorKind::Usage);

  backend.reset();
  auto next = open(options());
  EXPECT_THAT(*next->list_workloads(),
              UnorderedElementsAre(listed("t-2", "Completed"), listed("t-3", "Failed")));
  const auto evidence = next->failure_evidence(named("t-3"));
  EXPECT_EQ(evidence->exit_code, 2);
  EXPECT_THAT(evidence->log.value_or(""), HasSubstr("hello from trait 3"));
}

TEST_F(LocalBackendTest, JobsLeftRunningByADeadTraitctlAreInterrupted) {
  // A traitctl killed with SIGKILL: no destructor stops its jobs.
  const pid_t traitctl = ::fork();
  ASSERT_GE(traitctl, 0);
  if (traitctl == 0) {
    auto written_at_once = options();
    written_at_once.round_write_delay = Duration{0};
    auto backend = LocalBackend::open(written_at_once, clock_);
    const CancelToken cancel;
    const bool started = backend.ok() && (*backend)->submit(spec(2)).ok() &&
                         (*backend)->submit(spec(3, {held()})).ok();
    // The round is sent: its spawns are recorded before the loop waits.
    (void)(started && (*backend)->wait_for_change(clock_, Duration{0}, cancel));
    ::kill(::getpid(), started ? SIGKILL : SIGTERM);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(traitctl, &status, 0), traitctl);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the job did not start";

  // Readers change nothing: a job whose process is gone is interrupted, the
  // one still running is Running.
  std::vector<LocalJob> read;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    read = *load_recorded_state(root_ / "state", "lab", "t");
    if (read.at(0).end) {
      break;
    }
    std::this_thread::sleep_for(Duration{20});
  }
  EXPECT_EQ(read.at(0).status(), "Interrupted");
  EXPECT_EQ(read.at(0).state(), JobState::Stopped);
  EXPECT_EQ(read.at(0).end, JobEnd::Interrupted);
  EXPECT_EQ(read.at(1).status(), "Running");
  const pid_t orphan = read.at(1).pid;

  // The next owner stops it, since nobody can learn how it ends, and forgets
  // both so that this run starts them afresh; their logs are kept.
  auto backend = open(options());
  EXPECT_TRUE(backend->list_workloads()->empty());
  EXPECT_TRUE(group_gone_soon(orphan));
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-3.attempt-1.interrupted.log"));
  EXPECT_TRUE(load_recorded_state(options().state_dir, "lab", "t")->empty());
}

TEST_F(LocalBackendTest, AChildADeadTraitctlSpawnedButNeverRecordedIsStoppedByTheNextOwner) {
  const pid_t traitctl = ::fork();
  ASSERT_GE(traitctl, 0);
  if (traitctl == 0) {  // killed between the spawn and the round's write
    auto backend = LocalBackend::open(options(), clock_);
    const bool started = backend.ok() && (*backend)->submit(spec(2, {held()})).ok();
    ::kill(::getpid(), started ? SIGKILL : SIGTERM);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(traitctl, &status, 0), traitctl);
  ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "the job did not start";
  EXPECT_TRUE(load_recorded_state(options().state_dir, "lab", "t")->empty()) << "not in the record";
  const auto log = SpawnLog::open(SpawnLog::path_for(options().state_dir, "lab", "t"));
  ASSERT_TRUE(log.ok());
  const auto spawned = log->read();
  ASSERT_TRUE(spawned.ok());
  ASSERT_EQ(spawned->size(), 1U);
  const pid_t orphan = spawned->front().pid;
  EXPECT_EQ(spawned->front().name, "t-2");
  EXPECT_FALSE(process_gone(orphan));

  // The next owner finds it in the spawn log: stopped, its log kept, the
  // trait free to be submitted once.
  auto backend = open(options());
  EXPECT_TRUE(group_gone_soon(orphan));
  EXPECT_TRUE(backend->list_workloads()->empty());
  EXPECT_TRUE(fs::exists(backend->log_dir() / "t-2.attempt-1.interrupted.log"));
  EXPECT_TRUE(log->read()->empty());
  EXPECT_EQ(backend->submit(spec(2))->outcome, SubmitOutcome::Created);
}

TEST_F(LocalBackendTest, WaitingWakesTheMomentAJobEnds) {
  auto backend = open(options());
  // t-2 runs until its own file exists, t-3 until the test ends: the wait
  // can only end by t-2's end, created while it waits, or by its timeout.
  const fs::path release_2 = root_ / "release-2";
  ASSERT_TRUE(backend->submit(spec(2, {{"JOB_HOLD_UNTIL", release_2.string()}})).ok());
  ASSERT_TRUE(backend->submit(spec(3, {held()})).ok());
  CancelToken cancel;
  std::jthread releaser([&] { std::ofstream(release_2) << "released\n"; });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(backend->wait_for_change(clock_, Duration{60'000}, cancel));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Duration{50'000}) << "slept the whole timeout";
  EXPECT_EQ(wait_for_end(*backend, "t-2"), "Completed");
}

TEST_F(LocalBackendTest, WaitingEndsAtAJobsTimeout) {
  auto with_timeout = options();
  with_timeout.job_timeout = Duration{300};
  auto backend = open(with_timeout);
  ASSERT_TRUE(backend->submit(spec(2, {held()})).ok());
  CancelToken cancel;
  clock_.advance(Duration{300});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(backend->wait_for_change(clock_, Duration{60'000}, cancel));
  EXPECT_LT(std::chrono::steady_clock::now() - start, Duration{50'000}) << "slept the whole timeout";
}

// A round's spawns wait for the first end, to be written with it in one
// transaction; a round none of whose jobs ends is written after the delay.
TEST_F(LocalBackendTest, ARoundIsWrittenWithItsFirstEndOrAfterTheDelay) {
  const auto reader_sees = [this] {
    auto reader = LocalBackend::open_read_only(options(), clock_);
    EXPECT_TRUE(reader.ok());
    return reader.ok() ? *(*reader)->list_workloads() : std::vector<Workload>{};
  };
  CancelToken cancel;
  auto waits_for_an_end = options();
  waits_for_an_end.round_write_delay = Duration{600'000};
  {
    auto backend = open(waits_for_an_end);
    ASSERT_TRUE(backend->submit(spec(2)).ok());
    EXPECT_TRUE(backend->wait_for_change(clock_, Duration{1'200'000}, cancel)) << "t-2 ends at once";
    EXPECT_TRUE(reader_sees().empty()) << "written before its end";
    (void)backend->list_workloads();
    EXPECT_THAT(reader_sees(), UnorderedElementsAre(listed("t-2", "Completed")));
  }
  auto writes_soon = options();
  writes_soon.round_write_delay = Duration{10};
  auto backend = open(writes_soon);
  ASSERT_TRUE(backend->submit(spec(3, {held()})).ok());
  EXPECT_FALSE(backend->wait_for_change(clock_, Duration{50}, cancel));
  EXPECT_THAT(reader_sees(), ::testing::Contains(listed("t-3", "Running")));
}

TEST_F(LocalBackendTest, ADeathBySignalIsEvidence) {
  auto backend = open(options());
  ASSERT_TRUE(backend->submit(spec(2, {held()})).ok());
  ::kill(pid_of(*backend, "t-2"), SIGKILL);
  EXPECT_EQ(wait_for_end(*backend, "t-2"), "Failed");
  const auto evidence = backend->failure_evidence(named("t-2"));
  EXPECT_EQ(evidence->signal, SIGKILL);
  EXPECT_EQ(evidence->exit_code, 128 + SIGKILL);
  EXPECT_FALSE(evidence->timed_out);
}

TEST_F(LocalBackendTest, SubmissionsFromManyThreadsAreAllRecorded) {
  auto backend = open(options());
  std::vector<std::jthread> threads;
  for (int trait = 2; trait < 12; ++trait) {
    threads.emplace_back(
        [&, trait] { EXPECT_EQ(backend->submit(spec(trait))->outcome, SubmitOutcome::Created); });
  }
  threads.clear();
  EXPECT_EQ(backend->list_workloads()->size(), 10U);
  for (int trait = 2; trait < 12; ++trait) {
    EXPECT_EQ(wait_for_end(*backend, fmt::format("t-{}", trait)), "Completed");
  }
  EXPECT_EQ(load_recorded_state(options().state_dir, "lab", "t")->size(), 10U);
}

TEST_F(LocalBackendTest, RefusesAProjectThatIsNotAFolderName) {
  auto bad = options();
  bad.project = "../elsewhere";
  const auto backend = LocalBackend::open(bad, clock_);
  ASSERT_FALSE(backend.ok());
  EXPECT_EQ(backend.error().kind, ErrorKind::Config);
  bad = options();
  bad.prefix = "a/b";
  EXPECT_EQ(LocalBackend::open(bad, clock_).error().kind, ErrorKind::Config);
}

}  // namespace
}  // namespace traitctl::local_backend_tests

namespace traitctl::local_backend_tests {
namespace {

// The most this process has held: Linux counts a child's pages from the fork
// on, so a job's recorded peak can include its parent's memory before exec.
std::int64_t own_peak_bytes() {
  rusage used{};
  ::getrusage(RUSAGE_SELF, &used);
  return static_cast<std::int64_t>(used.ru_maxrss) * 1024;
}

// dd reads 64 MiB into one buffer: the job holds 64 MB at its peak.
TEST_F(LocalBackendTest, TellsWhatAJobUsedAndWhereItRan) {
  LocalOptions holding = options();
  holding.command = {"dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"};
  auto backend = open(holding);
  ASSERT_TRUE(backend->submit(spec(6)).ok());
  EXPECT_EQ(wait_for_end(*backend, "t-6"), "Completed");
  const auto facts = backend->attempt_facts(named("t-6"));
  ASSERT_TRUE(facts.ok()) << facts.error().message;
  ASSERT_TRUE(facts->peak_memory_bytes);
  EXPECT_GT(*facts->peak_memory_bytes, 50'000'000);
  EXPECT_LT(*facts->peak_memory_bytes, std::max<std::int64_t>(own_peak_bytes(), 67'108'864) + 100'000'000);
  ASSERT_TRUE(facts->cpu_seconds);
  EXPECT_GE(*facts->cpu_seconds, 0.0);
  EXPECT_EQ(facts->started_at, clock_.now());
  EXPECT_EQ(facts->ended_at, clock_.now());
  ASSERT_TRUE(facts->node);
  EXPECT_FALSE(facts->node->empty());
  // A job it does not know: nothing known.
  EXPECT_EQ(*backend->attempt_facts(named("t-99")), AttemptFacts{});
}

}  // namespace
}  // namespace traitctl::local_backend_tests
