// `traitctl run --backend slurm` end to end on the test cluster: the cap
// held by the jobs' own clocks and by squeue, every trait once, retries of
// what a retry can fix and of nothing else, the memory ladder after Slurm
// kills a job over its --mem, and the commands that look at the batch
// afterwards (status, cleanup).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "slurm_batch.hpp"

namespace traitctl::slurm_test::e2e_run_tests {
namespace {

using nlohmann::json;
using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

json parsed(const e2e::CommandResult& result) {
  const json report = json::parse(result.out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(report.is_discarded()) << "stdout: " << result.out << "\nstderr: " << result.err;
  return report;
}

// Quick looks, quick retries: the cluster answers in milliseconds.
const std::vector<std::string> kFast = {"--yes", "--json", "--poll-interval", "0.3s", "--retry-delay", "1s"};

std::vector<std::string> with_fast(std::vector<std::string> args) {
  args.insert(args.begin(), kFast.begin(), kFast.end());
  return args;
}

TEST(SlurmRun, TwelveTraitsUnderACapOfThreeEachOnceAndASecondRunSubmitsNothing) {
  const SlurmBatch batch(shared_cluster(), "cap");
  batch.write_env(2, 13);
  SqueueSampler squeue(batch);
  const auto result = batch.traitctl(batch.args("run", with_fast({"--max-concurrent", "3"}), true));
  const int most_listed = squeue.stop();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = parsed(result);
  EXPECT_EQ(report["completed"].size(), 12U);
  EXPECT_EQ(report["submitted"].size(), 12U);
  EXPECT_LE(batch.most_running_at_once(), 3);
  EXPECT_GE(batch.most_running_at_once(), 2) << "the cap was never used: the test proves nothing";
  EXPECT_LE(most_listed, 3);
  std::map<int, int> once;
  for (int trait = 2; trait <= 13; ++trait) {
    once[trait] = 1;
  }
  EXPECT_EQ(batch.starts(), once);

  const auto again = batch.traitctl(batch.args("run", with_fast({"--max-concurrent", "3"}), true));
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_THAT(parsed(again)["submitted"], IsEmpty());
  EXPECT_EQ(parsed(again)["completed"].size(), 12U);
  EXPECT_EQ(batch.starts(), once);
  EXPECT_EQ(batch.jobs().size(), 12U);
}

TEST(SlurmRun, AMountFailureIsRetriedUntilItCompletesAndExitOneIsNot) {
  const SlurmBatch batch(shared_cluster(), "retry");
  batch.write_env(2, 4);
  batch.set_sleep(0.2);
  batch.plan(2, {"exit 2", "exit 2", "exit 0"});
  batch.plan(3, {"exit 1"});
  const auto result = batch.traitctl(batch.args("run", with_fast({"--max-retries", "3"}), true));
  EXPECT_EQ(result.exit_code, 3) << result.err;
  const json report = parsed(result);
  EXPECT_EQ(report["completed"], json::array({2, 4}));
  EXPECT_EQ(report["retried"], json::array({2, 2}));
  EXPECT_EQ(report["succeeded_after_retry"], json::array({2}));
  EXPECT_EQ(report["mount_failures"], 2);
  EXPECT_EQ(report["configuration_errors"], 1);
  EXPECT_EQ(report["skipped"]["3"], "configuration error, manual fix needed");
  EXPECT_EQ(batch.starts(), (std::map<int, int>{{2, 3}, {3, 1}, {4, 1}}));
  // Trait 2's three jobs, each its own attempt; the failed ones were not deleted first.
  std::vector<std::string> trait_2;
  for (const auto& job : batch.jobs()) {
    if (job.name == batch.prefix() + "-2") {
      trait_2.push_back(job.state);
    }
  }
  EXPECT_THAT(trait_2, ElementsAre("FAILED", "FAILED", "COMPLETED"));
}

TEST(SlurmRun, AJobOverItsMemoryIsKilledClassifiedOomAndCompletesAtTheNextTier) {
  const SlurmBatch batch(shared_cluster(), "oom");
  // 60 MiB held: over 32M, under 128M.
  batch.write_env(7, 7, "MEMORY=32M\nMEMORY_LADDER=128M\n");
  batch.set_sleep(0.2);
  batch.plan(7, {"allocate 60", "allocate 60"});
  const auto result = batch.traitctl(batch.args("run", with_fast({}), true));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = parsed(result);
  EXPECT_EQ(report["oom"], 1);
  EXPECT_EQ(report["completed"], json::array({7}));
  std::vector<std::string> memory;  // what each attempt got, in MiB
  for (const auto& event : batch.events()) {
    if (event.start) {
      memory.push_back(event.detail);
    }
  }
  EXPECT_THAT(memory, ElementsAre("32", "128"));
  const json ledger = e2e::read_ledger(batch.folder(), "lab", batch.prefix());
  EXPECT_EQ(ledger["traits"]["7"]["attempts"][0]["failure"], "oom");
  EXPECT_EQ(ledger["traits"]["7"]["oom_retries"], 1);
}

TEST(SlurmRun, StatusAndCleanupSeeTheBatchAsSlurmDoes) {
  const SlurmBatch batch(shared_cluster(), "look");
  batch.write_env(2, 4);
  batch.set_sleep(0.2);
  batch.plan(4, {"exit 1"});
  ASSERT_EQ(batch.traitctl(batch.args("run", with_fast({}), true)).exit_code, 3);
  const auto status = batch.traitctl(batch.args("status", {"--json"}));
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json counts = parsed(status)["counts"];
  EXPECT_EQ(counts["completed"], 2);
  EXPECT_EQ(counts["failed"], 1);
  EXPECT_EQ(counts["not_submitted"], 0);

  const auto cleanup = batch.traitctl(batch.args("cleanup", {"--completed", "--yes", "--json"}));
  ASSERT_EQ(cleanup.exit_code, 0) << cleanup.err;
  EXPECT_EQ(parsed(cleanup)["deleted"].size(), 2U);
  const json after = parsed(batch.traitctl(batch.args("status", {"--json"})))["counts"];
  EXPECT_EQ(after["completed"], 0);
  EXPECT_EQ(after["failed"], 1);
  EXPECT_EQ(after["not_submitted"], 2);
  // Nothing to cancel: Slurm still lists the ended jobs until MinJobAge.
  EXPECT_EQ(batch.jobs().size(), 3U);
}

TEST(SlurmRun, CleanupCancelsARunningJobAndSqueueShowsIt) {
  const SlurmBatch batch(shared_cluster(), "cancel");
  batch.write_env(2, 2);
  batch.hold();  // never released: the job runs until cleanup cancels it
  const auto submitted = batch.traitctl(batch.args("submit", {"--yes"}, true));
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  ASSERT_TRUE(e2e::wait_for([&] { return !batch.jobs().empty() && batch.jobs()[0].state == "RUNNING"; }));
  const auto cleanup =
      batch.traitctl(batch.args("cleanup", {"--failed", "--include-active", "--yes", "--json"}));
  ASSERT_EQ(cleanup.exit_code, 0) << cleanup.err;
  EXPECT_EQ(parsed(cleanup)["deleted"], json::array({batch.prefix() + "-2"}));
  const auto jobs = batch.jobs();
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_THAT(jobs[0].state, AnyOf("CANCELLED", "COMPLETING"));
}

}  // namespace
}  // namespace traitctl::slurm_test::e2e_run_tests
