// traitctl run: take a batch from nothing to done — submit under the cap,
// watch, retry mount failures — on Run:ai or as local processes.
#include <CLI/CLI.hpp>

#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/supervise.hpp"

namespace traitctl {
namespace {

struct RunOptions {
  BatchOptions batch;
  SupervisionOptions supervision;
  BackendOptions backend;
};

int run_run(const RunOptions& options) {
  auto prepared = prepare_supervision(options.batch, options.supervision);
  if (!prepared) {
    return fail_with(prepared.error());
  }
  auto& [context, request] = *prepared;
  request.watch = true;
  request.submit_new = true;
  SystemClock clock;
  const BackendAccess access = options.supervision.dry_run ? BackendAccess::Preview : BackendAccess::Run;
  auto backend = open_backend(options.backend, context, access, clock);
  if (!backend) {
    return fail_with(backend.error());
  }
  // The local backend stops its jobs when it goes out of scope: an
  // interrupted run leaves no process behind.
  return supervise(Outcome::Run, context, options.supervision, request, **backend, options.batch.json);
}

}  // namespace

Command register_run(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<RunOptions>();
  CLI::App* command = app.add_subcommand(
      "run", "Submit the batch under the cap, watch it, retry mount failures, until every trait is settled");
  add_batch_options(*command, options->batch);
  add_supervision_options(*command, options->supervision, /*with_policy=*/true);
  add_backend_option(*command, options->backend);
  add_local_job_options(*command, options->backend);
  command->footer(
      "Examples:\n"
      "  traitctl run --yes --max-concurrent 50\n"
      "  traitctl run --backend local --env-file examples/demo.env --yes -- examples/gwas-trait.sh\n\n"
      "Exit codes: 0 every trait completed, 3 the batch finished with permanently failed traits\n"
      "(named in the report), 1 a submission or runtime error, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_run(*options); }};
}

}  // namespace traitctl
