// The simulated cluster in state.json: every workload ever created, and what
// one call sees of it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace fake_runai {

struct Workload {
  std::string name;
  std::string project;
  std::string kind;  // "workspace" or "training"
  int attempt = 1;
  std::int64_t created_ms = 0;
  std::int64_t running_from_ms = 0;
  std::int64_t end_ms = 0;
  std::optional<std::int64_t> deleted_ms;
  std::optional<std::int64_t> gone_ms;  // no longer listed from here on
  int exit_code = 0;
  std::string image;
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;
};

void to_json(nlohmann::json& j, const Workload& w);
void from_json(const nlohmann::json& j, Workload& w);

// The workload's phase at `now_ms`, or nullopt once a deletion has finished.
std::optional<std::string> phase_at(const Workload& w, std::int64_t now_ms);

bool is_terminal(std::string_view phase);

struct Call {
  const Config& config;
  std::vector<Workload>& history;
  std::int64_t now_ms;
  std::uint64_t call_number;
};

// The listed (not yet gone) workload with this name in the project, any kind.
Workload* find_present(Call& call, std::string_view name, std::string_view project);

// Reproducible draws in [0, 1) from the seed, the call number and a salt that
// separates the independent decisions of one call.
double draw(const Call& call, std::uint64_t salt);

enum Salt : std::uint64_t { kHang = 1, kTransient, kGhost, kGarbage, kFirstRow = 1000 };

}  // namespace fake_runai
