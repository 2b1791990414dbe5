// Ctrl-C of `traitctl run --backend slurm`: it exits 130 within seconds,
// the jobs already in Slurm go on, and the next run finishes the batch
// without a job twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "slurm_batch.hpp"

namespace traitctl::slurm_test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

TEST(SlurmInterrupt, CtrlCExitsAtOnceAndTheNextRunFinishesWithoutAJobTwice) {
  const SlurmBatch batch(shared_cluster(), "intr");
  batch.write_env(2, 7);
  batch.set_sleep(2);
  const std::vector<std::string> run =
      batch.args("run", {"--yes", "--max-concurrent", "2", "--poll-interval", "0.3s"}, true);
  const auto log = batch.folder().dir() / "run.log";
  auto child = batch.start(run, log);
  ASSERT_TRUE(child.ok()) << child.error().message;
  // Interrupted while two jobs run and four traits wait.
  const auto give_up = SteadyClock::now() + 30s;
  while (batch.events().size() < 2 && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(50ms);
  }
  ASSERT_GE(batch.events().size(), 2U) << e2e::read_text(log);
  ::kill(child->pid(), SIGINT);
  const auto signalled = SteadyClock::now();
  EXPECT_EQ(e2e::wait_for_exit(*child, 10s), 130) << e2e::read_text(log);
  EXPECT_LT(SteadyClock::now() - signalled, 5s);
  EXPECT_LE(batch.jobs().size(), 3U) << "traits submitted after Ctrl-C";

  const auto finished = batch.traitctl(run);
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_EQ(batch.starts(), (std::map<int, int>{{2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}));
  EXPECT_EQ(batch.jobs().size(), 6U);
  EXPECT_LE(batch.most_running_at_once(), 2);
}

}  // namespace
}  // namespace traitctl::slurm_test
