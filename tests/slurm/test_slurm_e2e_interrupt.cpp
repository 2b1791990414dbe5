// Ctrl-C of `traitctl run --backend slurm`: it exits 130 within seconds,
// the jobs already in Slurm go on, and the next run finishes the batch
// without a job twice.
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <thread>

#include "slurm_batch.hpp"

namespace traitctl::slurm_test::e2e_interrupt_tests {
namespace {

using namespace std::chrono_literals;

TEST(SlurmInterrupt, CtrlCExitsAtOnceAndTheNextRunFinishesWithoutAJobTwice) {
  const SlurmBatch batch(shared_cluster(), "intr");
  batch.write_env(2, 7);
  batch.set_sleep(0);
  batch.hold();  // the jobs run until the rerun: Ctrl-C finds two running and four waiting
  const std::vector<std::string> run =
      batch.args("run", {"--yes", "--max-concurrent", "2", "--poll-interval", "0.3s"}, true);
  const auto log = batch.folder().dir() / "run.log";
  auto child = batch.start(run, log);
  ASSERT_TRUE(child.ok()) << child.error().message;
  // Interrupted while two jobs run and four traits wait.
  ASSERT_TRUE(e2e::wait_for([&] { return batch.events().size() >= 2; })) << e2e::read_text(log);
  ::kill(child->pid(), SIGINT);
  // It exits without waiting for the held jobs, which never end by themselves.
  EXPECT_EQ(e2e::wait_for_exit(*child, 60s), 130) << e2e::read_text(log);
  EXPECT_LE(batch.jobs().size(), 3U) << "traits submitted after Ctrl-C";
  batch.release();

  const auto finished = batch.traitctl(run);
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  EXPECT_EQ(batch.starts(), (std::map<int, int>{{2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}));
  EXPECT_EQ(batch.jobs().size(), 6U);
  EXPECT_LE(batch.most_running_at_once(), 2);
}

}  // namespace
}  // namespace traitctl::slurm_test::e2e_interrupt_tests
