// A batch that the built traitctl runs on the test cluster (--backend slurm):
// its folder (data, outputs, the state folder), its .env, and the job
// command, a wrapper that logs when each attempt starts and ends and does
// what the trait's plan says for that attempt. What the jobs and Slurm tell
// afterwards is what the tests judge by.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "cluster.hpp"
#include "harness.hpp"
#include "traitctl/adapters/slurm_parse.hpp"

namespace traitctl::slurm_test {

// One line the wrapper wrote: an attempt starting or ending.
struct JobEvent {
  bool start = true;
  int trait = 0;
  int attempt = 0;
  std::int64_t nanoseconds = 0;  // the job's own clock (date +%s%N)
  std::string job_id;            // SLURM_JOB_ID
  std::string detail;            // start: SLURM_MEM_PER_NODE (MiB); end: the exit code
};

class SlurmBatch {
 public:
  // A batch named `<name><pid>` (unique among test programs sharing the cluster).
  SlurmBatch(const SlurmCluster& cluster, const std::string& name);
  SlurmBatch(const SlurmBatch&) = delete;
  SlurmBatch& operator=(const SlurmBatch&) = delete;
  // Cancels whatever the batch still has queued or running.
  ~SlurmBatch();

  [[nodiscard]] const std::string& prefix() const { return prefix_; }
  [[nodiscard]] const std::filesystem::path& env_file() const { return env_file_; }
  // The folder and its state folder, for the harness's readers (read_ledger).
  [[nodiscard]] const e2e::FakeCluster& folder() const { return folder_; }

  // The .env: traits `first`..`last`, 1 CPU and 64M each, the host paths,
  // no expected output; `extra` lines after.
  void write_env(int first, int last, const std::string& extra = "") const;
  // What attempt n of `trait` does, one step per attempt: "exit 2",
  // "allocate 60" (MiB, held 3 s). Attempts without a step exit 0.
  void plan(int trait, const std::vector<std::string>& steps) const;
  // How long each attempt sleeps before its step (default 1 s).
  void set_sleep(double seconds) const;
  // From now on every attempt, after its sleep, waits until release() (or
  // until it is cancelled): a job the test keeps running as long as it needs.
  void hold() const;
  void release() const;

  // `traitctl <subcommand> --backend slurm --env-file F <args>`; the job
  // command after `--` for commands that take one.
  [[nodiscard]] std::vector<std::string> args(const std::string& subcommand,
                                              const std::vector<std::string>& args = {},
                                              bool with_job_command = false) const;
  [[nodiscard]] e2e::CommandResult traitctl(const std::vector<std::string>& args,
                                            EnvironmentOverrides extra = {}) const;
  [[nodiscard]] Result<ChildProcess> start(const std::vector<std::string>& args,
                                           const std::filesystem::path& log) const;

  [[nodiscard]] std::vector<JobEvent> events() const;
  // Attempts started per trait.
  [[nodiscard]] std::map<int, int> starts() const;
  // The most attempts running at one moment, from their start and end lines.
  [[nodiscard]] int most_running_at_once() const;
  // The batch's jobs as squeue lists them now.
  [[nodiscard]] std::vector<SlurmJob> jobs() const;

 private:
  [[nodiscard]] std::filesystem::path outputs() const { return folder_.dir() / "outputs"; }

  const SlurmCluster& cluster_;
  e2e::FakeCluster folder_;  // the temp folder and state folder (no fake runai is used)
  std::string prefix_;
  std::filesystem::path env_file_;
  std::filesystem::path wrapper_;
};

// The largest number of `jobs` that squeue showed active at once, sampled
// every 100 ms by a thread while the object lives.
class SqueueSampler {
 public:
  SqueueSampler(const SlurmBatch& batch);
  SqueueSampler(const SqueueSampler&) = delete;
  SqueueSampler& operator=(const SqueueSampler&) = delete;
  ~SqueueSampler();
  // Stops sampling; the most active jobs seen.
  int stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace traitctl::slurm_test
