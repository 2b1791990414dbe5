// The test cluster itself: a run interrupted with a cluster up (and a job
// running on it) leaves nothing in the way of the next one.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cluster.hpp"
#include "traitctl/adapters/slurm_cli.hpp"

namespace traitctl::slurm_test::cluster_fixture_tests {
namespace {

namespace fs = std::filesystem;

std::vector<pid_t> pids_in(const fs::path& dir) {
  std::vector<pid_t> pids;
  for (const char* file : {"munged.pid", "slurmctld.pid", "slurmd.pid"}) {
    std::ifstream in(dir / file);
    pid_t pid = 0;
    if (in >> pid) {
      pids.push_back(pid);
    }
  }
  return pids;
}

TEST(SlurmTestCluster, AStartOverALeftoverClusterStopsItAndItsJobs) {
  std::string pattern = (fs::temp_directory_path() / "traitctl-slurm-fixture-XXXXXX").string();
  ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
  const fs::path dir = pattern;
  auto first = SlurmCluster::start(dir);
  ASSERT_TRUE(first.ok()) << first.error().message;
  const fs::path old_folder = first->dir();
  EXPECT_NE(old_folder, dir) << "the cluster runs in a short folder of its own";
  const auto old_daemons = pids_in(old_folder);
  ASSERT_EQ(old_daemons.size(), 3U);

  SlurmOptions options;
  options.script_dir = dir / "scripts";
  options.environment = first->environment();
  SlurmCli slurm(options);
  JobSpec spec;
  spec.name = "leftover";
  spec.cpu = "1";
  spec.memory = "100Mi";
  spec.command = {"/bin/sh", "-c", "echo $$; exec sleep 300"};
  const auto id = slurm.submit(spec, dir / "leftover.log");
  ASSERT_TRUE(id.ok()) << id.error().message;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  bool job_running = false;
  while (!job_running && std::chrono::steady_clock::now() < give_up) {
    const auto jobs = slurm.list();
    job_running = jobs.ok() && !jobs->empty() && jobs->front().state == "RUNNING";
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(job_running);
  pid_t job_pid = 0;
  std::ifstream(dir / "leftover.log") >> job_pid;
  ASSERT_GT(job_pid, 0);

  // As after an interrupted run: the next start finds the folder in use.
  auto second = SlurmCluster::start(dir);
  ASSERT_TRUE(second.ok()) << second.error().message;
  for (const pid_t pid : old_daemons) {
    EXPECT_FALSE(process_running(pid)) << "daemon " << pid << " of the old cluster still runs";
  }
  EXPECT_FALSE(process_running(job_pid)) << "the old cluster's job still runs";
  EXPECT_FALSE(fs::exists(old_folder)) << "the old cluster's folder is left";
  options.environment = second->environment();
  const auto jobs = SlurmCli(options).list();
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_TRUE(jobs->empty()) << "the new cluster lists old jobs";

  const auto stopped = SlurmCluster::stop(dir);
  ASSERT_TRUE(stopped.ok()) << stopped.error().message;
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_FALSE(fs::exists(second->dir()));
}

}  // namespace
}  // namespace traitctl::slurm_test::cluster_fixture_tests
