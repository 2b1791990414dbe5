// traitctl status: where the batch stands, from one listing and the ledger.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
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
};

struct Snapshot {
  BatchStatus status;
  TimePoint taken_at;
  std::optional<Duration> elapsed;  // since the batch's first submission, when the ledger knows it
};

// The ledger is read without the batch lock: it is replaced atomically, so a
// reader sees a whole old or a whole new file.
Result<Snapshot> take_snapshot(const BatchContext& context, Backend& backend, const LedgerStore& store,
                               const Clock& clock) {
  auto listing = backend.list_workloads();
  if (!listing) {
    return listing.error();
  }
  auto ledger = store.load();
  if (!ledger) {
    return ledger.error();
  }
  Snapshot snapshot;
  snapshot.status =
      summarize_batch(view_batch(context.settings.prefix, *listing), context.traits, *ledger, RetryPolicy{});
  snapshot.taken_at = clock.now();
  if (ledger->first_submitted_at) {
    snapshot.elapsed = std::chrono::duration_cast<Duration>(snapshot.taken_at - *ledger->first_submitted_at);
  }
  return snapshot;
}

nlohmann::json snapshot_json(const BatchContext& context, const Snapshot& snapshot) {
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
  std::vector<std::string> lines{fmt::format(
      "Batch {} in project {}, traits {}..{} ({}), at {}", context.settings.prefix, context.settings.project,
      context.traits.front(), context.traits.back(), context.traits.size(), format_utc(snapshot.taken_at))};
  if (snapshot.elapsed) {
    lines.push_back(
        fmt::format("Elapsed since the first submission: {}", format_duration(*snapshot.elapsed)));
  }
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

// Writes a block to stdout; on a terminal it replaces the previous one.
class Display {
 public:
  explicit Display(bool terminal) : terminal_(terminal) {}

  void show(const std::vector<std::string>& lines) {
    std::string text;
    if (terminal_ && shown_ > 0) {
      text = fmt::format("\x1b[{}A\x1b[J", shown_);  // up to the previous block, clear below
    } else if (shown_ > 0) {
      text = "\n";
    }
    for (const auto& line : lines) {
      text += line;
      text += '\n';
    }
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    shown_ = lines.size();
  }

 private:
  bool terminal_;
  std::size_t shown_ = 0;
};

int run_status(const StatusOptions& options) {
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  auto interval = parse_duration(options.interval);
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
  auto store = LedgerStore::open(context->state_dir, context->settings.project, context->settings.prefix);
  if (!store) {
    return fail_with(store.error());
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto backend = open_backend(options.backend, *context, BackendAccess::Inspect, clock, cancel);
  if (!backend) {
    return fail_with(backend.error());
  }
  Display display(::isatty(STDOUT_FILENO) == 1);
  bool shown = false;
  while (true) {
    auto snapshot = take_snapshot(*context, **backend, *store, clock);
    if (!snapshot) {
      // A watch that has shown the batch rides out a failed listing.
      if (!options.watch || !shown) {
        return fail_with(snapshot.error());
      }
      report(Tag::Warning, "{}; trying again in {}s", snapshot.error().message,
             std::chrono::duration<double>(*interval).count());
    } else if (options.batch.json) {
      std::cout << snapshot_json(*context, *snapshot).dump(2) << '\n';
      return to_int(ExitCode::Success);
    } else {
      const bool terminal = ::isatty(STDOUT_FILENO) == 1;
      display.show(terminal ? terminal_block(*context, *snapshot) : plain_block(*context, *snapshot));
      shown = true;
      if (!options.watch) {
        return to_int(ExitCode::Success);
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

}  // namespace

Command register_status(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<StatusOptions>();
  CLI::App* command =
      app.add_subcommand("status", "Show where the batch stands: jobs per state, failures by class, retries");
  add_batch_options(*command, options->batch);
  command->add_flag("--watch", options->watch,
                    "Show it again every --interval until the batch is finished or Ctrl-C");
  command->add_option("--interval", options->interval, "How often --watch looks again, e.g. 30s or 2m")
      ->capture_default_str();
  add_backend_option(*command, options->backend);
  command->footer(
      "Reads the attempt ledger without taking the batch lock, so it works while\n"
      "submit, retry or run are busy with the batch. --json prints one object\n"
      "(docs/status-json.md).\n\n"
      "Examples:\n"
      "  traitctl status\n"
      "  traitctl status --watch --interval 1m\n"
      "  traitctl status --traits 2-50 --json\n"
      "  traitctl status --backend local   # a batch of `traitctl run --backend local`\n\n"
      "Exit codes: 0 shown (with --watch: the batch finished), 1 the listing failed or\n"
      "the ledger is unreadable, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_status(*options); }};
}

}  // namespace traitctl
