// traitctl report: the batch as an HTML page, a Markdown summary, JUnit XML
// or JSON, from the batch's state alone (the ledger, the journal and the
// logs a host backend keeps): no cluster call, so it works after the run,
// offline and in CI.
#include "traitctl/cli/report.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/cli/advice.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/inspection.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/batch_status.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr std::size_t log_tail_bytes = 4096;

struct ReportOptions {
  BatchOptions batch;
  BackendOptions backend;
  std::string format = "html";
  std::optional<std::string> output;
};

// The cap's changes as the journal shows them, and what it was before.
struct CapHistory {
  std::vector<Step> changes;
  std::optional<int> initial;
};

CapHistory cap_history(const std::vector<JournalEntry>& journal, const Ledger& ledger, int max_concurrent) {
  CapHistory history;
  for (const JournalEntry& entry : journal) {
    const std::string& event = entry.event.event;
    if (event != "cap-lowered" && event != "cap-raised" && event != "cap-set") {
      continue;
    }
    const nlohmann::json& details = entry.event.details;
    const auto from = details.find("from");
    const auto to = details.find("to");
    if (to == details.end() || !to->is_number_integer()) {
      continue;
    }
    if (!history.initial && history.changes.empty() && from != details.end() && from->is_number_integer()) {
      history.initial = from->get<int>();
    }
    history.changes.push_back(Step{entry.time, to->get<int>()});
  }
  if (!history.initial && history.changes.empty()) {
    // It never changed: what the ledger kept, else the batch's setting.
    history.initial = ledger.cap ? effective_cap(*ledger.cap) : max_concurrent;
  }
  return history;
}

std::vector<AttentionItem> attention_items(const std::vector<TraitRow>& rows, const AdviceContext& advice,
                                           TimePoint now) {
  std::vector<AttentionItem> items;
  for (const TraitRow& row : rows) {
    if (row.attention == Attention::None) {
      continue;
    }
    const TraitStatus& status = row.status;
    items.push_back(AttentionItem{status.trait, status.job, std::string(to_string(row.attention)),
                                  status.failure ? std::string(to_string(*status.failure)) : "", row.evidence,
                                  row.exit_code, status.attempts, row.memory, next_step(row, advice, now),
                                  logs_command(status.trait, status.attempts, advice.backend)});
  }
  return items;
}

// The end of the latest attempt's log of each trait that failed, where the
// backend keeps it on this machine.
std::map<int, KeptLog> kept_logs(Backend* backend, const BatchHistory& history,
                                 std::string_view backend_kind) {
  std::map<int, KeptLog> logs;
  for (const TraitHistory& trait : history.traits) {
    if (trait.outcome != Outcome::Failed && trait.outcome != Outcome::Retryable) {
      continue;
    }
    KeptLog& kept = logs[trait.trait];
    if (backend == nullptr) {
      kept.missing = fmt::format(
          "the {} backend keeps no log on this machine: `traitctl logs {}` asks the cluster while the job "
          "exists",
          backend_kind, trait.trait);
      continue;
    }
    const int attempt = trait.bars.empty() ? 0 : trait.bars.back().record.number;
    const std::string job_id = trait.bars.empty() ? "" : trait.bars.back().record.job_id;
    auto log = backend->job_log(Workload{trait.job, JobState::Failed, "", job_id, ""}, attempt);
    if (!log) {
      kept.missing = log.error().message;
      continue;
    }
    std::string_view tail = last_lines(log->text, log_tail_lines);
    if (tail.size() > log_tail_bytes) {
      tail.remove_prefix(tail.size() - log_tail_bytes);
    }
    kept.tail = std::string(tail);
    kept.location = log->location;
  }
  return logs;
}

Result<ReportData> gather(const ReportOptions& options, const BatchContext& context, Clock& clock,
                          const CancelToken& cancel) {
  auto glass = open_offline(options.backend, context, clock, cancel);
  if (!glass) {
    return glass.error();
  }
  auto ledger = glass->store.load();
  if (!ledger) {
    return ledger.error();
  }
  auto journal = read_journal(context.state_dir, context.settings.project, context.settings.prefix);
  if (!journal) {
    return journal.error();
  }
  const TimePoint now = clock.now();
  const RetryPolicy policy = policy_seen(*journal, context.settings);
  const BatchStatus status =
      summarize_batch(ledger_view(context.settings.prefix, *ledger), context.traits, *ledger, policy);
  const std::map<int, PlannedRetry> planned = planned_retries(*journal, *ledger);
  const std::vector<TraitRow> rows =
      trait_rows(RowSources{status, *ledger, {}, {}, planned, policy, context.settings.memory_ladder});
  const CapHistory cap = cap_history(*journal, *ledger, context.settings.max_concurrent);
  ReportData data;
  data.project = context.settings.project;
  data.prefix = context.settings.prefix;
  data.backend = options.backend.kind;
  data.taken_at = now;
  data.history = build_history(HistoryInput{status, *ledger, cap.changes, cap.initial, now});
  data.attention = attention_items(rows, AdviceContext{options.backend.kind, context.settings.memory}, now);
  data.logs = kept_logs(glass->backend.get(), data.history, options.backend.kind);
  data.learned_memory_tier = ledger->learned_memory_tier;
  data.memory = context.settings.memory;
  data.memory_ladder = context.settings.memory_ladder;
  data.sizing = right_sizing(*ledger, context.settings.memory);
  data.nodes = node_health(*ledger);
  return data;
}

std::string render(const std::string& format, const ReportData& data) {
  if (format == "markdown") {
    return render_markdown(data);
  }
  if (format == "junit") {
    return render_junit(data);
  }
  if (format == "json") {
    return render_json(data);
  }
  return render_html(data);
}

int run_report(ReportOptions options) {
  if (options.batch.json) {
    if (options.format != "html" && options.format != "json") {
      return fail_with(make_error(
          ErrorKind::Usage, "--json is --format json; drop one of --json and --format {}", options.format));
    }
    options.format = "json";
  }
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto data = gather(options, *context, clock, cancel);
  if (!data) {
    return fail_with(data.error());
  }
  const std::string text = render(options.format, *data);
  if (options.output) {
    if (auto written = write_file_atomically(*options.output, text); !written) {
      return fail_with(make_error(ErrorKind::Io, "could not write the report to {}: {}",
                                  printable(*options.output), written.error().message));
    }
    return to_int(ExitCode::Success);
  }
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    return fail_with(make_error(ErrorKind::Io, "could not write the report to stdout: {}",
                                "the reader went away or the disk is full"));
  }
  return to_int(ExitCode::Success);
}

}  // namespace

Command register_report(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<ReportOptions>();
  CLI::App* command = app.add_subcommand(
      "report", "Write the batch's report: an HTML timeline, a Markdown summary, JUnit XML or JSON");
  add_batch_options(*command, options->batch);
  command
      ->add_option("--format", options->format,
                   "html (one self-contained page), markdown (for a CI step summary), junit (test "
                   "results) or json")
      ->check(CLI::IsMember({"html", "markdown", "junit", "json"}))
      ->capture_default_str()
      ->type_name("FORMAT")
      ->group(help_group::output);
  command->add_option("-o,--output", options->output, "Write it to FILE (atomically) instead of stdout")
      ->type_name("FILE")
      ->group(help_group::output);
  add_backend_option(*command, options->backend);
  command->footer(
      "The report is made from the batch's state alone: its ledger (each attempt's\n"
      "times, node, peak memory, exit code and class), its journal (the cap over time)\n"
      "and, for the local and Slurm backends, the job logs they keep on this machine.\n"
      "It never asks the cluster, so it works after the run, offline and in CI; Run:ai\n"
      "keeps no log offline, so its failures carry no log lines. docs/ci.md shows it\n"
      "in GitHub Actions and GitLab CI.\n\n"
      "The HTML page has everything inline (no script, nothing fetched): a summary,\n"
      "a timeline with one bar per attempt (rows are shared beyond 1000 traits), the\n"
      "jobs in flight and the cap, resources, failures and nodes. JUnit has one\n"
      "testcase per trait: a failure where its latest attempt failed, skipped where\n"
      "it never ran, was stopped or had not finished.\n\n"
      "Examples:\n"
      "  traitctl report -o report.html\n"
      "  traitctl report --format markdown >> \"$GITHUB_STEP_SUMMARY\"\n"
      "  traitctl report --format junit -o traitctl-junit.xml\n"
      "  traitctl report --backend local --format json\n\n"
      "Exit codes: 0 written, 1 the ledger or journal is unreadable, no local batch\n"
      "is recorded, or the file cannot be written (the message names it), 2 invalid\n"
      "usage.");
  return Command{command, [options] { return run_report(*options); }};
}

}  // namespace traitctl
