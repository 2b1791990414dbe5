// traitctl describe: one trait's story, from the ledger and the journal —
// every attempt with its times, end, exit code, class, resources and the
// evidence that decided it; the retries used per budget; a resubmission
// under way; the current job from one listing; the next step.
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/advice.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/batch_health.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/inspection.hpp"
#include "traitctl/cli/status_table.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct DescribeOptions {
  BatchOptions batch;
  BackendOptions backend;
  int trait = 0;
};

struct Story {
  const BatchContext& context;
  const Inspection& inspection;
  const BatchLook& look;
  const TraitRow& row;
  const TraitRecord* record;  // null when the ledger knows nothing of the trait
  std::vector<const JournalEntry*> journal;
  AdviceContext advice;
  BatchHealth health;  // of the whole batch: right-sizing, nodes
};

struct BudgetLine {
  std::string name;
  int used;
  int size;
};

std::vector<BudgetLine> budgets(const TraitRecord& record, const RetryPolicy& policy) {
  return {{"mount and infrastructure failures", record.automatic_retries, policy.max_retries},
          {"out-of-memory steps (MEMORY_LADDER)", record.oom_retries, policy.memory_steps},
          {"incomplete outputs", record.incomplete_retries, policy.max_incomplete_retries}};
}

std::optional<Duration> duration_of(const AttemptRecord& attempt) {
  if (!attempt.submitted_at || !attempt.ended_at) {
    return std::nullopt;
  }
  return std::chrono::duration_cast<Duration>(*attempt.ended_at - *attempt.submitted_at);
}

// key=value for each detail of a journal line; text with spaces quoted.
std::string details_text(const nlohmann::json& details) {
  std::vector<std::string> parts;
  for (const auto& [key, value] : details.items()) {
    std::string shown = value.is_string()
                            ? printable(value.get<std::string>())
                            : value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    if (value.is_string() && shown.find(' ') != std::string::npos) {
      shown = nlohmann::json(shown).dump();
    }
    parts.push_back(fmt::format("{}={}", key, shown));
  }
  return fmt::format("{}", fmt::join(parts, " "));
}

std::string now_line(const Story& story) {
  const TraitStatus& status = story.row.status;
  const std::string batch = fmt::format("Trait {} of batch {} in project {}", status.trait,
                                        story.context.settings.prefix, story.context.settings.project);
  if (status.state == TraitState::NotSubmitted) {
    return fmt::format("{}: no job listed at {}", batch, format_utc(story.inspection.taken_at));
  }
  return fmt::format("{}: job {} is {} (listed at {})", batch, printable(status.job),
                     printable(status.status), format_utc(story.inspection.taken_at));
}

std::vector<std::string> summary_lines(const Story& story) {
  const TraitRow& row = story.row;
  std::vector<std::string> lines{now_line(story)};
  if (row.status.state == TraitState::Failed) {
    const std::string source = row.classified_by == ClassifiedBy::Ledger   ? "recorded in the ledger"
                               : row.classified_by == ClassifiedBy::Status ? "found now, not recorded"
                                                                           : "not classified";
    lines.push_back(fmt::format("  class      {} ({}){}", class_cell(row), source,
                                row.evidence.empty() ? "" : ": " + printable(row.evidence)));
  }
  if (row.attention != Attention::None) {
    lines.push_back(fmt::format("  attention  {}", to_string(row.attention)));
    lines.push_back(fmt::format("  next step  {}", next_step(row, story.advice, story.inspection.taken_at)));
  }
  if (row.status.state != TraitState::NotSubmitted) {
    lines.push_back(fmt::format("  log        {}", logs_command(row.status.trait, 0, story.advice.backend)));
  }
  return lines;
}

// "ran on node-3 from <start> to <end>, peak 21.3G, CPU 1234.5 s": the
// cluster's facts of the attempt; what it does not know is left out.
std::string facts_text(const AttemptRecord& attempt) {
  std::vector<std::string> parts;
  std::string where = attempt.node ? "ran on " + printable(*attempt.node) : std::string{};
  if (attempt.started_at) {
    where += fmt::format("{}from {}", where.empty() ? "ran " : " ", format_utc(*attempt.started_at));
    if (attempt.ended_at) {
      where += fmt::format(" to {}", format_utc(*attempt.ended_at));
    }
  }
  if (!where.empty()) {
    parts.push_back(std::move(where));
  }
  if (attempt.peak_memory_bytes) {
    parts.push_back(fmt::format("peak {}", format_gigabytes(*attempt.peak_memory_bytes)));
  }
  if (attempt.cpu_seconds) {
    parts.push_back(fmt::format("CPU {:.1f} s", *attempt.cpu_seconds));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

nlohmann::json time_or_null(const std::optional<TimePoint>& time) {
  return time ? nlohmann::json(format_utc(*time)) : nlohmann::json(nullptr);
}

std::vector<std::string> attempt_lines(const Story& story, const AttemptRecord& attempt) {
  const bool current = story.record != nullptr && attempt.number == listed_attempt(*story.record);
  std::string timing =
      attempt.submitted_at ? "submitted " + format_utc(*attempt.submitted_at) : "submission time unknown";
  if (const auto took = duration_of(attempt)) {
    timing += fmt::format(", ended {} after {}", format_utc(*attempt.ended_at), format_duration(*took));
  } else if (current && attempt.submitted_at && story.row.status.state != TraitState::NotSubmitted &&
             !attempt.end) {
    timing += fmt::format(", {} for {}", printable(story.row.status.status),
                          format_duration(std::chrono::duration_cast<Duration>(story.inspection.taken_at -
                                                                               *attempt.submitted_at)));
  }
  if (attempt.end) {
    timing += fmt::format(": {}", to_string(*attempt.end));
  }
  std::vector<std::string> lines{fmt::format("  {:<2} {}", attempt.number, timing)};
  std::vector<std::string> outcome;
  if (attempt.exit_code) {
    outcome.push_back(fmt::format("exit code {}", *attempt.exit_code));
  }
  if (attempt.failure) {
    outcome.push_back(fmt::format("class {}", to_string(*attempt.failure)));
  }
  if (!outcome.empty() || !attempt.evidence.empty()) {
    lines.push_back(fmt::format("     {}{}", fmt::join(outcome, ", "),
                                attempt.evidence.empty() ? "" : ": " + printable(attempt.evidence)));
  }
  std::vector<std::string> resources;
  if (!attempt.cpu.empty()) {
    resources.push_back(fmt::format("{} CPU", printable(attempt.cpu)));
  }
  if (!attempt.memory.empty()) {
    resources.push_back(fmt::format("{} memory", printable(attempt.memory)));
  }
  if (!attempt.job_id.empty()) {
    resources.push_back(fmt::format("job id {}", printable(attempt.job_id)));
  }
  if (!resources.empty()) {
    lines.push_back(fmt::format("     {}", fmt::join(resources, ", ")));
  }
  if (const auto facts = facts_text(attempt); !facts.empty()) {
    lines.push_back(fmt::format("     {}", facts));
  }
  return lines;
}

std::vector<std::string> ledger_lines(const Story& story) {
  std::vector<std::string> lines;
  const int trait = story.row.status.trait;
  if (story.record == nullptr) {
    lines.push_back(
        fmt::format("The ledger has no record of trait {}: no traitctl with this --state-dir has "
                    "submitted it.",
                    trait));
    return lines;
  }
  const TraitRecord& record = *story.record;
  lines.push_back(fmt::format("Attempts ({}):", record.attempts.size()));
  for (const AttemptRecord& attempt : record.attempts) {
    const auto more = attempt_lines(story, attempt);
    lines.insert(lines.end(), more.begin(), more.end());
  }
  std::vector<std::string> used;
  for (const BudgetLine& budget : budgets(record, story.look.policy)) {
    used.push_back(fmt::format("{} for {}", retry_label(budget.used, budget.size), budget.name));
  }
  lines.push_back(fmt::format("Retries used: {}; {}", fmt::join(used, ", "),
                              plural(record.manual_resubmissions, "manual resubmission")));
  if (sent_unlisted(record)) {
    lines.push_back(fmt::format("Submission under way: attempt {}, sent {}, not listed yet",
                                record.pending->attempt, format_utc(record.pending->recorded_at)));
  }
  if (const PendingIntent* intent = resubmission_intent(record)) {
    const PendingIntent& pending = *intent;
    lines.push_back(
        fmt::format("Resubmission under way: {}, attempt {}, decided {}{}; old job gone: {}, sent: {}",
                    to_string(pending.kind), pending.attempt, format_utc(pending.recorded_at),
                    pending.forced ? " (forced)" : "", pending.old_job_gone ? "yes" : "no",
                    pending.submit_sent ? "yes" : "no"));
  } else {
    lines.emplace_back("Resubmission under way: none");
  }
  lines.push_back(fmt::format("Out of retries: {}", record.out_of_retries ? "yes" : "no"));
  return lines;
}

std::vector<std::string> journal_lines(const Story& story) {
  std::vector<std::string> lines{fmt::format("Journal ({}, {}):", plural(story.journal.size(), "event"),
                                             journal_path(story.context.state_dir).string())};
  for (const JournalEntry* entry : story.journal) {
    lines.push_back(fmt::format("  {}  {:<9} {:<15} {}", format_utc(entry->time), printable(entry->command),
                                printable(entry->event.event), details_text(entry->event.details)));
  }
  return lines;
}

nlohmann::json story_json(const Story& story) {
  const int trait = story.row.status.trait;
  nlohmann::json result{{"prefix", story.context.settings.prefix},
                        {"project", story.context.settings.project},
                        {"trait", trait},
                        {"listed_at", format_utc(story.inspection.taken_at)},
                        {"now", row_json(story.row, story.advice, story.inspection.taken_at)},
                        {"log", logs_command(trait, 0, story.advice.backend)},
                        {"ledger", nullptr},
                        {"retries", nullptr}};
  if (story.record != nullptr) {
    nlohmann::json entry = to_json(story.inspection.ledger).at("traits").at(std::to_string(trait));
    for (std::size_t index = 0; index < story.record->attempts.size(); ++index) {
      const AttemptRecord& attempt = story.record->attempts[index];
      const auto took = duration_of(attempt);
      nlohmann::json& shown = entry["attempts"][index];
      shown["duration_seconds"] =
          took ? nlohmann::json(std::chrono::duration_cast<std::chrono::seconds>(*took).count())
               : nlohmann::json();
      // The cluster's facts, null when unknown.
      shown["started_at"] = time_or_null(attempt.started_at);
      shown["ended_at"] = time_or_null(attempt.ended_at);
      shown["node"] = attempt.node ? nlohmann::json(*attempt.node) : nlohmann::json(nullptr);
      shown["peak_memory_bytes"] =
          attempt.peak_memory_bytes ? nlohmann::json(*attempt.peak_memory_bytes) : nlohmann::json(nullptr);
      shown["cpu_seconds"] =
          attempt.cpu_seconds ? nlohmann::json(*attempt.cpu_seconds) : nlohmann::json(nullptr);
    }
    result["ledger"] = std::move(entry);
    const auto all = budgets(*story.record, story.look.policy);
    result["retries"] = {{"transient", {{"used", all[0].used}, {"budget", all[0].size}}},
                         {"memory", {{"used", all[1].used}, {"budget", all[1].size}}},
                         {"incomplete", {{"used", all[2].used}, {"budget", all[2].size}}},
                         {"manual_resubmissions", story.record->manual_resubmissions}};
  }
  nlohmann::json journal = nlohmann::json::array();
  for (const JournalEntry* entry : story.journal) {
    nlohmann::json line = entry->event.details;
    line["time"] = format_utc(entry->time);
    line["command"] = entry->command;
    line["event"] = entry->event.event;
    journal.push_back(std::move(line));
  }
  result["journal"] = std::move(journal);
  result["right_sizing"] = right_sizing_json(story.health.sizing);
  return result;
}

int run_describe(const DescribeOptions& options) {
  if (options.trait < 1) {
    return fail_with(
        make_error(ErrorKind::Usage, "TRAIT must be a trait number, 1 or more (got {})", options.trait));
  }
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  context->traits = {options.trait};
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto glass = open_for_looking(options.backend, *context, clock, cancel);
  if (!glass) {
    return fail_with(glass.error());
  }
  Backend& backend = *glass->backend;
  auto inspection = inspect(*context, backend, glass->store, clock.now());
  if (!inspection) {
    return cancel.stop_requested() ? to_int(ExitCode::Interrupted) : fail_with(inspection.error());
  }
  ViewClassifier classifier(true);
  const BatchLook look = look_at(*context, *inspection, backend, classifier, cancel);
  if (cancel.stop_requested()) {
    return to_int(ExitCode::Interrupted);
  }
  const auto record = inspection->ledger.traits.find(options.trait);
  Story story{*context,
              *inspection,
              look,
              look.rows.front(),
              record == inspection->ledger.traits.end() ? nullptr : &record->second,
              {},
              AdviceContext{options.backend.kind, context->settings.memory},
              batch_health(inspection->ledger, context->settings)};
  for (const JournalEntry& entry : inspection->journal) {
    if (entry.event.trait == options.trait) {
      story.journal.push_back(&entry);
    }
  }
  if (options.batch.json) {
    std::cout << story_json(story).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << '\n';
    return to_int(ExitCode::Success);
  }
  std::vector<std::string> lines = summary_lines(story);
  for (const auto& part :
       {ledger_lines(story), health_lines(story.health, options.backend.kind), journal_lines(story)}) {
    if (part.empty()) {
      continue;
    }
    lines.emplace_back();
    lines.insert(lines.end(), part.begin(), part.end());
  }
  for (const std::string& line : lines) {
    std::cout << line << '\n';
  }
  return to_int(ExitCode::Success);
}

}  // namespace

Command register_describe(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<DescribeOptions>();
  CLI::App* command = app.add_subcommand(
      "describe", "Tell one trait's story: every attempt, why each ended, the retries used, the next step");
  command->add_option("TRAIT", options->trait, "The trait to describe, e.g. 5")->required();
  add_batch_options(*command, options->batch, false);
  add_backend_option(*command, options->backend);
  command->footer(
      "From the attempt ledger and the journal (read, never written) and one listing:\n"
      "each attempt's submission and end times, duration, exit code, failure class,\n"
      "memory and CPU and the evidence that decided the class; the retries used of\n"
      "each budget; a resubmission under way; the journal's events for the trait. A\n"
      "failure no retry has classified yet is classified for the view, as status does.\n"
      "--json prints one object (docs/describe-json.md).\n\n"
      "Examples:\n"
      "  traitctl describe 5\n"
      "  traitctl describe 5 --json | jq '.ledger.attempts'\n"
      "  traitctl describe 5 --backend local\n\n"
      "Exit codes: 0 described, 1 the listing failed or the ledger or journal is\n"
      "unreadable, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_describe(*options); }};
}

}  // namespace traitctl
