// traitctl status: where the batch stands, from one listing and the ledger.
#include <fmt/ranges.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/batch_health.hpp"
#include "traitctl/cli/cap_view.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/inspection.hpp"
#include "traitctl/cli/status_table.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/batch_status.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct StatusOptions {
  BatchOptions batch;
  BackendOptions backend;
  bool watch = false;
  std::string interval = "30s";
  bool all = false;
  bool failed = false;
  std::vector<std::string> states;
  bool no_classify = false;
};

struct Snapshot {
  BatchStatus status;
  std::vector<TraitRow> rows;
  TimePoint taken_at;
  std::optional<Duration> elapsed;  // since the batch's first submission, when the ledger knows it
  CapView cap;
  BatchHealth health;  // the learned memory tier, right-sizing and nodes, from the ledger
};

// What each look of the batch uses.
struct Looker {
  const BatchContext& context;
  Backend& backend;
  const LedgerStore& store;
  const Clock& clock;
  const CancelToken& cancel;
  ViewClassifier& classifier;
};

// A notice goes to stderr before many evidence calls, so that a slow first
// look explains itself; `before_stderr` runs first (the watch's display
// then draws below it).
constexpr std::size_t notice_from_calls = 10;

Result<Snapshot> take_snapshot(const Looker& looker, const std::function<void()>& before_stderr) {
  auto inspection = inspect(looker.context, looker.backend, looker.store, looker.clock.now());
  if (!inspection) {
    return inspection.error();
  }
  BatchLook look = look_at(looker.context, *inspection, looker.backend, looker.classifier, looker.cancel,
                           [&](std::size_t count) {
                             if (count >= notice_from_calls) {
                               before_stderr();
                               report(Tag::Info,
                                      "Asking the backend why {} failed: no retry has classified them yet "
                                      "(--no-classify skips this)",
                                      plural(count, "job"));
                             }
                           });
  // A cap file that cannot be read costs only its part of the view.
  auto request = read_cap_request(looker.store);
  if (!request) {
    before_stderr();
    report(Tag::Warning, "{}", request.error().message);
  }
  Snapshot snapshot{std::move(look.status),
                    std::move(look.rows),
                    looker.clock.now(),
                    std::nullopt,
                    cap_view(inspection->ledger.cap, request ? *request : std::nullopt,
                             looker.context.settings.max_concurrent),
                    batch_health(inspection->ledger, looker.context.settings)};
  if (inspection->ledger.first_submitted_at) {
    snapshot.elapsed =
        std::chrono::duration_cast<Duration>(snapshot.taken_at - *inspection->ledger.first_submitted_at);
  }
  return snapshot;
}

RowFilter filter_of(const StatusOptions& options) {
  RowFilter filter{options.all, options.states};
  if (options.failed &&
      std::find(filter.states.begin(), filter.states.end(), "failed") == filter.states.end()) {
    filter.states.insert(filter.states.begin(), "failed");
  }
  return filter;
}

AdviceContext advice_of(const StatusOptions& options, const BatchContext& context) {
  return AdviceContext{options.backend.kind, context.settings.memory};
}

nlohmann::json snapshot_json(const StatusOptions& options, const BatchContext& context,
                             const Snapshot& snapshot) {
  const BatchCounts& counts = snapshot.status.counts;
  nlohmann::json jobs = nlohmann::json::array();
  for (const auto& trait : snapshot.status.traits) {
    if (trait.state != TraitState::NotSubmitted) {
      jobs.push_back({{"name", trait.job},
                      {"trait", trait.trait},
                      {"status", trait.status},
                      {"class", job_class(trait)},
                      {"attempts", trait.attempts}});
    }
  }
  nlohmann::json result{{"prefix", context.settings.prefix},
                        {"project", context.settings.project},
                        {"traits",
                         {{"first", context.traits.front()},
                          {"last", context.traits.back()},
                          {"total", context.traits.size()}}},
                        {"counts",
                         {{"pending", counts.pending},
                          {"running", counts.running},
                          {"other_active", counts.other_active},
                          {"completed", counts.completed},
                          {"failed", counts.failed},
                          {"failed_by_class", counts.failed_by_class},
                          {"permanently_failed", counts.permanently_failed},
                          {"stopped", counts.stopped},
                          {"not_submitted", counts.not_submitted},
                          {"retries_used", counts.retries_used},
                          {"manual_resubmissions", counts.manual_resubmissions},
                          {"out_of_retries", counts.out_of_retries}}},
                        {"finished", snapshot.status.finished()},
                        {"jobs", jobs}};
  const AdviceContext advice = advice_of(options, context);
  nlohmann::json rows = nlohmann::json::array();
  for (const TraitRow* row : select_rows(snapshot.rows, filter_of(options))) {
    rows.push_back(row_json(*row, advice, snapshot.taken_at));
  }
  result["needs_attention"] =
      std::count_if(snapshot.rows.begin(), snapshot.rows.end(),
                    [](const TraitRow& row) { return row.attention != Attention::None; });
  result["rows"] = std::move(rows);
  result["cap"] = cap_view_json(snapshot.cap);
  result["learned_memory_tier"] = learned_tier_json(snapshot.health);
  result["right_sizing"] = right_sizing_json(snapshot.health.sizing);
  result["nodes"] = nodes_json(snapshot.health.nodes);
  if (snapshot.elapsed) {
    result["elapsed_seconds"] = std::chrono::duration_cast<std::chrono::seconds>(*snapshot.elapsed).count();
  }
  return result;
}

std::string failed_by_class(const BatchCounts& counts) {
  std::vector<std::string> parts;
  for (const auto& [name, number] : counts.failed_by_class) {
    parts.push_back(fmt::format("{} {}", name, number));
  }
  return fmt::format("{}", fmt::join(parts, ", "));
}

std::vector<std::string> header_lines(const BatchContext& context, const Snapshot& snapshot) {
  std::vector<std::string> lines{
      fmt::format("Batch {} in project {}, traits {}..{} ({}), at {}", context.settings.prefix,
                  context.settings.project, context.traits.front(), context.traits.back(),
                  plural(context.traits.size(), "trait"), format_utc(snapshot.taken_at))};
  if (snapshot.elapsed) {
    lines.push_back(
        fmt::format("Elapsed since the first submission: {}", format_duration(*snapshot.elapsed)));
  }
  lines.push_back(cap_line(snapshot.cap));
  return lines;
}

std::vector<std::string> table_lines(const StatusOptions& options, const BatchContext& context,
                                     const Snapshot& snapshot) {
  std::vector<std::string> lines{""};
  const auto table = row_table(select_rows(snapshot.rows, filter_of(options)), snapshot.rows.size(),
                               filter_of(options), advice_of(options, context), snapshot.taken_at);
  lines.insert(lines.end(), table.begin(), table.end());
  return lines;
}

// Plain lines for pipes and logs: no control codes.
std::vector<std::string> plain_block(const BatchContext& context, const Snapshot& snapshot) {
  const BatchCounts& counts = snapshot.status.counts;
  std::vector<std::string> lines = header_lines(context, snapshot);
  lines.push_back(fmt::format("Done: {}/{} (completed {}, permanently failed {})", snapshot.status.done(),
                              snapshot.status.total(), counts.completed, counts.permanently_failed));
  lines.push_back(
      fmt::format("Pending: {}  Running: {}  Other active: {}  Completed: {}  Failed: {}  "
                  "Stopped: {}  Not submitted: {}",
                  counts.pending, counts.running, counts.other_active, counts.completed, counts.failed,
                  counts.stopped, counts.not_submitted));
  if (counts.failed > 0) {
    lines.push_back(fmt::format("Failed by class: {}", failed_by_class(counts)));
  }
  lines.push_back(fmt::format("Retries used: {}  Manual resubmissions: {}  Out of retries: {}",
                              counts.retries_used, counts.manual_resubmissions, counts.out_of_retries));
  return lines;
}

void add_health(std::vector<std::string>& lines, const StatusOptions& options, const Snapshot& snapshot) {
  const auto health = health_lines(snapshot.health, options.backend.kind);
  if (!health.empty()) {
    lines.emplace_back();
    lines.insert(lines.end(), health.begin(), health.end());
  }
}

// A progress bar and a table of counts, for a terminal.
std::vector<std::string> terminal_block(const BatchContext& context, const Snapshot& snapshot) {
  const BatchCounts& counts = snapshot.status.counts;
  std::vector<std::string> lines = header_lines(context, snapshot);
  lines.push_back(progress_bar(snapshot.status.done(), snapshot.status.total(), 40));
  lines.emplace_back();
  const auto row = [&lines](std::string_view label, int number) {
    lines.push_back(fmt::format("  {:<26}{:>6}", label, number));
  };
  lines.push_back(fmt::format("  {:<26}{:>6}", "State", "Jobs"));
  row("pending / initializing", counts.pending);
  row("running", counts.running);
  row("other active", counts.other_active);
  row("completed", counts.completed);
  row("failed", counts.failed);
  for (const auto& [name, number] : counts.failed_by_class) {
    row(fmt::format("  {}", name), number);
  }
  row("  permanently failed", counts.permanently_failed);
  row("stopped", counts.stopped);
  row("not yet submitted", counts.not_submitted);
  lines.emplace_back();
  row("retries used", counts.retries_used);
  row("manual resubmissions", counts.manual_resubmissions);
  row("traits out of retries", counts.out_of_retries);
  return lines;
}

// Writes a block to stdout; in place (a watch on a terminal) it replaces the
// previous one: cursor up over it, clear to the end of the screen. That lands on
// the block's first row only if every line took one row and the block never
// scrolled the screen, so lines are cut to the width and the block to the
// height, both measured at each redraw.
class Display {
 public:
  explicit Display(bool in_place) : in_place_(in_place) {}

  void show(std::vector<std::string> lines) {
    std::string text;
    if (in_place_) {
      lines = fit_block(std::move(lines), terminal_size(STDOUT_FILENO), [](std::size_t hidden) {
        return fmt::format("... {} more lines: a taller terminal, or `traitctl status` without --watch",
                           hidden);
      });
      if (shown_ > 0) {
        text = fmt::format("\x1b[{}A\x1b[J", shown_);
      }
    } else if (shown_ > 0 || detached_) {
      text = "\n";
    }
    for (const auto& line : lines) {
      text += line;
      text += '\n';
    }
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    shown_ = lines.size();
    detached_ = false;
  }

  // Something else is about to be written to the terminal (stderr): the
  // next block goes below it instead of over the old one.
  void detach() {
    detached_ = detached_ || shown_ > 0;
    shown_ = 0;
  }

 private:
  bool in_place_;
  std::size_t shown_ = 0;
  bool detached_ = false;
};

std::optional<int> check_options(const StatusOptions& options, Result<Duration>& interval) {
  if (!interval) {
    return fail_with(make_error(ErrorKind::Usage, "--interval: {}", interval.error().message));
  }
  if (interval->count() == 0) {
    return fail_with(make_error(ErrorKind::Usage, "--interval must be more than 0, e.g. 30s"));
  }
  if (options.watch && options.batch.json) {
    return fail_with(make_error(
        ErrorKind::Usage, "--json prints one snapshot; drop --watch (or run status --json repeatedly)"));
  }
  return std::nullopt;
}

int run_status(const StatusOptions& options) {
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  auto interval = parse_duration(options.interval);
  if (auto refused = check_options(options, interval)) {
    return *refused;
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto glass = open_for_looking(options.backend, *context, clock, cancel);
  if (!glass) {
    return fail_with(glass.error());
  }
  const bool terminal = ::isatty(STDOUT_FILENO) == 1;
  Display display(terminal && options.watch);
  ViewClassifier classifier(!options.no_classify);
  const Looker looker{*context, *glass->backend, glass->store, clock, cancel, classifier};
  bool shown = false;
  while (true) {
    auto snapshot = take_snapshot(looker, [&display] { display.detach(); });
    if (cancel.stop_requested()) {
      return to_int(ExitCode::Interrupted);
    }
    if (!snapshot) {
      // A watch that has shown the batch rides out a failed listing.
      if (!options.watch || !shown) {
        return fail_with(snapshot.error());
      }
      display.detach();
      report(Tag::Warning, "{}; trying again in {}", snapshot.error().message, format_duration(*interval));
    } else if (options.batch.json) {
      std::cout << snapshot_json(options, *context, *snapshot)
                       .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
                << '\n';
      return to_int(ExitCode::Success);
    } else {
      std::vector<std::string> lines =
          terminal ? terminal_block(*context, *snapshot) : plain_block(*context, *snapshot);
      add_health(lines, options, *snapshot);
      const auto table = table_lines(options, *context, *snapshot);
      lines.insert(lines.end(), table.begin(), table.end());
      display.show(std::move(lines));
      shown = true;
      if (!options.watch) {
        return to_int(ExitCode::Success);
      }
      if (snapshot->status.finished() || snapshot->status.idle()) {
        display.detach();
      }
      if (snapshot->status.finished()) {
        report(Tag::Info, "Batch {} is finished: every trait completed or permanently failed.",
               context->settings.prefix);
        return to_int(ExitCode::Success);
      }
      if (snapshot->status.idle()) {
        report(Tag::Info, "Nothing of batch {} is active or under way any more; stopping the watch.",
               context->settings.prefix);
        return to_int(ExitCode::Success);
      }
    }
    clock.sleep_for(*interval, cancel);
    if (cancel.stop_requested()) {
      return to_int(ExitCode::Interrupted);
    }
  }
}

std::vector<std::string> state_words() {
  std::vector<std::string> words;
  for (const TraitState state :
       {TraitState::Pending, TraitState::Running, TraitState::OtherActive, TraitState::Completed,
        TraitState::Failed, TraitState::Stopped, TraitState::NotSubmitted}) {
    words.emplace_back(to_string(state));
  }
  for (const std::string_view word : attention_words()) {
    if (std::find(words.begin(), words.end(), word) == words.end()) {
      words.emplace_back(word);
    }
  }
  return words;
}

}  // namespace

Command register_status(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* command = app.add_subcommand(
      "status",
      "Show where the batch stands: jobs per state, failures by class, retries, the traits to look at");
  add_batch_options(*command, options->batch);
  command->add_flag("--all", options->all,
                    "List every trait of the range, not only those that need attention");
  command->add_flag("--failed", options->failed, "List the failed traits (the same as --state failed)");
  command
      ->add_option("--state", options->states,
                   "List the traits in this state (repeatable): a job state, or why a trait needs attention")
      ->check(CLI::IsMember(state_words()))
      ->type_name("STATE");
  command->add_flag("--no-classify", options->no_classify,
                    "Do not ask the backend why failures that no retry has classified yet failed "
                    "(one call per job; for huge batches)");
  command
      ->add_flag("--watch", options->watch,
                 "Show it again every --interval until the batch is finished or Ctrl-C")
      ->group(help_group::output);
  command->add_option("--interval", options->interval, "How often --watch looks again, e.g. 30s or 2m")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::output);
  add_backend_option(*command, options->backend);
  command->footer(
      fmt::format("Below the counts, a table names the traits that need attention (failed, out of\n"
                  "retries, incomplete, stopped, in backoff) with their class, reason, attempts,\n"
                  "memory, last exit code and the next step. Failures no retry has classified yet\n"
                  "are classified for the view from the job's exit code and log, as `retry` would;\n"
                  "status never writes the ledger. It reads the ledger without taking the batch\n"
                  "lock, so it works while submit, retry or run are busy with the batch. --json\n"
                  "prints one object with the same rows (docs/status-json.md).\n\n"
                  "--state takes: {}.\n\n"
                  "Examples:\n"
                  "  traitctl status\n"
                  "  traitctl status --failed\n"
                  "  traitctl status --state backoff --state out-of-retries\n"
                  "  traitctl status --all --traits 2-50 --json\n"
                  "  traitctl status --watch --interval 1m\n"
                  "  traitctl status --backend local   # a batch of `traitctl run --backend local`\n\n"
                  "Exit codes: 0 shown (with --watch: the batch finished or nothing is under way),\n"
                  "1 the listing failed or the ledger or journal is unreadable, 2 invalid usage,\n"
                  "130 interrupted.",
                  fmt::join(state_words(), ", ")));
  return Command{command, [options] { return run_status(*options); }};
}

}  // namespace traitctl
