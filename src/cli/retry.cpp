// traitctl retry: retry the batch's mount failures, within the cap and the
// persisted retry budget.
#include <CLI/CLI.hpp>

#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/supervise.hpp"

namespace traitctl {
namespace {

struct RetryOptions {
  BatchOptions batch;
  SupervisionOptions supervision;
  BackendOptions backend;
  bool watch = false;
  bool no_wait = false;
};

int run_retry(const RetryOptions& options) {
  auto prepared = prepare_supervision(options.batch, options.supervision);
  if (!prepared) {
    return fail_with(prepared.error());
  }
  auto& [context, request] = *prepared;
  request.watch = options.watch;
  request.wait_for_backoff = !options.no_wait;
  // Local jobs live only as long as the traitctl that started them, so only
  // `run` retries them; here a local batch can only be looked at.
  if (is_local(options.backend) && !options.supervision.dry_run) {
    return fail_with(make_error(ErrorKind::Usage,
                                "retry --backend local only looks (add --dry-run): local jobs stop with the "
                                "traitctl that started them; `traitctl run --backend local -- COMMAND` "
                                "retries them as it goes"));
  }
  SystemClock clock;
  // Inspect matters for a local batch only, which reaches here as a dry run.
  auto backend = open_backend(options.backend, context, BackendAccess::Inspect, clock);
  if (!backend) {
    return fail_with(backend.error());
  }
  return supervise(Outcome::Retry, context, options.supervision, request, **backend, options.batch.json);
}

}  // namespace

Command register_retry(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<RetryOptions>();
  CLI::App* command =
      app.add_subcommand("retry", "Retry the batch's failed jobs that hit a mount failure (exit 2)");
  add_batch_options(*command, options->batch);
  add_supervision_options(*command, options->supervision, /*with_policy=*/true);
  command->add_flag("--watch", options->watch,
                    "Keep going: wait for retried jobs and retry again until every trait is settled");
  auto* no_wait = command->add_flag("--no-wait", options->no_wait,
                                    "Leave traits still in backoff for a later run instead of waiting");
  no_wait->excludes(command->get_option("--watch"));
  add_backend_option(*command, options->backend);
  command->footer(
      "Mount failures (exit 2) and infrastructure failures (an evicted or preempted pod) are retried;\n"
      "configuration errors (exit 1), out of memory (137), timeouts and unknown failures are\n"
      "skipped with the reason. Attempts are counted in a ledger under --state-dir across runs.\n\n"
      "Examples:\n"
      "  traitctl retry --dry-run\n"
      "  traitctl retry --yes --max-retries 3 --retry-delay 30s\n"
      "  traitctl retry --watch --yes --json\n"
      "  traitctl retry --dry-run --backend local   # a batch of `traitctl run --backend local`\n\n"
      "Exit codes: 0 done (the report shows partial failures), 1 runai, listing or ledger error,\n"
      "2 invalid arguments, 130 interrupted.");
  return Command{command, [options] { return run_retry(*options); }};
}

}  // namespace traitctl
