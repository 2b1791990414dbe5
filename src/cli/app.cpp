#include "traitctl/cli/app.hpp"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <string>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/usage_error.hpp"

namespace traitctl {
namespace {

constexpr const char* footer =
    "Examples:\n"
    "  traitctl validate && traitctl submit --dry-run\n"
    "  traitctl run --yes --max-concurrent 50 --max-retries 3\n"
    "  traitctl status --watch\n"
    "  traitctl describe 5 && traitctl logs 5 --tail 50\n"
    "  traitctl report -o report.html\n"
    "  traitctl submit --help\n\n"
    "While submit, retry, resubmit and run wait for their next poll, a terminal shows one status line\n"
    "redrawn in place: jobs active / the cap, jobs this run submitted (resubmissions included),\n"
    "traits still to submit (submit) or to settle (retry, resubmit, run: not yet completed or given up),\n"
    "and the seconds to the next poll. Off a terminal, or with -q: one [WAIT] line per poll.\n\n"
    "Exit codes:\n"
    "  0    success\n"
    "  1    a submission or runtime error (runai missing or failing, listing failed, ledger locked)\n"
    "  2    invalid usage or configuration\n"
    "  3    run: the batch finished with permanently failed traits\n"
    "  130  interrupted (SIGINT/SIGTERM)\n";

}  // namespace

std::vector<Command> register_app(CLI::App& app, GlobalOptions& global) {
  app.name("traitctl");
  app.description("traitctl: run one Run:ai job per GWAS trait, under a per-batch concurrency cap");
  app.set_version_flag("--version", TRAITCTL_VERSION);
  app.require_subcommand(1);
  app.fallthrough();
  app.footer(footer);
  app.formatter(make_help_formatter());

  app.add_flag("-v,--verbose", global.verbosity, "More detail on stderr (repeat for more)")
      ->group(help_group::global);
  app.add_flag("-q,--quiet", global.quiet, "Only warnings and errors on stderr")->group(help_group::global);
  app.add_option("--color", global.color, "Colour: auto, always or never (NO_COLOR is honoured)")
      ->check(CLI::IsMember({"auto", "always", "never"}))
      ->capture_default_str()
      ->type_name("WHEN")
      ->group(help_group::global);

  // The README's order: a batch's life, then looking at it, then the tools.
  return {register_submit(app, global),   register_run(app, global),    register_retry(app, global),
          register_resubmit(app, global), register_status(app, global), register_describe(app, global),
          register_logs(app, global),     register_report(app, global), register_cleanup(app, global),
          register_validate(app, global), register_cap(app, global)};
}

int run_cli(int argc, char** argv) {
  CLI::App app;
  GlobalOptions global;
  const std::vector<Command> commands = register_app(app, global);
  const std::vector<std::string> args(argv + 1, argv + argc);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    if (error.get_exit_code() == 0) {  // --help, --version
      app.exit(error);
      return to_int(ExitCode::Success);
    }
    return report_usage_error(describe_parse_error(app, error, args));
  }
  if (auto mistake = find_option_taken_as_value(app)) {
    return report_usage_error(*mistake);
  }
  if (auto mistake = find_argument_before_marker(app, args)) {
    return report_usage_error(*mistake);
  }
  configure_logging(global.verbosity, global.quiet, global.color_on(STDERR_FILENO));
  for (const auto& command : commands) {
    if (command.parser->parsed()) {
      return command.run();
    }
  }
  return to_int(ExitCode::Usage);
}

}  // namespace traitctl
