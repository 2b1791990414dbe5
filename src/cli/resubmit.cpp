// traitctl resubmit: delete and resubmit chosen traits (or every failed one),
// within the cap; the ledger records it as a manual resubmission.
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <set>

#include "traitctl/cli/batch_command.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct ResubmitOptions {
  BatchCommand command;
  std::vector<std::string> traits;
  bool failed = false;
};

// The named traits (and with --failed those whose job failed), each a member
// of the batch's range, and none whose job is active or completed unless
// --force: replacing those throws work away.
Result<void> choose_traits(const ResubmitOptions& options, Backend& backend, const BatchContext& context,
                           PlanSettings& plan) {
  std::set<int> chosen;
  for (const auto& spec : options.traits) {
    auto traits = parse_trait_spec(spec);
    if (!traits) {
      return traits.error();
    }
    chosen.insert(traits->begin(), traits->end());
  }
  std::vector<int> outside;
  std::set_difference(chosen.begin(), chosen.end(), context.traits.begin(), context.traits.end(),
                      std::back_inserter(outside));
  if (!outside.empty()) {
    return make_error(
        ErrorKind::Usage,
        "traits {} are not in batch {}'s traits {}..{}: name traits of the batch, or pass --traits",
        fmt::join(outside, ", "), context.settings.prefix, context.traits.front(), context.traits.back());
  }
  auto listing = backend.list_workloads();
  if (!listing) {
    return listing.error();
  }
  const BatchView view = view_batch(context.settings.prefix, *listing);
  if (options.failed) {
    for (const auto& [trait, job] : view.jobs) {
      if (job.state == JobState::Failed &&
          std::binary_search(context.traits.begin(), context.traits.end(), trait)) {
        chosen.insert(trait);
      }
    }
  }
  std::vector<std::string> busy;
  for (int trait : chosen) {
    const auto job = view.jobs.find(trait);
    if (job != view.jobs.end() &&
        (holds_slot(job->second.state) || job->second.state == JobState::Succeeded)) {
      busy.push_back(fmt::format("{} ({})", job->second.name, printable(job->second.status)));
    }
  }
  if (!busy.empty() && !plan.stage.mode.force) {
    return make_error(
        ErrorKind::Usage,
        "{} still running or completed: resubmitting deletes that work; pass --force to do it anyway",
        fmt::join(busy, ", "));
  }
  plan.traits.assign(chosen.begin(), chosen.end());
  plan.stage.mode.replace = chosen;
  return {};
}

}  // namespace

Command register_resubmit(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<ResubmitOptions>();
  options->command.kind = CommandKind::Resubmit;
  CLI::App* command = app.add_subcommand(
      "resubmit", "Delete and resubmit the named traits, or every failed trait of the batch");
  add_batch_options(*command, options->command.batch);
  add_backend_option(*command, options->command.backend);
  add_loop_options(*command, options->command.loop);
  add_budget_options(*command, options->command.batch);
  add_ladder_options(*command, options->command.batch);
  add_slurm_options(*command, options->command.backend);
  auto* traits = command->add_option("trait", options->traits, "Traits to resubmit, e.g. 5 9-12")
                     ->option_text("TRAITS...");
  auto* failed = command->add_flag("--failed", options->failed, "Resubmit every failed trait of the batch");
  command->add_flag("--force", options->command.mode.force,
                    "Also resubmit traits whose job is still running or completed (deletes it)");
  traits->excludes(failed);
  command->footer(
      "Examples:\n"
      "  traitctl resubmit 5 17 42 --yes\n"
      "  traitctl resubmit --failed --dry-run\n"
      "  traitctl resubmit 9 --force --yes   # even though trait 9 is running\n"
      "  traitctl resubmit 5 --backend slurm --yes   # with the batch's latest job command\n\n"
      "Exit codes: 0 all resubmitted, 1 a resubmission failed or runai/ledger error, 2 invalid usage\n"
      "(no traits, traits outside the batch, a running or completed job without --force), 130 interrupted.");
  return Command{
      command, [options] {
        if (options->traits.empty() && !options->failed) {
          return fail_with(make_error(
              ErrorKind::Usage, "name the traits to resubmit (e.g. `resubmit 5 9-12`) or pass --failed"));
        }
        return run_batch_command(
            options->command, [options](Backend& backend, const BatchContext& context, PlanSettings& plan) {
              return choose_traits(*options, backend, context, plan);
            });
      }};
}

}  // namespace traitctl
