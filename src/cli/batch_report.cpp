#include "traitctl/cli/batch_report.hpp"

#include <fmt/ranges.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <ranges>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

using nlohmann::json;

json trait_map(const std::map<int, std::string>& entries) {
  json object = json::object();
  for (const auto& [trait, text] : entries) {
    object[std::to_string(trait)] = text;
  }
  return object;
}

std::vector<int> keys_of(const std::map<int, std::string>& entries) {
  std::vector<int> traits;
  for (const auto& [trait, text] : entries) {
    traits.push_back(trait);
  }
  return traits;
}

int count_of(const BatchReport& report, FailureClass failure) {
  const auto found = report.by_class.find(failure);
  return found == report.by_class.end() ? 0 : found->second;
}

// " (traits 2, 15)" after a count, so the report names them; "" for none.
std::string named(const std::vector<int>& traits) {
  return traits.empty() ? "" : fmt::format(" (traits {})", fmt::join(traits, ", "));
}

std::vector<int> failed_as(const BatchReport& report, FailureClass failure) {
  std::vector<int> traits;
  for (const auto& [trait, failed] : report.failed_as) {
    if (failed == failure) {
      traits.push_back(trait);
    }
  }
  return traits;
}

// 32G -> 64G,96G,160G: the lab's standard, high and ultra-high memory
// templates scaled from MEMORY.
std::string suggested_ladder(const std::string& memory) {
  const std::size_t digits = std::min(memory.find_first_not_of("0123456789"), memory.size());
  auto amount = parse_int(std::string_view(memory).substr(0, digits), "MEMORY");
  if (digits == 0 || !amount || *amount > 1'000'000) {
    return "64G,96G,160G";
  }
  const std::string unit = memory.substr(digits);
  return fmt::format("{}{},{}{},{}{}", *amount * 2, unit, *amount * 3, unit, *amount * 5, unit);
}

// What a person can do about the traits that failed for good.
std::vector<std::string> next_steps(const BatchReport& report, const BatchContext& context) {
  std::vector<std::string> steps;
  const BatchSettings& settings = context.settings;
  if (const auto& stop = report.submission_stop) {
    steps.push_back(
        fmt::format("no new trait was submitted after {} failed as {} (traits {}), the first "
                    "with: {}; fix that, then run the same command again: it goes on where it stopped",
                    plural(stop->first_failures.size(), "trait"), to_string(stop->failure),
                    fmt::join(std::views::keys(stop->first_failures), ", "),
                    printable(stop->first_failures.front().second)));
  }
  const auto oom = failed_as(report, FailureClass::Oom);
  if (!oom.empty() && settings.memory_ladder.empty()) {
    const std::string ladder = suggested_ladder(settings.memory);
    steps.push_back(fmt::format(
        "out of memory, not retried without a memory ladder (traits {}): `MEMORY_LADDER={} traitctl retry`, "
        "or `MEMORY={} traitctl resubmit {}`",
        fmt::join(oom, ", "), ladder, ladder.substr(ladder.rfind(',') + 1), fmt::join(oom, " ")));
  } else if (!oom.empty()) {
    steps.push_back(
        fmt::format("out of memory at the top tier {} (traits {}): add a larger MEMORY_LADDER tier, "
                    "then `traitctl retry`",
                    settings.memory_ladder.back(), fmt::join(oom, ", ")));
  }
  const auto config = failed_as(report, FailureClass::Config);
  if (!config.empty()) {
    steps.push_back(
        fmt::format("configuration errors (traits {}): fix the inputs (see `traitctl logs {}`), then "
                    "`traitctl resubmit {}`",
                    fmt::join(config, ", "), config.front(), fmt::join(config, " ")));
  }
  if (!report.stopped.empty()) {
    steps.push_back(
        fmt::format("stopped before they completed (traits {}): `traitctl resubmit {}` to run them "
                    "again",
                    fmt::join(report.stopped, ", "), fmt::join(report.stopped, " ")));
  }
  return steps;
}

json cap_json(const CapState& cap) { return {{"effective", effective_cap(cap)}, {"maximum", cap.maximum}}; }

json stop_json(const SubmissionStop& stop) {
  json failures = json::array();
  for (const auto& [trait, evidence] : stop.first_failures) {
    failures.push_back({{"trait", trait}, {"evidence", evidence}});
  }
  return {{"class", to_string(stop.failure)}, {"limit", stop.limit}, {"first_failures", failures}};
}

json submit_json(const BatchReport& report, const BatchContext& context) {
  const std::size_t total = context.traits.size();
  json result{{"command", "submit"},
              {"prefix", context.settings.prefix},
              {"project", context.settings.project},
              {"submitted", report.submitted},
              {"skipped", report.existing},
              {"failed", trait_map(report.submission_failures)},
              {"not_started", report.not_started.size()},
              {"total", total},
              {"cap", cap_json(report.cap)},
              {"interrupted", report.interrupted}};
  return result;
}

json supervision_json(CommandKind kind, const BatchReport& report, const BatchContext& context,
                      Duration wall_time) {
  json by_class = json::object();
  for (const auto& [failure, number] : report.by_class) {
    by_class[std::string(to_string(failure))] = number;
  }
  json deferred = json::object();
  for (const auto& [trait, eligible_at] : report.deferred) {
    deferred[std::to_string(trait)] = format_utc(eligible_at);
  }
  json result{{"command", command_name(kind)},
              {"prefix", context.settings.prefix},
              {"project", context.settings.project},
              {"failed_jobs_found", report.failed_found},
              {"failures_by_class", by_class},
              {"mount_failures", count_of(report, FailureClass::Mount)},
              {"configuration_errors", count_of(report, FailureClass::Config)},
              {"oom", count_of(report, FailureClass::Oom)},
              {"incomplete", count_of(report, FailureClass::Incomplete)},
              {"infrastructure", count_of(report, FailureClass::Infrastructure)},
              {"unknown", count_of(report, FailureClass::Unknown)},
              {"timeouts", count_of(report, FailureClass::Timeout)},
              {"retried", report.retried},
              {"resubmitted_manually", report.resubmitted_manually},
              {"would_retry", report.would_retry},
              {"succeeded_after_retry", report.succeeded_after_retry},
              {"out_of_retries", report.out_of_retries},
              {"resubmission_failures", trait_map(report.resubmission_failures)},
              {"skipped", trait_map(report.not_retryable)},
              {"stopped", report.stopped},
              {"vanished", report.vanished},
              {"deferred", deferred},
              {"memory", trait_map(report.memory)},
              {"next_steps", next_steps(report, context)},
              {"cap", cap_json(report.cap)},
              {"interrupted", report.interrupted}};
  if (kind == CommandKind::Resubmit) {
    result["refused"] = trait_map(report.refused);
  }
  if (report.submission_stop) {
    result["submission_stopped"] = stop_json(*report.submission_stop);
  }
  if (kind == CommandKind::Run) {
    result["submitted"] = report.submitted;
    result["existing"] = report.existing;
    result["completed"] = report.completed;
    result["submission_failures"] = trait_map(report.submission_failures);
    result["total"] = context.traits.size();
    result["wall_seconds"] = in_seconds(wall_time);
  }
  return result;
}

void print_submit_text(const BatchReport& report, const BatchContext& context) {
  fmt::print("Submitted: {}  Skipped: {} (already exist)  Failed: {}  Not started: {}  Total: {}\n",
             report.submitted.size(), report.existing.size(), report.submission_failures.size(),
             report.not_started.size(), context.traits.size());
}

void print_supervision_text(CommandKind kind, const BatchReport& report, const BatchContext& context,
                            Duration wall_time) {
  const auto line = [](std::string_view label, auto value, const std::string& detail = "") {
    fmt::print("  {:<27}{}{}\n", label, value, detail);
  };
  fmt::print("Statistics:\n");
  if (kind == CommandKind::Run) {
    line("Traits:", context.traits.size());
    line("Submitted:", report.submitted.size());
    line("Completed:", report.completed.size());
    line("Submission failures:", report.submission_failures.size(),
         named(keys_of(report.submission_failures)));
  }
  line("Failed jobs found:", report.failed_found);
  for (const auto& [failure, number] : report.by_class) {
    line(fmt::format("  {}:", to_string(failure)), number);
  }
  line("Retried:", report.retried.size() + report.resubmitted_manually.size());
  line("Succeeded after retry:", report.succeeded_after_retry.size());
  line("Out of retries:", report.out_of_retries.size(), named(report.out_of_retries));
  line("Skipped (not retryable):", report.not_retryable.size(), named(keys_of(report.not_retryable)));
  if (!report.stopped.empty()) {
    line("Stopped (never completed):", report.stopped.size(), named(report.stopped));
  }
  if (!report.vanished.empty()) {
    line("Deleted by someone else:", report.vanished.size(), named(report.vanished));
  }
  line("Resubmission failures:", report.resubmission_failures.size(),
       named(keys_of(report.resubmission_failures)));
  if (!report.refused.empty()) {
    line("Refused:", report.refused.size(), named(keys_of(report.refused)));
  }
  for (const auto& [trait, eligible_at] : report.deferred) {
    fmt::print("  Trait {} becomes eligible for retry at {}\n", trait, format_utc(eligible_at));
  }
  if (throttled(report.cap)) {
    line("Cap at the end:", effective_cap(report.cap),
         fmt::format(" (lowered from {} by mount failures)", report.cap.maximum));
  }
  if (kind == CommandKind::Run) {
    line("Wall time:", format_duration(wall_time));
  }
  const auto steps = next_steps(report, context);
  if (!steps.empty()) {
    fmt::print("What to do:\n");
    for (const auto& step : steps) {
      fmt::print("  - {}\n", step);
    }
  }
}

}  // namespace

void print_batch_report(CommandKind kind, const BatchReport& report, const BatchContext& context, bool json,
                        Duration wall_time, const BatchHealth* health) {
  const bool with_health = health != nullptr && kind != CommandKind::Submit;
  if (json) {
    nlohmann::json result = kind == CommandKind::Submit ? submit_json(report, context)
                                                        : supervision_json(kind, report, context, wall_time);
    if (with_health) {
      result["learned_memory_tier"] = learned_tier_json(*health);
      result["right_sizing"] = right_sizing_json(health->sizing);
      result["nodes"] = nodes_json(health->nodes);
    }
    if (report.fatal) {
      result["error"] = report.fatal->message;
    }
    std::cout << result.dump(2) << '\n';
    return;
  }
  if (report.fatal && report.listings <= 1 && report.submitted.empty()) {
    return;  // stopped before anything happened: the error says it all
  }
  if (kind == CommandKind::Submit) {
    print_submit_text(report, context);
  } else {
    print_supervision_text(kind, report, context, wall_time);
    if (with_health) {
      for (const std::string& text : health_lines(*health, health->backend)) {
        fmt::print("{}\n", text);
      }
    }
  }
  std::fflush(stdout);
}

int batch_exit_code(CommandKind kind, const BatchReport& summary, std::size_t traits) {
  if (summary.fatal) {
    return fail_with(*summary.fatal);
  }
  if (summary.interrupted) {
    report(Tag::Warning, "Interrupted: nothing new was started. Run the same command again to continue.");
    return to_int(ExitCode::Interrupted);
  }
  const bool call_failures = !summary.submission_failures.empty() || !summary.resubmission_failures.empty();
  switch (kind) {
    case CommandKind::Submit: return to_int(call_failures ? ExitCode::Failure : ExitCode::Success);
    case CommandKind::Retry: return to_int(ExitCode::Success);
    case CommandKind::Resubmit:
      return to_int(call_failures || !summary.refused.empty() ? ExitCode::Failure : ExitCode::Success);
    case CommandKind::Run:
      if (summary.completed.size() == traits) {
        return to_int(ExitCode::Success);
      }
      return to_int(call_failures ? ExitCode::Failure : ExitCode::BatchFailed);
  }
  return to_int(ExitCode::Success);
}

}  // namespace traitctl
