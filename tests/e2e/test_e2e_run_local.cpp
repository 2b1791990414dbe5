// `traitctl run --backend local` end to end: the shipped example job
// (examples/gwas-trait.sh) runs as local processes under a wrapper that
// records when each attempt started and ended, so the jobs themselves show
// the cap held. Then status, retry --dry-run and cleanup on the recorded
// batch, and Ctrl-C, which must leave no process behind.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::run_local_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPrefix = "loc";
constexpr const char* kProject = "lab";

// Runs the example job and leaves `<trait>.<attempt>` in $OUTPUT_PATH/started
// (its process group, which is its pid: the local backend starts every job in
// a group of its own) and in $OUTPUT_PATH/times ("start end" in nanoseconds).
constexpr const char* kWrapper = R"sh(#!/bin/sh
mkdir -p "$OUTPUT_PATH/started" "$OUTPUT_PATH/times"
start=$(date +%s%N)
# Written whole, then renamed: the test polls the folder, and an empty file
# read as group 0 would be a job that is not there.
echo $$ > "$OUTPUT_PATH/started/.$TRAIT_INDEX.$TRAITCTL_ATTEMPT"
mv "$OUTPUT_PATH/started/.$TRAIT_INDEX.$TRAITCTL_ATTEMPT" "$OUTPUT_PATH/started/$TRAIT_INDEX.$TRAITCTL_ATTEMPT"
"$@"
code=$?
echo "$start $(date +%s%N)" > "$OUTPUT_PATH/times/$TRAIT_INDEX.$TRAITCTL_ATTEMPT"
exit $code
)sh";

struct Attempt {
  int trait;
  int attempt;
  std::int64_t start_ns;
  std::int64_t end_ns;
};

class LocalRun : public ::testing::Test {
 protected:
  void SetUp() override {
    write_gapit_inputs(data(), 200);
    fs::create_directories(outputs());
    std::ofstream(wrapper()) << kWrapper;
    fs::permissions(wrapper(), fs::perms::owner_all);
  }

  [[nodiscard]] fs::path data() const { return cluster_.dir() / "data"; }
  [[nodiscard]] fs::path outputs() const { return cluster_.dir() / "outputs"; }
  [[nodiscard]] fs::path wrapper() const { return cluster_.dir() / "job.sh"; }
  [[nodiscard]] fs::path env_file() const { return cluster_.dir() / "batch.env"; }

  void write_env(int first, int last, int cap) const {
    std::ofstream(env_file()) << fmt::format(
        "PROJECT={}\nJOB_PREFIX={}\nSTART_TRAIT={}\nEND_TRAIT={}\nMAX_CONCURRENT={}\n"
        "DATA_PATH_HOST={}\nOUTPUT_PATH_HOST={}\n",
        kProject, kPrefix, first, last, cap, data().string(), outputs().string());
  }

  // `traitctl run --backend local` of the batch, the job being the example
  // under the wrapper; `plan` sets the example's DEMO_* failures.
  [[nodiscard]] std::vector<std::string> run_args(std::vector<std::string> extra = {}) const {
    std::vector<std::string> args{"run",
                                  "--backend",
                                  "local",
                                  "--env-file",
                                  env_file().string(),
                                  "--yes",
                                  "--json",
                                  "--poll-interval",
                                  "0.1s",
                                  "--retry-delay",
                                  "1s",
                                  "--max-retries",
                                  "2"};
    args.insert(args.end(), extra.begin(), extra.end());
    for (const std::string& word :
         {std::string("--"), wrapper().string(), std::string(TRAITCTL_EXAMPLE_JOB)}) {
      args.push_back(word);
    }
    return args;
  }

  [[nodiscard]] CommandResult traitctl(std::vector<std::string> args, EnvironmentOverrides plan = {}) const {
    return run_traitctl(cluster_, std::move(args), std::move(plan), 120s);
  }

  // `command` on the recorded batch, e.g. status --json.
  [[nodiscard]] CommandResult on_batch(std::vector<std::string> command) const {
    for (const std::string& word :
         {std::string("--backend"), std::string("local"), std::string("--env-file"), env_file().string()}) {
      command.push_back(word);
    }
    return traitctl(std::move(command));
  }

  // Every attempt that ended, from the files the jobs wrote.
  [[nodiscard]] std::vector<Attempt> attempts() const {
    std::vector<Attempt> found;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(outputs() / "times", error)) {
      Attempt attempt{};
      const std::string name = entry.path().filename().string();
      const std::size_t dot = name.find('.');
      attempt.trait = std::stoi(name.substr(0, dot));
      attempt.attempt = std::stoi(name.substr(dot + 1));
      std::ifstream(entry.path()) >> attempt.start_ns >> attempt.end_ns;
      found.push_back(attempt);
    }
    return found;
  }

  [[nodiscard]] std::map<int, int> runs_per_trait() const {
    std::map<int, int> runs;
    for (const Attempt& attempt : attempts()) {
      ++runs[attempt.trait];
    }
    return runs;
  }

  // A file the test never creates: DEMO_HOLD_UNTIL keeps a job running until it is stopped.
  [[nodiscard]] fs::path never() const { return cluster_.dir() / "never-released"; }

  // Process groups of the jobs that started, from the files the jobs wrote.
  [[nodiscard]] std::vector<pid_t> started_groups() const {
    std::vector<pid_t> groups;
    std::error_code error;
    for (const auto& entry : fs::directory_iterator(outputs() / "started", error)) {
      if (entry.path().filename().string().starts_with('.')) {
        continue;  // still being written
      }
      pid_t group = 0;
      std::ifstream(entry.path()) >> group;
      groups.push_back(group);
    }
    return groups;
  }

  FakeCluster cluster_;
};

// The most attempts running at one moment, by their own clocks.
int max_overlap(const std::vector<Attempt>& attempts) {
  std::vector<std::pair<std::int64_t, int>> edges;
  for (const Attempt& attempt : attempts) {
    edges.emplace_back(attempt.start_ns, +1);
    edges.emplace_back(attempt.end_ns, -1);
  }
  std::sort(edges.begin(), edges.end());  // an end sorts before a start at the same instant
  int alive = 0;
  int most = 0;
  for (const auto& [when, change] : edges) {
    alive += change;
    most = std::max(most, alive);
  }
  return most;
}

std::vector<int> traits_in(const json& value) {
  std::vector<int> traits;
  if (value.is_object()) {
    for (const auto& [trait, reason] : value.items()) {
      traits.push_back(std::stoi(trait));
    }
  } else {
    traits = value.get<std::vector<int>>();
  }
  std::sort(traits.begin(), traits.end());
  return traits;
}

// Whether a process of the group runs now. Zombies do not count: a killed
// job's grandchild waits for init to reap it.
bool group_alive(pid_t group) {
  bool alive = false;
  std::error_code error;
  for (const auto& entry : fs::directory_iterator("/proc", error)) {
    std::ifstream stat(entry.path() / "stat");
    std::string text;
    std::getline(stat, text);
    const std::size_t name_end = text.rfind(')');
    if (name_end == std::string::npos) {
      continue;
    }
    std::istringstream fields(text.substr(name_end + 1));
    std::string state;
    pid_t parent = 0;
    pid_t process_group = 0;
    fields >> state >> parent >> process_group;
    alive = alive || (process_group == group && state != "Z" && state != "X");
  }
  return alive;
}

// Whether every process of the group has ended (waiting a moment for the last
// to be reaped, with a generous deadline).
bool group_gone(pid_t group) {
  return wait_for([group] { return !group_alive(group); }, 30s);
}

// Trait 4 fails with a mount failure once, 6 with a configuration error, 8
// with a mount failure on every attempt.
const EnvironmentOverrides kMixedPlan{{"DEMO_MOUNT_FAILURES", "4"},
                                      {"DEMO_CONFIG_ERRORS", "6"},
                                      {"DEMO_MOUNT_FAILURES_ALWAYS", "8"},
                                      {"DEMO_SLEEP", "0.4"}};

TEST_F(LocalRun, MixedBatchHoldsTheCapRetriesMountFailuresAndEndsWithThree) {
  write_env(2, 13, 3);
  const CommandResult result = traitctl(run_args(), kMixedPlan);

  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_LE(max_overlap(attempts()), 3);
  // The cap is used, not just respected: the first three start in one cycle.
  EXPECT_EQ(max_overlap(attempts()), 3);
  std::map<int, int> expected_runs;
  for (int trait = 2; trait <= 13; ++trait) {
    expected_runs[trait] = 1;
  }
  expected_runs[4] = 2;                        // 2 then 0
  expected_runs[8] = 3;                        // the first attempt and both retries
  EXPECT_EQ(runs_per_trait(), expected_runs);  // the exit-1 trait 6 ran once
  for (int trait = 2; trait <= 13; ++trait) {
    const bool completes = trait != 6 && trait != 8;
    EXPECT_EQ(fs::exists(outputs() / fmt::format("trait_{:03}_MLM", trait) /
                         "GAPIT.Association.Filter_GWAS_results.csv"),
              completes)
        << trait;
    EXPECT_TRUE(fs::exists(cluster_.state_dir() / "logs" / fmt::format("{}-{}.log", kPrefix, trait)))
        << trait;
  }

  const json report = json::parse(result.out);  // stdout holds the report and nothing else
  // The keys docs/reports-json.md lists for run, and no others.
  std::set<std::string> keys;
  for (const auto& [key, value] : report.items()) {
    keys.insert(key);
  }
  EXPECT_EQ(keys, documented_report_keys("## `retry`, `resubmit` and `run`"));
  EXPECT_EQ(traits_in(report.at("out_of_retries")), std::vector<int>{8});
  EXPECT_EQ(traits_in(report.at("skipped")), std::vector<int>{6});
  EXPECT_EQ(traits_in(report.at("succeeded_after_retry")), std::vector<int>{4});
  EXPECT_EQ(report.at("completed").size(), 10U);
  EXPECT_EQ(report.at("configuration_errors"), 1);
  EXPECT_TRUE(state_dir_problems(cluster_).empty());
}

TEST_F(LocalRun, AFinishedBatchRunAgainStartsNothing) {
  write_env(2, 7, 2);
  const CommandResult first = traitctl(run_args(), {{"DEMO_SLEEP", "0.1"}});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(attempts().size(), 6U);
  EXPECT_LE(max_overlap(attempts()), 2);

  const CommandResult again = traitctl(run_args(), {{"DEMO_SLEEP", "0.1"}});
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(attempts().size(), 6U);
  EXPECT_TRUE(json::parse(again.out).at("submitted").empty());
}

TEST_F(LocalRun, StatusRetryDryRunAndCleanupWorkOnTheRecordedBatch) {
  write_env(2, 9, 4);
  ASSERT_EQ(traitctl(run_args(), kMixedPlan).exit_code, 3);
  const std::size_t attempts_after_run = attempts().size();

  const CommandResult status = on_batch({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json counts = json::parse(status.out).at("counts");
  EXPECT_EQ(counts.at("completed"), 6);
  EXPECT_EQ(counts.at("failed"), 2);
  EXPECT_EQ(counts.at("failed_by_class"), (json{{"config", 1}, {"mount", 1}}));
  EXPECT_EQ(counts.at("out_of_retries"), 1);
  EXPECT_EQ(counts.at("retries_used"), 3);

  // With a bigger budget trait 8 could go again; the dry run only says so.
  const CommandResult dry_run = on_batch({"retry", "--dry-run", "--json", "--max-retries", "3"});
  ASSERT_EQ(dry_run.exit_code, 0) << dry_run.err;
  const json plan = json::parse(dry_run.out);
  EXPECT_EQ(traits_in(plan.at("would_retry")), std::vector<int>{8});
  EXPECT_EQ(traits_in(plan.at("skipped")), std::vector<int>{6});
  EXPECT_EQ(attempts().size(), attempts_after_run);

  const CommandResult retry = on_batch({"retry", "--yes"});
  EXPECT_EQ(retry.exit_code, 2);
  EXPECT_NE(retry.err.find("run --backend local"), std::string::npos) << retry.err;

  const CommandResult cleanup = on_batch({"cleanup", "--failed", "--yes", "--json"});
  ASSERT_EQ(cleanup.exit_code, 0) << cleanup.err;
  std::vector<std::string> deleted = json::parse(cleanup.out).at("deleted").get<std::vector<std::string>>();
  std::sort(deleted.begin(), deleted.end());
  EXPECT_EQ(deleted, (std::vector<std::string>{"loc-6", "loc-8"}));
  const json after = json::parse(on_batch({"status", "--json"}).out).at("counts");
  EXPECT_EQ(after.at("failed"), 0);
  EXPECT_EQ(after.at("completed"), 6);
  EXPECT_EQ(after.at("not_submitted"), 2);
  EXPECT_EQ(attempts().size(), attempts_after_run);
}

TEST_F(LocalRun, CommandsOnABatchThatWasNeverRunSayHowToStartOne) {
  write_env(2, 5, 2);
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"status"}, {"retry", "--dry-run"}, {"cleanup", "--failed", "--yes"}}) {
    const CommandResult result = on_batch(command);
    EXPECT_EQ(result.exit_code, 1) << command.front();
    EXPECT_NE(result.err.find("no local batch loc of project 'lab'"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("traitctl run --backend local"), std::string::npos) << result.err;
  }
  EXPECT_FALSE(fs::exists(cluster_.state_dir() / kProject / fmt::format("{}.db", kPrefix)));
}

TEST_F(LocalRun, AJobPastTheTimeoutIsStoppedAndNotRetried) {
  write_env(2, 2, 1);
  // The job would run until a file nobody creates exists: only the timeout ends it.
  const CommandResult result =
      traitctl(run_args({"--job-timeout", "1s"}), {{"DEMO_SLEEP", "0"}, {"DEMO_HOLD_UNTIL", never().string()}});

  EXPECT_EQ(result.exit_code, 3) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("timeouts"), 1);
  EXPECT_EQ(traits_in(report.at("skipped")), std::vector<int>{2});
  for (const pid_t group : started_groups()) {
    EXPECT_TRUE(group_gone(group)) << "job process group " << group;
  }
  EXPECT_EQ(started_groups().size(), 1U);
}

// Ctrl-C while jobs run: the running jobs' process groups are gone when
// traitctl exits, another traitctl could not touch them meanwhile, and the
// same command run again finishes the batch.
TEST_F(LocalRun, CtrlCLeavesNoProcessBehindAndARerunFinishes) {
  write_env(2, 7, 3);
  const fs::path log = cluster_.dir() / "run.log";
  // The jobs run until a file nobody creates exists: Ctrl-C finds them running.
  auto run = start_traitctl(cluster_, run_args(), log, {{"DEMO_SLEEP", "0"}, {"DEMO_HOLD_UNTIL", never().string()}});
  ASSERT_TRUE(run) << run.error().message;
  ASSERT_TRUE(wait_for([&] { return started_groups().size() >= 3; })) << read_text(log);
  ASSERT_EQ(started_groups().size(), 3U) << read_text(log);

  const CommandResult status = on_batch({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out).at("counts").at("running"), 3);
  const CommandResult cleanup = on_batch({"cleanup", "--failed", "--include-active", "--yes"});
  EXPECT_EQ(cleanup.exit_code, 1);
  EXPECT_NE(cleanup.err.find("another traitctl is running"), std::string::npos) << cleanup.err;
  for (const pid_t group : started_groups()) {
    EXPECT_TRUE(group_alive(group)) << "cleanup stopped a job of the live run: " << group;
  }

  ASSERT_EQ(::kill(run->pid(), SIGINT), 0);
  EXPECT_EQ(wait_for_exit(*run, 60s), 130) << read_text(log);
  for (const pid_t group : started_groups()) {
    EXPECT_TRUE(group_gone(group)) << "job process group " << group << " outlived traitctl";
  }
  EXPECT_TRUE(attempts().empty());  // every job was stopped before it finished
  EXPECT_TRUE(state_dir_problems(cluster_).empty());

  const CommandResult rerun = traitctl(run_args(), {{"DEMO_SLEEP", "0.1"}});
  EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(runs_per_trait(), (std::map<int, int>{{2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}));
}

// The README's first command: scripts/demo.sh's batch, with the shipped
// .env, inputs and example job, as the demo runs it (only faster jobs).
TEST(Demo, TheReadmesDemoBatchCompletes) {
  FakeCluster cluster;
  const fs::path examples = fs::path(TRAITCTL_EXAMPLE_JOB).parent_path();
  const fs::path data = cluster.dir() / "data";
  const fs::path outputs = cluster.dir() / "outputs";
  fs::create_directories(outputs);
  fs::copy(examples / "demo-data", data, fs::copy_options::recursive);
  const auto result =
      run_traitctl(cluster,
                   {"run", "--backend", "local", "--env-file", (examples / "demo.env").string(), "--yes",
                    "--poll-interval", "1s", "--json", "--", TRAITCTL_EXAMPLE_JOB},
                   {{"DATA_PATH_HOST", data.string()},
                    {"OUTPUT_PATH_HOST", outputs.string()},
                    {"DEMO_MOUNT_FAILURES", "5,9"},
                    {"DEMO_SLEEP", "0"}},
                   120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("completed").size(), 20U) << report.dump();
  EXPECT_TRUE(fs::exists(outputs / "trait_021_MLM" / "GAPIT.Association.Filter_GWAS_results.csv"));

  // The journal is the batch's trace: every attempt's end with what it asked
  // for and how long it took (two mount failures, then twenty completions).
  std::map<std::string, int> ends;
  for (const std::string& line : lines_of(read_text(cluster.state_dir() / "journal.jsonl"))) {
    const json entry = json::parse(line);
    const std::string kind = entry.at("event");
    if (kind != "completed" && kind != "failed") {
      continue;
    }
    ++ends[kind];
    EXPECT_EQ(entry.at("memory"), "32G") << line;
    EXPECT_EQ(entry.at("cpu"), "12") << line;
    EXPECT_GE(entry.at("duration_seconds").get<double>(), 0.0) << line;
    EXPECT_EQ(entry.at("attempt"), kind == "failed"                                   ? 1
                                   : entry.at("trait") == 5 || entry.at("trait") == 9 ? 2
                                                                                      : 1)
        << line;
  }
  EXPECT_EQ(ends, (std::map<std::string, int>{{"completed", 20}, {"failed", 2}}));
}

}  // namespace
}  // namespace traitctl::e2e::run_local_tests
