#include "config.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>

#include "flags.hpp"

namespace fake_runai {

using json = nlohmann::json;
namespace fs = std::filesystem;

namespace {

OtherChurn load_churn(const json& j) {
  OtherChurn churn;
  churn.count = j.value("count", churn.count);
  churn.vanish_per_list_call = j.value("vanish_per_list_call", churn.vanish_per_list_call);
  churn.status = j.value("status", churn.status);
  churn.kind = j.value("kind", churn.kind);
  if (j.contains("project")) {
    churn.project = j.at("project").get<std::string>();
  }
  return churn;
}

// ["name", ...] (every attempt) or {"name": [attempt, ...]}: no_outputs and hold.
std::map<std::string, std::set<int>> load_attempts_by_name(const json& j) {
  std::map<std::string, std::set<int>> no_outputs;
  if (j.is_array()) {
    for (const auto& name : j) {
      no_outputs[name.get<std::string>()] = {};
    }
    return no_outputs;
  }
  for (const auto& [name, attempts] : j.items()) {
    no_outputs[name] = attempts.get<std::set<int>>();
    if (no_outputs[name].empty()) {
      throw SetupError(fmt::format("config.json: {} lists no attempt", name));
    }
  }
  return no_outputs;
}

std::optional<std::uint64_t> unit_multiplier(std::string_view unit) {
  constexpr std::array<std::string_view, 7> decimal{"", "k", "M", "G", "T", "P", "E"};
  constexpr std::array<std::string_view, 7> binary{"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
  std::uint64_t thousands = 1;
  std::uint64_t kibis = 1;
  for (std::size_t power = 0; power < decimal.size(); ++power) {
    if (unit == decimal[power]) {
      return thousands;
    }
    if (power > 0 && unit == binary[power]) {
      return kibis;
    }
    thousands *= 1000;
    kibis *= 1024;
  }
  return std::nullopt;
}

}  // namespace

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
    config.stopped = j.value("stopped", std::set<std::string>{});
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
    config.faults.lost_delete_rate = faults.value("lost_delete_rate", 0.0);
    config.faults.lost_delete_hang = faults.value("lost_delete_hang", false);
    config.lost_deletes = j.value("lost_deletes", std::set<std::string>{});
    config.faults.lost_submit_rate = faults.value("lost_submit_rate", 0.0);
    config.lost_submits = j.value("lost_submits", std::map<std::string, std::set<int>>{});
    config.lost_resubmits = j.value("lost_resubmits", false);
    config.list_lag_ms = j.value("list_lag_ms", config.list_lag_ms);
    if (j.contains("other_churn")) {
      config.other_churn = load_churn(j.at("other_churn"));
    }
    const json memory_needed = j.value("memory_needed", json::object());
    for (const auto& [name, amount] : memory_needed.items()) {
      const auto bytes = quantity_bytes(amount.get<std::string>());
      if (!bytes) {
        throw SetupError(fmt::format("config.json: memory_needed for {}: \"{}\" is not a quantity like 96G",
                                     name, amount.get<std::string>()));
      }
      config.memory_needed[name] = *bytes;
    }
    config.describe_init_containers = j.value("describe_init_containers", false);
    config.init_exit_code = j.value("init_exit_code", 0);
    config.describe_sidecar = j.value("describe_sidecar", false);
    config.no_outputs = load_attempts_by_name(j.value("no_outputs", json::array()));
    config.nodes = j.value("nodes", config.nodes);
    if (config.nodes.empty()) {
      throw SetupError("config.json: nodes is empty; name at least one node or leave it out");
    }
    config.bad_node = j.value("bad_node", config.bad_node);
    if (j.contains("mount_failure_above")) {
      config.mount_failure_above = j.at("mount_failure_above").get<int>();
    }
    if (j.contains("hold")) {
      const json& hold = j.at("hold");
      config.hold_all = hold.is_boolean() && hold.get<bool>();
      if (!hold.is_boolean()) {
        config.hold = load_attempts_by_name(hold);  // the same shape: names, or names and attempts
      }
    }
  } catch (const json::exception& e) {
    throw SetupError(fmt::format("config.json in {}: {}", path.parent_path().string(), e.what()));
  }
  return config;
}

std::optional<std::uint64_t> quantity_bytes(std::string_view text) {
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  const std::size_t whole_end =
      static_cast<std::size_t>(std::find_if_not(text.begin(), text.end(), is_digit) - text.begin());
  std::size_t number_end = whole_end;
  if (number_end < text.size() && text[number_end] == '.') {
    number_end = static_cast<std::size_t>(
        std::find_if_not(text.begin() + static_cast<std::ptrdiff_t>(number_end) + 1, text.end(), is_digit) -
        text.begin());
  }
  const auto multiplier = unit_multiplier(text.substr(number_end));
  if (number_end == 0 || (whole_end == 0 && number_end == 1) || !multiplier) {
    return std::nullopt;
  }
  std::uint64_t whole = 0;
  if (whole_end > 0 && std::from_chars(text.data(), text.data() + whole_end, whole).ec != std::errc{}) {
    return std::nullopt;
  }
  if (whole > std::numeric_limits<std::uint64_t>::max() / *multiplier) {
    return std::nullopt;
  }
  const std::string fraction(text.substr(whole_end, number_end - whole_end));
  const long double part = fraction.size() > 1 ? std::stold("0" + fraction) : 0.0L;
  return whole * *multiplier +
         static_cast<std::uint64_t>(std::ceil(part * static_cast<long double>(*multiplier)));
}

}  // namespace fake_runai
