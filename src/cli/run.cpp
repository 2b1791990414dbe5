// traitctl run: take a batch from nothing to done — submit under the cap,
// watch, retry what a retry can fix — on Run:ai, Slurm or as local processes.
#include <CLI/CLI.hpp>

#include "traitctl/cli/batch_command.hpp"
#include "traitctl/cli/commands.hpp"

namespace traitctl {

Command register_run(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<BatchCommand>();
  options->kind = CommandKind::Run;
  options->mode.submit_new = true;
  options->mode.retry_failures = true;
  options->mode.watch = true;
  CLI::App* command = app.add_subcommand(
      "run", "Submit the batch under the cap, watch it, retry mount failures, until every trait is settled");
  add_batch_options(*command, options->batch);
  add_expected_output_option(*command, options->batch);
  add_validation_option(*command, options->loop);
  add_backend_option(*command, options->backend);
  add_loop_options(*command, options->loop);
  add_gate_options(*command, options->gate);
  add_budget_options(*command, options->batch);
  add_policy_options(*command, options->policy);
  add_ladder_options(*command, options->batch);
  add_local_job_options(*command, options->backend);
  add_slurm_options(*command, options->backend);
  command->footer(
      "Examples:\n"
      "  traitctl run --yes --max-concurrent 50\n"
      "  traitctl run --backend local --env-file examples/demo.env --yes -- examples/gwas-trait.sh\n"
      "  traitctl run --backend slurm --partition long --time 8:00:00 --yes -- \\\n"
      "      apptainer exec gapit3.sif /scripts/entrypoint.sh run-single-trait\n\n"
      "Exit codes: 0 every trait completed, 3 the batch finished with traits that did not complete\n"
      "(failed for good, stopped; named in the report), 1 a submission or runtime error, 2 invalid\n"
      "usage, 130 interrupted.");
  return Command{command, [options] { return run_batch_command(*options); }};
}

}  // namespace traitctl
