// The simulated cluster in state.json: every workload ever created, and what
// one call sees of it.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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
  bool stopped = false;  // someone stops it at end_ms: Stopped instead of Completed or Failed
  std::string image;
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;
  // --cpu-core-request and --cpu-memory-request as given, and what they mean
  // (cores, bytes); nullopt when the submit had none.
  std::optional<std::string> cpu_request;
  std::optional<std::string> memory_request;
  std::optional<double> cpu_cores;
  std::optional<std::uint64_t> memory_bytes;
  std::string outputs_host;  // the host folder mounted at /outputs, "" when none
  // Settled by the first call at or after running_from_ms: mount_failure_above applied.
  bool start_settled = false;
  // Settled by the first call after the job ended or was deleted: the result
  // file written (its path) or not (""); nullopt before.
  std::optional<std::string> outputs_file;
  // Held by config.hold until the release file exists: end_ms is kHeldEndMs meanwhile.
  bool held = false;
  std::string node;  // where it runs (Config::nodes)
};

// A held job's end: far in the future, and far from overflowing when added to.
inline constexpr std::int64_t kHeldEndMs = std::int64_t{1} << 52;

void to_json(nlohmann::json& j, const Workload& w);
void from_json(const nlohmann::json& j, Workload& w);

// state.json.
struct State {
  std::uint64_t call_count = 0;
  std::uint64_t list_calls = 0;  // answered list calls: how many other_churn rounds have vanished
  std::vector<Workload> history;
  std::set<std::string> lost_delete_answers;  // lost_deletes names whose answer was lost already
};

void to_json(nlohmann::json& j, const State& s);
void from_json(const nlohmann::json& j, State& s);

// The workload's phase at `now_ms`, or nullopt once a deletion has finished.
std::optional<std::string> phase_at(const Workload& w, std::int64_t now_ms);

bool is_terminal(std::string_view phase);

// Alive at t: created <= t < min(end, deleted).
bool alive_at(const Workload& w, std::int64_t t_ms);

// The prefix of a batch name, `<prefix>-<digits>`; nullopt for other names.
std::optional<std::string_view> batch_prefix(std::string_view name);

struct Call {
  const Config& config;
  State& state;
  std::int64_t now_ms;
  std::uint64_t call_number;
  bool released;  // the test created $FAKE_RUNAI_DIR/release: held jobs end (config.hold)
};

// The listed (not yet gone) workload with this name in the project, any kind.
Workload* find_present(Call& call, std::string_view name, std::string_view project);

// other_churn's workloads present in `project` now are those from index
// churn_first(call) to config.other_churn.count (none in other projects).
std::uint64_t churn_first(const Call& call, std::string_view project);
std::string churn_name(std::uint64_t index);

// Reproducible draws in [0, 1) from the seed, the call number and a salt that
// separates the independent decisions of one call.
double draw(const Call& call, std::uint64_t salt);

enum Salt : std::uint64_t { kHang = 1, kTransient, kGhost, kGarbage, kLostDelete, kLostSubmit, kFirstRow = 1000 };

}  // namespace fake_runai
