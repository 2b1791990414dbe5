// Failure classes beyond mount failures, end to end: an out-of-memory trait
// climbs the memory ladder (and keeps its tier across runs), one without a
// ladder is reported with the fix, a job that exits 0 without its outputs is
// retried once and then reported. Against the fake runai, whose jobs are
// OOM-killed below the memory they need and write GAPIT's results file on
// success, and the local backend running the example job.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::failure_classes_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

class FailureClasses : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(outputs());
    write_gapit_inputs(cluster_.dir() / "data", 200);
  }

  [[nodiscard]] fs::path outputs() const { return cluster_.dir() / "outputs"; }

  void write_config(json extra) {
    json config{{"pending_ms", 30}, {"running_ms", 120}, {"deleting_ms", 0}};
    config.update(extra);
    cluster_.write_config(config);
  }

  CommandResult run(const std::string& traits, Strings extra = {}) {
    Strings args{"run",  "--prefix",         "fc",   "--project",       "p",    "--traits",
                 traits, "--max-concurrent", "3",    "--poll-interval", "0.2s", "--retry-delay",
                 "1s",   "--json",           "--yes"};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_traitctl(
        cluster_, args,
        {{"OUTPUT_PATH_HOST", outputs().string()}, {"DATA_PATH_HOST", (cluster_.dir() / "data").string()}},
        60s);
  }

  FakeCluster cluster_;
};

TEST_F(FailureClasses, AnOutOfMemoryTraitClimbsTheLadderAndCompletes) {
  write_config({{"memory_needed", {{"fc-3", "96G"}}}});
  const auto result = run("2-4", {"--memory-ladder", "64G,96G,160G"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(cluster_.memory_per_creation("fc-3"), (Strings{"32G", "64G", "96G"}));
  EXPECT_EQ(cluster_.memory_per_creation("fc-2"), (Strings{"32G"}));
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("oom"), 2) << report.dump();
  EXPECT_EQ(report.at("memory").at("3"), "96G") << report.dump();
  EXPECT_EQ(report.at("completed").size(), 3U);
  const json ledger = read_ledger(cluster_, "p", "fc");
  EXPECT_EQ(ledger.at("traits").at("3").at("oom_retries"), 2);
  EXPECT_EQ(ledger.at("traits").at("3").at("automatic_retries"), 0) << "apart from the mount budget";
}

TEST_F(FailureClasses, TheTierSurvivesIntoTheNextRun) {
  write_config({{"memory_needed", {{"fc-2", "96G"}}}});
  // One step only: 32G, then 64G, and the trait is out of retries at the top.
  const auto first = run("2", {"--memory-ladder", "64G"});
  EXPECT_EQ(first.exit_code, 3) << first.err;
  EXPECT_EQ(json::parse(first.out).at("out_of_retries"), json::array({2}));
  // A taller ladder: the next run starts where the trait is, not at MEMORY.
  const auto second = run("2", {"--memory-ladder", "64G,96G,160G"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(cluster_.memory_per_creation("fc-2"), (Strings{"32G", "64G", "96G"}));
}

// Killed (SIGKILL: nothing is cleaned up) once the trait runs at its second
// tier: the rerun goes on from the tier the ledger holds, never from MEMORY.
TEST_F(FailureClasses, ARerunAfterACrashContinuesFromThePersistedTier) {
  // The second attempt is held until the rerun: the crash finds it at its second tier.
  write_config({{"memory_needed", {{"fc-2", "160G"}}}, {"running_ms", 400}, {"hold", {{"fc-2", {2}}}}});
  const Strings ladder{"--memory-ladder", "64G,96G,160G"};
  Strings args{"run", "--prefix",        "fc",   "--project",     "p",  "--traits",
               "2",   "--poll-interval", "0.1s", "--retry-delay", "1s", "--yes"};
  args.insert(args.end(), ladder.begin(), ladder.end());
  const EnvironmentOverrides paths{{"OUTPUT_PATH_HOST", outputs().string()},
                                   {"DATA_PATH_HOST", (cluster_.dir() / "data").string()}};
  auto crashed = start_traitctl(cluster_, args, cluster_.dir() / "crashed.log", paths);
  ASSERT_TRUE(crashed.ok()) << crashed.error().message;
  (void)wait_for([&] { return cluster_.memory_per_creation("fc-2").size() >= 2; });
  ASSERT_EQ(::kill(crashed->pid(), SIGKILL), 0);
  (void)wait_for_exit(*crashed, 60s);
  ASSERT_EQ(cluster_.memory_per_creation("fc-2"), (Strings{"32G", "64G"}))
      << read_text(cluster_.dir() / "crashed.log");
  cluster_.release_held_jobs();

  const auto rerun = run("2", ladder);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_EQ(cluster_.memory_per_creation("fc-2"), (Strings{"32G", "64G", "96G", "160G"}));
  EXPECT_EQ(json::parse(rerun.out).at("memory").at("2"), "160G");
}

TEST_F(FailureClasses, WithoutALadderOutOfMemoryIsReportedWithTheFix) {
  write_config({{"plans", {{"fc-2", {137}}}}});
  const auto result = run("2-3", {"--memory-ladder", ""});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(cluster_.memory_per_creation("fc-2").size(), 1U) << "not retried";
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("skipped").at("2"), "out of memory") << report.dump();
  ASSERT_EQ(report.at("next_steps").size(), 1U) << report.dump();
  EXPECT_NE(report.at("next_steps")
                .at(0)
                .get<std::string>()
                .find("`MEMORY_LADDER=64G,96G,160G traitctl retry`, or `MEMORY=160G traitctl resubmit 2`"),
            std::string::npos)
      << report.dump();
  // The text report says the same.
  const auto text = run_traitctl(
      cluster_,
      {"retry", "--prefix", "fc", "--project", "p", "--traits", "2-3", "--yes", "--poll-interval", "0.2s"},
      {{"OUTPUT_PATH_HOST", outputs().string()}}, 120s);
  EXPECT_NE(text.out.find("What to do:"), std::string::npos) << text.out;
}

TEST_F(FailureClasses, AJobWithoutItsOutputsIsRetriedOnceThenReported) {
  write_config({{"no_outputs", {{"fc-2", {1}}, {"fc-3", {1, 2}}}}});
  const auto result = run("2-4");
  EXPECT_EQ(result.exit_code, 3) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("incomplete"), 3) << report.dump();
  EXPECT_EQ(report.at("completed"), json::array({2, 4})) << report.dump();
  EXPECT_EQ(report.at("out_of_retries"), json::array({3})) << report.dump();
  EXPECT_EQ(cluster_.exit_codes_per_creation("fc-2"), (std::vector<int>{0, 0}));
  EXPECT_EQ(cluster_.exit_codes_per_creation("fc-3"), (std::vector<int>{0, 0}));
  EXPECT_TRUE(fs::exists(outputs() / "trait_002_MLM" / "GAPIT.Association.Filter_GWAS_results.csv"));
}

TEST_F(FailureClasses, AnOutputsFolderThisMachineCannotSeeFallsBackToExitCodes) {
  write_config({{"no_outputs", {"fc-2"}}});
  const auto result = run_traitctl(cluster_,
                                   {"run", "--prefix", "fc", "--project", "p", "--traits", "2", "--yes",
                                    "--poll-interval", "0.2s", "--json"},
                                   {{"OUTPUT_PATH_HOST", "/nonexistent/cluster-only/outputs"}}, 120s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("is not visible from this machine"), std::string::npos) << result.err;
}

// The shipped example job on this machine: killed below 64 GiB, and once
// without its results file.
TEST(FailureClassesLocal, TheExampleJobClimbsTheLadderAndIsRetriedForItsOutputs) {
  FakeCluster cluster;
  const fs::path outputs = cluster.dir() / "outputs";
  fs::create_directories(outputs);
  write_gapit_inputs(cluster.dir(), 5);
  const auto result = run_traitctl(cluster,
                                   {"run", "--backend", "local", "--prefix", "lc", "--project", "lab",
                                    "--traits", "2-5", "--max-concurrent", "2", "--memory-ladder", "48G,64G",
                                    "--retry-delay", "1s", "--yes", "--json", "--", TRAITCTL_EXAMPLE_JOB},
                                   {{"OUTPUT_PATH_HOST", outputs.string()},
                                    {"DATA_PATH_HOST", cluster.dir().string()},
                                    {"DEMO_SLEEP", "0"},
                                    {"DEMO_OOM", "3"},
                                    {"DEMO_NO_OUTPUT", "4"}},
                                   60s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("oom"), 2) << report.dump();
  EXPECT_EQ(report.at("incomplete"), 1) << report.dump();
  EXPECT_EQ(report.at("memory").at("3"), "64G") << report.dump();
  const std::string log = read_text(cluster.state_dir() / "logs" / "lc-3.log");
  EXPECT_NE(log.find("memory 64G"), std::string::npos) << log;
}

}  // namespace
}  // namespace traitctl::e2e::failure_classes_tests
