// traitctl cap: change the maximum cap of a batch, while it runs or before
// its next run, through the batch database's cap_requests table (adapters/cap_file.hpp).
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {
namespace {

struct CapOptions {
  BatchOptions batch;
  int max_concurrent = 0;
  bool reset = false;
};

// Who will apply the request, for the message: the running traitctl, the next
// one, or, when the lock cannot be tested, unknown.
std::string who_applies(const Result<FileLock::Probe>& probe, int max_concurrent) {
  if (!probe) {
    return "whether a traitctl is running this batch could not be told; a running one picks it up at its "
           "next cycle, else the next run does";
  }
  if (!probe->held) {
    return fmt::format("no traitctl is running this batch: the next run starts with a maximum of {}",
                       max_concurrent);
  }
  const std::string pid = probe->holder_pid ? fmt::format(" (pid {})", *probe->holder_pid) : "";
  return fmt::format("the running traitctl{} picks it up at its next cycle", pid);
}

nlohmann::json result_json(const BatchContext& context, const LedgerStore& store, const CapRequest& request,
                           const Result<FileLock::Probe>& probe) {
  nlohmann::json result{{"command", "cap"},
                        {"prefix", context.settings.prefix},
                        {"project", context.settings.project},
                        {"max_concurrent", request.max_concurrent},
                        {"reset", request.reset},
                        {"set_at", format_utc(request.set_at)},
                        {"set_by_pid", request.set_by_pid},
                        {"file", store.database_path().string()},
                        {"running", nullptr},
                        {"running_pid", nullptr}};
  if (probe) {
    result["running"] = probe->held;
    if (probe->holder_pid) {
      result["running_pid"] = *probe->holder_pid;
    }
  }
  return result;
}

int run_cap(const CapOptions& options) {
  auto cap = require_positive(options.max_concurrent, "traitctl cap N");
  if (!cap) {
    return fail_with(cap.error());
  }
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  auto store = LedgerStore::open(context->state_dir, context->settings.project, context->settings.prefix);
  if (!store) {
    return fail_with(store.error());
  }
  const SystemClock clock;
  const CapRequest request{*cap, options.reset, clock.now(), static_cast<int>(::getpid())};
  if (auto writable = open_state_for_writing(*store, *context, "cap", nullptr); !writable) {
    return fail_with(writable.error());
  }
  if (auto written = write_cap_request(*store, request); !written) {
    return fail_with(written.error());
  }
  // The batch lock is only tested, never taken: the running command holds
  // it, and `cap` must work beside it (FileLock::probe cannot hold it up).
  const auto probe = FileLock::probe(store->lock_path());
  if (!probe) {
    report(Tag::Warning, "{}", probe.error().message);
  }
  if (options.batch.json) {
    std::cout << result_json(*context, *store, request, probe).dump(2) << '\n';
    return to_int(ExitCode::Success);
  }
  const std::string reset = request.reset ? ", lifting a cap that mount failures lowered to it at once" : "";
  fmt::print("Cap of batch {} in project {} set to {}{}; {}.\n", context->settings.prefix,
             context->settings.project, request.max_concurrent, reset,
             who_applies(probe, request.max_concurrent));
  return to_int(ExitCode::Success);
}

}  // namespace

Command register_cap(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<CapOptions>();
  CLI::App* command =
      app.add_subcommand("cap", "Change the most jobs of a batch active at once, also while it runs");
  command->add_option("N", options->max_concurrent, "The new maximum cap, at least 1")->required();
  command->add_flag("--reset", options->reset,
                    "Also lift a cap that mount failures lowered to N at once, forgetting those failures");
  add_batch_options(*command, options->batch, false);
  command->footer(
      "The traitctl running the batch (run, submit, retry --watch) takes N as its maximum at\n"
      "its next cycle and journals cap-set; when none runs, the next one does, and after it\n"
      "each run's --max-concurrent (MAX_CONCURRENT) is the maximum again. The request is a\n"
      "row of the batch database <state-dir>/<project>/<prefix>.db (docs/state.md), added in\n"
      "its own short transaction; the batch lock is not taken, so this\n"
      "works from another terminal while the batch runs. A cap that mount failures lowered\n"
      "keeps its value below N and climbs back by one per healthy run; --reset lifts it to N.\n"
      "See docs/concurrency.md.\n\n"
      "Examples:\n"
      "  traitctl cap 20\n"
      "  traitctl cap 80 --reset --prefix gapit3-trait --project talmo-lab\n"
      "  traitctl cap 10 --env-file batch2.env --json\n\n"
      "Exit codes: 0 the cap was set, 1 the batch database could not be written, 2 invalid usage\n"
      "(N below 1, a bad prefix, project or .env file).");
  return Command{command, [options] { return run_cap(*options); }};
}

}  // namespace traitctl
