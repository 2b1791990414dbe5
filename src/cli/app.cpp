#include "traitctl/cli/app.hpp"

#include <CLI/CLI.hpp>

#include "traitctl/cli/exit_codes.hpp"

namespace traitctl {

int run_cli(int argc, char** argv) {
  CLI::App app{"traitctl: run one Run:ai job per GWAS trait, under a per-batch concurrency cap", "traitctl"};
  app.set_version_flag("--version", TRAITCTL_VERSION);
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    const int cli11_code = app.exit(error);
    return cli11_code == 0 ? to_int(ExitCode::Success) : to_int(ExitCode::Usage);
  }
  return to_int(ExitCode::Success);
}

}  // namespace traitctl
