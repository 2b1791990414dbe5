// `traitctl report --format json`: the report's data as one JSON object
// (docs/report.md).
#include <nlohmann/json.hpp>

#include "traitctl/cli/report.hpp"

namespace traitctl {
namespace {

template <typename Value>
void put(nlohmann::json& object, const char* key, const std::optional<Value>& value) {
  if (value) {
    object[key] = *value;
  } else {
    object[key] = nullptr;
  }
}

void put_time(nlohmann::json& object, const char* key, const std::optional<TimePoint>& time) {
  put(object, key, time ? std::optional<std::string>(format_utc(*time)) : std::nullopt);
}

nlohmann::json attempt_json(const AttemptBar* bar, const AttemptRecord& attempt) {
  nlohmann::json out{
      {"attempt", attempt.number}, {"job_id", attempt.job_id}, {"category", bar_category(attempt)},
      {"memory", attempt.memory},  {"cpu", attempt.cpu},       {"evidence", attempt.evidence}};
  put_time(out, "submitted_at", attempt.submitted_at);
  put_time(out, "started_at", attempt.started_at);
  put_time(out, "ended_at", attempt.ended_at);
  put(out, "end", attempt.end ? std::optional<std::string>(to_string(*attempt.end)) : std::nullopt);
  put(out, "class", attempt.failure ? std::optional<std::string>(to_string(*attempt.failure)) : std::nullopt);
  put(out, "exit_code", attempt.exit_code);
  put(out, "node", attempt.node);
  put(out, "peak_memory_bytes", attempt.peak_memory_bytes);
  put(out, "cpu_seconds", attempt.cpu_seconds);
  put(out, "seconds",
      bar ? std::optional<double>(in_seconds(std::chrono::duration_cast<Duration>(bar->to - bar->from)))
          : std::nullopt);
  out["drawn_from_submission"] = bar != nullptr && bar->from_submission;
  out["open"] = bar != nullptr && bar->open;
  return out;
}

nlohmann::json trait_json(const TraitHistory& trait) {
  nlohmann::json attempts = nlohmann::json::array();
  for (const AttemptBar& bar : trait.bars) {
    attempts.push_back(attempt_json(&bar, bar.record));
  }
  nlohmann::json out{{"trait", trait.trait},
                     {"job", trait.job},
                     {"outcome", to_string(trait.outcome)},
                     {"attempts_recorded", trait.attempts},
                     {"seconds", in_seconds(trait.time_used)},
                     {"attempts", std::move(attempts)}};
  put(out, "class", trait.failure ? std::optional<std::string>(to_string(*trait.failure)) : std::nullopt);
  return out;
}

nlohmann::json summary_json(const HistorySummary& summary) {
  nlohmann::json outcomes = nlohmann::json::object();
  for (const auto& [outcome, count] : summary.by_outcome) {
    outcomes[std::string(to_string(outcome))] = count;
  }
  nlohmann::json failed_seconds = nlohmann::json::object();
  for (const auto& [category, duration] : summary.failed_time_by_class) {
    failed_seconds[category] = in_seconds(duration);
  }
  nlohmann::json out{{"traits", summary.traits},
                     {"outcomes", std::move(outcomes)},
                     {"attempts", summary.attempts},
                     {"attempts_drawn", summary.drawn},
                     {"attempts_start_unknown", summary.started_unknown},
                     {"attempts_open", summary.open},
                     {"cluster_seconds", in_seconds(summary.cluster_time)},
                     {"failed_seconds", in_seconds(summary.failed_time)},
                     {"failed_seconds_by_class", std::move(failed_seconds)},
                     {"failed_attempts_by_class", summary.failed_attempts_by_class}};
  put(out, "wall_seconds",
      summary.wall_time ? std::optional<double>(in_seconds(*summary.wall_time)) : std::nullopt);
  return out;
}

nlohmann::json steps_json(const std::vector<Step>& steps, const char* key) {
  nlohmann::json out = nlohmann::json::array();
  for (const Step& step : steps) {
    out.push_back({{"at", format_utc(step.at)}, {key, step.value}});
  }
  return out;
}

nlohmann::json attention_json(const AttentionItem& item, const ReportData& data) {
  nlohmann::json out{{"trait", item.trait},
                     {"job", item.job},
                     {"attention", item.attention},
                     {"class", item.failure},
                     {"evidence", item.evidence},
                     {"attempt", item.attempt},
                     {"memory", item.memory},
                     {"next_step", item.next_step},
                     {"logs_command", item.logs_command}};
  put(out, "exit_code", item.exit_code);
  if (const auto log = data.logs.find(item.trait); log != data.logs.end()) {
    out["log_tail"] = log->second.tail;
    out["log"] = log->second.missing.empty() ? log->second.location : log->second.missing;
  }
  return out;
}

}  // namespace

std::string render_json(const ReportData& data) {
  const BatchHistory& history = data.history;
  nlohmann::json timeline{{"in_flight", steps_json(history.in_flight, "jobs")},
                          {"cap", steps_json(history.cap, "cap")}};
  put_time(timeline, "from", history.from);
  put_time(timeline, "to", history.to);
  nlohmann::json traits = nlohmann::json::array();
  for (const TraitHistory& trait : history.traits) {
    traits.push_back(trait_json(trait));
  }
  nlohmann::json attention = nlohmann::json::array();
  for (const AttentionItem& item : data.attention) {
    attention.push_back(attention_json(item, data));
  }
  nlohmann::json out{{"project", data.project},
                     {"prefix", data.prefix},
                     {"backend", data.backend},
                     {"taken_at", format_utc(data.taken_at)},
                     {"summary", summary_json(history.summary)},
                     {"timeline", std::move(timeline)},
                     {"traits", std::move(traits)},
                     {"attention", std::move(attention)},
                     {"memory_ladder", data.memory_ladder}};
  put(out, "learned_memory_tier", data.learned_memory_tier);
  out["memory"] = data.memory;
  if (data.sizing) {
    out["right_sizing"] = {{"highest_peak_bytes", data.sizing->highest_peak_bytes},
                           {"median_peak_bytes", data.sizing->median_peak_bytes},
                           {"traits", data.sizing->traits},
                           {"covering", data.sizing->covering},
                           {"advice", data.sizing->advice}};
  } else {
    out["right_sizing"] = nullptr;
  }
  nlohmann::json nodes = nlohmann::json::array();
  for (const NodeHealth& node : data.nodes) {
    nlohmann::json failures = nlohmann::json::object();
    for (const auto& [failure, count] : node.failures) {
      failures[std::string(to_string(failure))] = count;
    }
    nodes.push_back({{"name", node.name},
                     {"attempts", node.attempts},
                     {"finished", node.finished},
                     {"failures", std::move(failures)},
                     {"suspect", node.suspect}});
  }
  out["nodes"] = std::move(nodes);
  return out.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace traitctl
