#include "config.hpp"

#include <fmt/format.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "flags.hpp"

namespace fake_runai {

using json = nlohmann::json;
namespace fs = std::filesystem;

Config load_config(const fs::path& path) {
  Config config;
  std::ifstream in(path);
  if (!in) {
    return config;  // no config.json: all defaults
  }
  try {
    const json j = json::parse(in);
    config.version = j.value("version", config.version);
    if (config.version != "2.18" && config.version != "2.20" && config.version != "2.25" &&
        config.version != "v1") {
      throw SetupError(
          fmt::format("config.json: version \"{}\" is not one of 2.18, 2.20, 2.25, v1", config.version));
    }
    config.pending_ms = j.value("pending_ms", config.pending_ms);
    config.running_ms = j.value("running_ms", config.running_ms);
    config.deleting_ms = j.value("deleting_ms", config.deleting_ms);
    config.latency_ms = j.value("latency_ms", config.latency_ms);
    config.default_exit_code = j.value("default_exit_code", config.default_exit_code);
    config.describe_reveals_exit_code = j.value("describe_reveals_exit_code", true);
    config.ansi = j.value("ansi", false);
    if (j.contains("plans")) {
      for (const auto& [name, codes] : j.at("plans").items()) {
        config.plans[name] = codes.get<std::vector<int>>();
        if (config.plans[name].empty()) {
          throw SetupError(fmt::format("config.json: plan for {} is empty", name));
        }
      }
    }
    for (const auto& w : j.value("other_workloads", json::array())) {
      config.other_workloads.push_back({w.at("name").get<std::string>(), w.at("project").get<std::string>(),
                                        w.value("status", "Running"), w.value("kind", "workspace")});
    }
    for (const auto& name : j.value("logs_unavailable", json::array())) {
      config.logs_unavailable.insert(name.get<std::string>());
    }
    const json faults = j.value("faults", json::object());
    config.faults.seed = faults.value("seed", std::uint64_t{0});
    config.faults.transient_rate = faults.value("transient_rate", 0.0);
    config.faults.ghost_submit_rate = faults.value("ghost_submit_rate", 0.0);
    config.faults.hang_rate = faults.value("hang_rate", 0.0);
    config.faults.unknown_status_rate = faults.value("unknown_status_rate", 0.0);
    config.faults.garbage_rate = faults.value("garbage_rate", 0.0);
  } catch (const json::exception& e) {
    throw SetupError(fmt::format("config.json in {}: {}", path.parent_path().string(), e.what()));
  }
  return config;
}

}  // namespace fake_runai
