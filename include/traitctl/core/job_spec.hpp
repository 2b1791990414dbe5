// What one trait's job runs, independent of where it runs: the runai backend
// turns it into `runai workspace submit` argv, the local backend into a process.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace traitctl {

struct JobSpec {
  std::string name;  // e.g. gapit3-trait-42
  int trait = 0;     // the phenotype column, TRAIT_INDEX
  std::string project;
  std::string image;
  std::string cpu;               // --cpu-core-request, e.g. "12"
  std::string memory;            // --cpu-memory-request, e.g. "32G"
  std::string data_path_host;    // mounted read-only at /data
  std::string output_path_host;  // mounted read-write at /outputs
  // Ordered: the container sees them in this order, as the bash script passed them.
  std::vector<std::pair<std::string, std::string>> environment;
  std::vector<std::string> command;  // after `--command --`
  // Nodes the job should not run on (suspect nodes, core/node_health.hpp):
  // Slurm's --exclude; backends that cannot avoid a node ignore it.
  std::vector<std::string> avoid_nodes;
};

}  // namespace traitctl
