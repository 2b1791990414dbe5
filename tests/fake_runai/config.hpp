// config.json: how the simulated cluster behaves. Written by tests; every key
// is optional and load_config documents them.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace fake_runai {

struct OtherWorkload {
  std::string name;
  std::string project;
  std::string status;
  std::string kind;
};

struct Faults {
  std::uint64_t seed = 0;
  double transient_rate = 0;
  double ghost_submit_rate = 0;
  double hang_rate = 0;
  double unknown_status_rate = 0;
  double garbage_rate = 0;
};

struct Config {
  std::string version = "2.20";
  std::int64_t pending_ms = 100;
  std::int64_t running_ms = 300;
  std::int64_t deleting_ms = 0;
  std::int64_t latency_ms = 0;
  std::map<std::string, std::vector<int>> plans;
  int default_exit_code = 0;
  bool describe_reveals_exit_code = true;
  bool ansi = false;
  std::vector<OtherWorkload> other_workloads;
  std::set<std::string> logs_unavailable;
  Faults faults;

  [[nodiscard]] bool v1() const { return version == "v1"; }
  [[nodiscard]] bool v225() const { return version == "2.25"; }
};

// The configuration in `path`, or every default when there is no such file.
Config load_config(const std::filesystem::path& path);

}  // namespace fake_runai
