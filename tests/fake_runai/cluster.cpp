#include "cluster.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace fake_runai {

using json = nlohmann::json;

namespace {

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

template <typename T>
void get_optional(const json& j, const char* key, std::optional<T>& value) {
  if (!j.at(key).is_null()) {
    value = j.at(key).get<T>();
  }
}

}  // namespace

void to_json(json& j, const Workload& w) {
  j = json{{"name", w.name},
           {"project", w.project},
           {"kind", w.kind},
           {"attempt", w.attempt},
           {"created_ms", w.created_ms},
           {"running_from_ms", w.running_from_ms},
           {"end_ms", w.end_ms},
           {"deleted_ms", optional_json(w.deleted_ms)},
           {"gone_ms", optional_json(w.gone_ms)},
           {"exit_code", w.exit_code},
           {"stopped", w.stopped},
           {"image", w.image},
           {"argv", w.argv},
           {"environment", w.environment},
           {"cpu_request", optional_json(w.cpu_request)},
           {"memory_request", optional_json(w.memory_request)},
           {"cpu_cores", optional_json(w.cpu_cores)},
           {"memory_bytes", optional_json(w.memory_bytes)},
           {"outputs_host", w.outputs_host},
           {"start_settled", w.start_settled},
           {"outputs_file", optional_json(w.outputs_file)},
           {"held", w.held},
           {"node", w.node}};
}

void from_json(const json& j, Workload& w) {
  j.at("name").get_to(w.name);
  j.at("project").get_to(w.project);
  j.at("kind").get_to(w.kind);
  j.at("attempt").get_to(w.attempt);
  j.at("created_ms").get_to(w.created_ms);
  j.at("running_from_ms").get_to(w.running_from_ms);
  j.at("end_ms").get_to(w.end_ms);
  get_optional(j, "deleted_ms", w.deleted_ms);
  get_optional(j, "gone_ms", w.gone_ms);
  j.at("exit_code").get_to(w.exit_code);
  w.stopped = j.value("stopped", false);
  j.at("image").get_to(w.image);
  j.at("argv").get_to(w.argv);
  j.at("environment").get_to(w.environment);
  get_optional(j, "cpu_request", w.cpu_request);
  get_optional(j, "memory_request", w.memory_request);
  get_optional(j, "cpu_cores", w.cpu_cores);
  get_optional(j, "memory_bytes", w.memory_bytes);
  j.at("outputs_host").get_to(w.outputs_host);
  j.at("start_settled").get_to(w.start_settled);
  get_optional(j, "outputs_file", w.outputs_file);
  w.held = j.value("held", false);
  w.node = j.value("node", std::string{});
}

void to_json(json& j, const State& s) {
  j = json{{"call_count", s.call_count},
           {"list_calls", s.list_calls},
           {"history", s.history},
           {"lost_delete_answers", s.lost_delete_answers}};
}

void from_json(const json& j, State& s) {
  s.call_count = j.value("call_count", std::uint64_t{0});
  s.list_calls = j.value("list_calls", std::uint64_t{0});
  s.history = j.value("history", json::array()).get<std::vector<Workload>>();
  s.lost_delete_answers = j.value("lost_delete_answers", std::set<std::string>{});
}

std::optional<std::string> phase_at(const Workload& w, std::int64_t now_ms) {
  if (w.deleted_ms) {
    if (now_ms >= *w.gone_ms) {
      return std::nullopt;
    }
    return "Deleting";
  }
  if (now_ms < w.running_from_ms) {
    return "Pending";
  }
  if (now_ms < w.end_ms) {
    return "Running";
  }
  if (w.stopped) {
    return "Stopped";
  }
  return w.exit_code == 0 ? "Completed" : "Failed";
}

bool is_terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

bool alive_at(const Workload& w, std::int64_t t_ms) {
  const std::int64_t end = w.deleted_ms ? std::min(w.end_ms, *w.deleted_ms) : w.end_ms;
  return w.created_ms <= t_ms && t_ms < end;
}

std::optional<std::string_view> batch_prefix(std::string_view name) {
  const std::size_t dash = name.rfind('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == name.size()) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(dash + 1);
  if (!std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  return name.substr(0, dash);
}

Workload* find_present(Call& call, std::string_view name, std::string_view project) {
  for (auto it = call.state.history.rbegin(); it != call.state.history.rend(); ++it) {
    if (it->name == name && it->project == project && phase_at(*it, call.now_ms)) {
      return &*it;
    }
  }
  return nullptr;
}

std::uint64_t churn_first(const Call& call, std::string_view project) {
  const OtherChurn& churn = call.config.other_churn;
  if (churn.project && *churn.project != project) {
    return churn.count;
  }
  return std::min(churn.count, call.state.list_calls * churn.vanish_per_list_call);
}

std::string churn_name(std::uint64_t index) { return fmt::format("other-{:04}-nb", index); }

// splitmix64
double draw(const Call& call, std::uint64_t salt) {
  std::uint64_t x = call.config.faults.seed * 0x9E3779B97F4A7C15ULL +
                    call.call_number * 0xBF58476D1CE4E5B9ULL + salt * 0x94D049BB133111EBULL;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

}  // namespace fake_runai
