#include "cluster.hpp"

namespace fake_runai {

using json = nlohmann::json;

namespace {

json optional_ms(const std::optional<std::int64_t>& ms) { return ms ? json(*ms) : json(nullptr); }

}  // namespace

void to_json(json& j, const Workload& w) {
  j = json{{"name", w.name},
           {"project", w.project},
           {"kind", w.kind},
           {"attempt", w.attempt},
           {"created_ms", w.created_ms},
           {"running_from_ms", w.running_from_ms},
           {"end_ms", w.end_ms},
           {"deleted_ms", optional_ms(w.deleted_ms)},
           {"gone_ms", optional_ms(w.gone_ms)},
           {"exit_code", w.exit_code},
           {"image", w.image},
           {"argv", w.argv},
           {"environment", w.environment}};
}

void from_json(const json& j, Workload& w) {
  j.at("name").get_to(w.name);
  j.at("project").get_to(w.project);
  j.at("kind").get_to(w.kind);
  j.at("attempt").get_to(w.attempt);
  j.at("created_ms").get_to(w.created_ms);
  j.at("running_from_ms").get_to(w.running_from_ms);
  j.at("end_ms").get_to(w.end_ms);
  if (!j.at("deleted_ms").is_null()) {
    w.deleted_ms = j.at("deleted_ms").get<std::int64_t>();
  }
  if (!j.at("gone_ms").is_null()) {
    w.gone_ms = j.at("gone_ms").get<std::int64_t>();
  }
  j.at("exit_code").get_to(w.exit_code);
  j.at("image").get_to(w.image);
  j.at("argv").get_to(w.argv);
  j.at("environment").get_to(w.environment);
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
  return w.exit_code == 0 ? "Completed" : "Failed";
}

bool is_terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

Workload* find_present(Call& call, std::string_view name, std::string_view project) {
  for (auto it = call.history.rbegin(); it != call.history.rend(); ++it) {
    if (it->name == name && it->project == project && phase_at(*it, call.now_ms)) {
      return &*it;
    }
  }
  return nullptr;
}

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
