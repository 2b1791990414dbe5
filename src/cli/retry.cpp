// traitctl retry: retry the batch's failures that a retry can fix, within
// the cap and the persisted retry budgets.
#include <CLI/CLI.hpp>

#include "traitctl/cli/batch_command.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/help_format.hpp"

namespace traitctl {

Command register_retry(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<BatchCommand>();
  options->kind = CommandKind::Retry;
  options->mode.retry_failures = true;
  CLI::App* command =
      app.add_subcommand("retry", "Retry the batch's failed jobs that hit a mount failure (exit 2)");
  add_batch_options(*command, options->batch);
  add_expected_output_option(*command, options->batch);
  add_backend_option(*command, options->backend);
  add_loop_options(*command, options->loop);
  add_gate_options(*command, options->gate);
  add_budget_options(*command, options->batch);
  add_policy_options(*command, options->policy);
  add_ladder_options(*command, options->batch);
  auto* watch =
      command
          ->add_flag("--watch", options->mode.watch,
                     "Keep going: wait for retried jobs and retry again until every trait is settled")
          ->group(help_group::output);
  auto* no_wait = command->add_flag_callback(
      "--no-wait", [options] { options->mode.wait_for_backoff = false; },
      "Leave traits still in backoff for a later run instead of waiting");
  no_wait->group(help_group::output);
  no_wait->excludes(watch);
  add_slurm_options(*command, options->backend);
  add_job_command_option(*command, options->backend);
  command->footer(
      "Mount failures (exit 2) and infrastructure failures (an evicted or preempted pod) are retried;\n"
      "configuration errors (exit 1), out of memory (137), timeouts and unknown failures are\n"
      "skipped with the reason. Attempts are counted in a ledger under --state-dir across runs.\n\n"
      "Examples:\n"
      "  traitctl retry --dry-run\n"
      "  traitctl retry --yes --max-retries 3 --retry-delay 30s\n"
      "  traitctl retry --watch --yes --json\n"
      "  traitctl retry --dry-run --backend local   # a batch of `traitctl run --backend local`\n"
      "  traitctl retry --backend slurm --yes       # the job command of the batch's latest submission\n\n"
      "Exit codes: 0 done (the report shows partial failures), 1 runai, listing or ledger error,\n"
      "2 invalid arguments, 130 interrupted.");
  return Command{command, [options] { return run_batch_command(*options); }};
}

}  // namespace traitctl
