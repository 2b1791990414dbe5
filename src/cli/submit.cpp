// traitctl submit: submit PREFIX-<trait> jobs under the per-batch cap. The
// batch loop with retries off: it ends once every trait has a job.
#include <CLI/CLI.hpp>

#include "traitctl/cli/batch_command.hpp"
#include "traitctl/cli/commands.hpp"

namespace traitctl {

Command register_submit(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<BatchCommand>();
  options->kind = CommandKind::Submit;
  options->mode.submit_new = true;
  CLI::App* command =
      app.add_subcommand("submit", "Submit PREFIX-<trait> jobs, at most N of the batch active at once");
  add_batch_options(*command, options->batch);
  add_validation_option(*command, options->loop);
  add_backend_option(*command, options->backend);
  add_loop_options(*command, options->loop);
  add_budget_options(*command, options->batch);
  add_slurm_options(*command, options->backend);
  add_job_command_option(*command, options->backend);
  command->footer(
      "Examples:\n"
      "  traitctl submit --dry-run\n"
      "  traitctl submit --prefix gapit3-trait --traits 2-187 --max-concurrent 50 --yes\n"
      "  traitctl submit --backend slurm --partition long --yes -- apptainer exec gapit3.sif \\\n"
      "      /scripts/entrypoint.sh run-single-trait\n\n"
      "Exit codes: 0 every trait submitted or skipped, 1 a submission or runtime error,\n"
      "2 invalid usage or configuration, 130 interrupted.");
  return Command{command, [options] { return run_batch_command(*options); }};
}

}  // namespace traitctl
