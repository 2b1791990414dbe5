// traitctl run: take a batch from nothing to done — submit under the cap,
// watch, retry mount failures — on Run:ai or as local processes.
#include <CLI/CLI.hpp>

#include <filesystem>

#include "traitctl/adapters/local_backend.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/supervise.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct RunOptions {
  BatchOptions batch;
  SupervisionOptions supervision;
  std::string backend = "runai";
  std::string job_timeout = "0";
  std::vector<std::string> job_command;
};

Result<std::unique_ptr<Backend>> make_backend(const RunOptions& options, const BatchContext& context,
                                              Clock& clock) {
  if (options.backend == "runai") {
    return std::unique_ptr<Backend>(std::make_unique<RunaiBackend>(context.runai));
  }
  auto timeout = parse_duration(options.job_timeout);
  if (!timeout) {
    return make_error(ErrorKind::Usage, "--job-timeout: {}", timeout.error().message);
  }
  if (options.job_command.empty()) {
    return make_error(ErrorKind::Usage,
                      "the local backend needs the job's command after `--`, e.g. "
                      "traitctl run --backend local -- examples/gwas-trait.sh");
  }
  LocalOptions local;
  local.state_dir = context.state_dir;
  local.project = context.settings.project;
  local.command = options.job_command;
  local.job_timeout = *timeout;
  auto backend = LocalBackend::open(std::move(local), clock);
  if (!backend) {
    return backend.error();
  }
  return std::unique_ptr<Backend>(std::move(*backend));
}

int run_run(const RunOptions& options) {
  auto prepared = prepare_supervision(options.batch, options.supervision);
  if (!prepared) {
    return fail_with(prepared.error());
  }
  auto& [context, request] = *prepared;
  request.watch = true;
  request.submit_new = true;
  SystemClock clock;
  auto backend = make_backend(options, context, clock);
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
  command->add_option("--backend", options->backend, "Where jobs run: runai (the cluster) or local (processes)")
      ->check(CLI::IsMember({"runai", "local"}))
      ->capture_default_str();
  command->add_option("--job-timeout", options->job_timeout,
                      "local: stop a job running longer than this, e.g. 2h (0: no limit)")
      ->capture_default_str();
  command->add_option("job_command", options->job_command,
                      "local: the job's command and arguments, after `--`");
  command->footer(
      "Examples:\n"
      "  traitctl run --yes --max-concurrent 50\n"
      "  traitctl run --backend local --env-file examples/demo.env --yes -- examples/gwas-trait.sh\n\n"
      "Exit codes: 0 every trait completed, 3 the batch finished with permanently failed traits\n"
      "(named in the report), 1 a submission or runtime error, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_run(*options); }};
}

}  // namespace traitctl
