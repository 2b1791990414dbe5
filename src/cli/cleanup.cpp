// traitctl cleanup: delete this batch's jobs in the chosen end states.
#include "traitctl/core/cleanup.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct CleanupOptions {
  BatchOptions batch;
  BackendOptions backend;
  CleanupClasses classes;
  std::string lock_timeout = "10s";
  bool dry_run = false;
  bool yes = false;
};

nlohmann::json jobs_json(const std::vector<CleanupTarget>& jobs) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [trait, job] : jobs) {
    list.push_back({{"name", job.name}, {"trait", trait}, {"status", printable(job.status)}});
  }
  return list;
}

nlohmann::json result_json(const BatchContext& context, const std::vector<CleanupTarget>& selected,
                           bool dry_run) {
  return {{"command", "cleanup"},
          {"prefix", context.settings.prefix},
          {"project", context.settings.project},
          {"dry_run", dry_run},
          {"selected", jobs_json(selected)}};
}

int print_plan(const BatchContext& context, const std::vector<CleanupTarget>& selected, bool as_json) {
  if (as_json) {
    std::cout << result_json(context, selected, true).dump(2) << '\n';
    return to_int(ExitCode::Success);
  }
  fmt::print("Would delete {} of batch {} in project {}:\n", plural(selected.size(), "job"),
             context.settings.prefix, context.settings.project);
  for (const auto& [trait, job] : selected) {
    fmt::print("  {}  {}\n", job.name, printable(job.status));
  }
  fmt::print("No job was deleted (dry run).\n");
  return to_int(ExitCode::Success);
}

// The first question covers the whole selection; active jobs, whose deletion
// kills a running analysis, get a second one of their own.
Result<bool> confirm_deletion(const CleanupOptions& options, const BatchContext& context,
                              const std::vector<CleanupTarget>& selected, const CancelToken& cancel) {
  auto confirmed = confirm_or_require_yes(
      options.yes,
      fmt::format("Delete {} of batch {} in project {} ({})?", plural(selected.size(), "job"),
                  context.settings.prefix, context.settings.project, options.backend.kind),
      cancel);
  if (!confirmed || !*confirmed) {
    return confirmed;
  }
  const auto active = std::count_if(selected.begin(), selected.end(),
                                    [](const CleanupTarget& target) { return holds_slot(target.job.state); });
  if (active == 0) {
    return true;
  }
  return confirm_or_require_yes(
      options.yes,
      fmt::format("{} of them are still active (Pending, Running, ...): delete them anyway?", active),
      cancel);
}

void print_summary(const BatchContext& context, const std::vector<CleanupTarget>& selected,
                   const CleanupReport& summary, bool as_json) {
  if (as_json) {
    nlohmann::json result = result_json(context, selected, false);
    result["deleted"] = summary.deleted;
    result["already_gone"] = summary.already_gone;
    result["failed"] = summary.failed;
    result["not_attempted"] = summary.not_attempted;
    result["interrupted"] = summary.interrupted();
    std::cout << result.dump(2) << '\n';
    return;
  }
  report(Tag::Info, "Deleted: {}  Already gone: {}  Failed: {}  Not attempted: {}", summary.deleted.size(),
         summary.already_gone.size(), summary.failed.size(), summary.not_attempted.size());
}

void report_deletion(Journal& journal, const CleanupTarget& target, const Result<DeleteOutcome>& outcome) {
  const Workload& job = target.job;
  if (!outcome) {
    report(Tag::Failed, "{} ({}): {}", job.name, printable(job.status), outcome.error().message);
    journal.record(
        {"failed", target.trait, job.name, {{"status", job.status}, {"reason", outcome.error().message}}});
    return;
  }
  const bool already_gone = *outcome == DeleteOutcome::NotFound;
  if (already_gone) {
    report(Tag::Skip, "{} was already gone", job.name);
  } else {
    report(Tag::Success, "Deleted {} ({})", job.name, printable(job.status));
  }
  journal.record(
      {"deleted", target.trait, job.name, {{"status", job.status}, {"already_gone", already_gone}}});
}

int run_cleanup(const CleanupOptions& options) {
  const CleanupClasses& classes = options.classes;
  if (!classes.failed && !classes.completed && !classes.stopped) {
    return fail_with(make_error(ErrorKind::Usage,
                                "say which jobs to delete: --failed, --completed and/or --stopped "
                                "(add --include-active to delete running jobs too)"));
  }
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  auto lock_timeout = parse_lock_timeout(options.lock_timeout);
  if (!lock_timeout) {
    return fail_with(lock_timeout.error());
  }
  // The batch's state must be readable before anything is deleted: a
  // damaged one is for a person to look at first.
  auto store = LedgerStore::open(context->state_dir, context->settings.project, context->settings.prefix);
  auto ledger = store ? store->load() : Result<Ledger>(store.error());
  if (!ledger) {
    return fail_with(ledger.error());
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  // Deleting from a local batch takes its lock, so the jobs of a traitctl
  // still running it are never touched.
  auto backend =
      open_backend(options.backend, *context,
                   options.dry_run ? BackendAccess::Inspect : BackendAccess::Delete, clock, cancel);
  if (!backend) {
    return fail_with(backend.error());
  }
  auto listing = (*backend)->list_workloads();
  if (!listing) {
    return fail_with(listing.error());
  }
  const std::vector<CleanupTarget> selected =
      select_for_cleanup(view_batch(context->settings.prefix, *listing), context->traits, classes);
  if (options.dry_run) {
    return print_plan(*context, selected, options.batch.json);
  }
  if (selected.empty()) {
    report(Tag::Info, "No job of batch {} in project {} is in the chosen states; nothing to delete.",
           context->settings.prefix, context->settings.project);
    print_summary(*context, selected, CleanupReport{}, options.batch.json);
    return to_int(ExitCode::Success);
  }
  auto confirmed = confirm_deletion(options, *context, selected, cancel);
  if (!confirmed) {
    return fail_with(confirmed.error());
  }
  if (!*confirmed) {
    report(Tag::Info, "Aborted; nothing was deleted.");
    return to_int(ExitCode::Failure);
  }
  auto lock = lock_batch(*context, *lock_timeout, cancel);
  if (!lock) {
    return fail_with(lock.error());
  }
  auto journal = Journal::open(context->state_dir, "cleanup", context->settings.project,
                               context->settings.prefix, clock);
  if (!journal) {
    return fail_with(journal.error());
  }

  const CleanupReport summary =
      delete_jobs(**backend, cancel, selected,
                  [&journal](const CleanupTarget& target, const Result<DeleteOutcome>& outcome) {
                    report_deletion(*journal, target, outcome);
                  });
  print_summary(*context, selected, summary, options.batch.json);
  if (summary.interrupted()) {
    report(Tag::Warning, "Interrupted: {} not deleted. Run the same command again to continue.",
           plural(summary.not_attempted.size(), "job"));
    return to_int(ExitCode::Interrupted);
  }
  return to_int(summary.failed.empty() ? ExitCode::Success : ExitCode::Failure);
}

}  // namespace

Command register_cleanup(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<CleanupOptions>();
  CLI::App* command = app.add_subcommand(
      "cleanup", "Delete this batch's PREFIX-<trait> jobs that failed, completed or stopped");
  add_batch_options(*command, options->batch);
  command->add_flag("--failed", options->classes.failed, "Delete failed jobs");
  command->add_flag("--completed", options->classes.completed, "Delete completed jobs");
  command->add_flag("--stopped", options->classes.stopped, "Delete stopped jobs");
  command->add_flag("--include-active", options->classes.active,
                    "Also delete jobs that are still pending or running (asks a second time)");
  add_lock_timeout_option(*command, options->lock_timeout);
  add_backend_option(*command, options->backend);
  command->add_flag("--dry-run", options->dry_run, "List the jobs that would be deleted; delete nothing")
      ->group(help_group::output);
  command->add_flag("-y,--yes", options->yes, "Do not ask for confirmation (required without a terminal)")
      ->group(help_group::output);
  command->footer(
      "Only jobs named exactly PREFIX-<trait>, for the traits of --traits (else\n"
      "START_TRAIT..END_TRAIT), are ever deleted.\n\n"
      "Examples:\n"
      "  traitctl cleanup --failed --dry-run\n"
      "  traitctl cleanup --failed --completed --traits 2-50 --yes\n"
      "  traitctl cleanup --failed --backend local --yes   # a batch of `traitctl run --backend local`\n\n"
      "Exit codes: 0 every deletion succeeded (or the job was already gone), 1 a deletion\n"
      "or the listing failed, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_cleanup(*options); }};
}

}  // namespace traitctl
