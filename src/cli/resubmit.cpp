// traitctl resubmit: delete and resubmit chosen traits (or every failed one),
// within the cap; the ledger records it as a manual resubmission.
#include <CLI/CLI.hpp>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/supervise.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct ResubmitOptions {
  BatchOptions batch;
  SupervisionOptions supervision;
  std::vector<std::string> traits;
  bool failed = false;
};

int run_resubmit(const ResubmitOptions& options) {
  auto prepared = prepare_supervision(options.batch, options.supervision);
  if (!prepared) {
    return fail_with(prepared.error());
  }
  auto& [context, request] = *prepared;
  RunaiBackend backend(context.runai);
  if (options.failed) {
    auto listing = backend.list_workloads();
    if (!listing) {
      return fail_with(listing.error());
    }
    for (const auto& [trait, job] : view_batch(context.settings.prefix, *listing).jobs) {
      if (job.status_class == StatusClass::Failed &&
          std::binary_search(context.traits.begin(), context.traits.end(), trait)) {
        request.manual.insert(trait);
      }
    }
  }
  for (const auto& spec : options.traits) {
    auto traits = parse_trait_spec(spec);
    if (!traits) {
      return fail_with(traits.error());
    }
    request.manual.insert(traits->begin(), traits->end());
  }
  if (request.manual.empty()) {
    report(Tag::Info, "Nothing to resubmit.");
    return to_int(ExitCode::Success);
  }
  request.traits.assign(request.manual.begin(), request.manual.end());
  return supervise(Outcome::Resubmit, context, options.supervision, request, backend, options.batch.json);
}

}  // namespace

Command register_resubmit(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<ResubmitOptions>();
  CLI::App* command = app.add_subcommand(
      "resubmit", "Delete and resubmit the named traits, or every failed trait of the batch");
  add_batch_options(*command, options->batch);
  add_supervision_options(*command, options->supervision, /*with_policy=*/false);
  auto* traits = command->add_option("trait", options->traits, "Traits to resubmit, e.g. 5 9-12");
  auto* failed = command->add_flag("--failed", options->failed, "Resubmit every failed trait of the batch");
  traits->excludes(failed);
  command->footer(
      "Examples:\n"
      "  traitctl resubmit 5 17 42 --yes\n"
      "  traitctl resubmit --failed --dry-run\n\n"
      "Exit codes: 0 all resubmitted, 1 a resubmission failed or runai/ledger error, 2 invalid usage,\n"
      "130 interrupted.");
  return Command{
      command, [options] {
        if (options->traits.empty() && !options->failed) {
          return fail_with(make_error(
              ErrorKind::Usage, "name the traits to resubmit (e.g. `resubmit 5 9-12`) or pass --failed"));
        }
        return run_resubmit(*options);
      }};
}

}  // namespace traitctl
