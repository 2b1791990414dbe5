// A real single-node Slurm cluster for tests, entirely inside one folder: its
// own munged on its own socket and key, slurmctld and slurmd on free ports,
// state, spool, pid and log files in the folder. Started and stopped by the
// tests themselves (no systemd, nothing in /etc touched), as root or as any
// other user: the daemons run as whoever starts them.
//
// That folder is a short one under /tmp (/tmp/traitctl-sc-XXXXXX), since
// the Unix sockets in it (slurmstepd's in the spool) must stay within 108
// bytes; the folder the caller names, such as one in a deep build tree, only
// records where it is (its file `location`), so that a cluster an
// interrupted run left behind is still found and stopped.
//
// Measured on the 2-core development VM (Debian 12, Slurm 22.05), also under
// a load average of 10: start takes 0.15-1.1 s (mostly slurmd registering
// with the controller), stop 0.1-0.4 s.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include "traitctl/adapters/process.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl::slurm_test {

// What the tests may rely on about the cluster, recorded in
// `<dir>/cluster.json` so that other processes can attach to it.
struct ClusterFacts {
  std::string node;       // the host's short name (slurmctld insists on it)
  std::string partition;  // the only partition, the default one
  int cpus = 0;           // what Slurm believes the node has, more than the real cores
  std::uint64_t memory_mb = 0;
  std::filesystem::path client_bin;  // the folder holding sbatch, squeue, ...
};

// What a test may want other than the defaults.
struct ClusterOptions {
  // How long the controller keeps a finished job (MinJobAge); it forgets
  // the job at its next purge after that (some seconds later).
  int min_job_age_seconds = 300;
};

class SlurmCluster {
 public:
  // Starts a cluster recorded in `record`, created afresh: a cluster a
  // previous run left (an interrupted test run) is stopped and its folders
  // removed first. Returns once the node is idle. Backend error naming the
  // step that failed and the log's last lines; NotFound with the packages to
  // install when a Slurm or munge program is missing; Config when a socket
  // path would pass the 108-byte limit.
  [[nodiscard]] static Result<SlurmCluster> start(const std::filesystem::path& record,
                                                  const ClusterOptions& options = {});
  // The cluster start() left running from `record` (the CTest fixture's).
  [[nodiscard]] static Result<SlurmCluster> attach(const std::filesystem::path& record);
  // Stops whatever cluster runs from `record`: the daemons by their pid files,
  // then every process still carrying its SLURM_CONF (slurmstepd and jobs
  // outlive slurmd), and removes its folder and `record`. Nothing to do when
  // `record` does not exist.
  [[nodiscard]] static Result<void> stop(const std::filesystem::path& record);

  // The folder the cluster runs in, and the folder that records it (what
  // start(), attach() and stop() take).
  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  [[nodiscard]] const std::filesystem::path& record() const { return record_; }
  [[nodiscard]] std::filesystem::path conf_path() const { return dir_ / "slurm.conf"; }
  [[nodiscard]] const ClusterFacts& facts() const { return facts_; }
  // What a child running Slurm commands against this cluster needs, and all
  // a traitctl child needs besides its own settings: SLURM_CONF, and PATH
  // with the Slurm client first.
  [[nodiscard]] EnvironmentOverrides environment() const;

 private:
  SlurmCluster(std::filesystem::path record, std::filesystem::path dir, ClusterFacts facts)
      : record_(std::move(record)), dir_(std::move(dir)), facts_(std::move(facts)) {}

  std::filesystem::path record_;
  std::filesystem::path dir_;
  ClusterFacts facts_;
};

// Whether the process runs: not gone and not a zombie (the daemons are
// reparented to a pid 1 that may never reap them).
[[nodiscard]] bool process_running(pid_t pid);

// The cluster this test program's tests share. Under CTest it is the
// `slurm_cluster` fixture's, named by TRAITCTL_SLURM_CLUSTER; a test program
// run by hand starts its own under /tmp and stops it at exit. Fails the
// calling test (fatally) when there is none.
[[nodiscard]] const SlurmCluster& shared_cluster();

}  // namespace traitctl::slurm_test
