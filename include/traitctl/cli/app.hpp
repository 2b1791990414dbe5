#pragma once

#include <vector>

#include "traitctl/cli/common.hpp"

namespace traitctl {

// Sets up `app` as traitctl's command line: its help, the global flags
// (bound to `global`) and every subcommand.
[[nodiscard]] std::vector<Command> register_app(CLI::App& app, GlobalOptions& global);

// Parses the command line, runs the chosen subcommand, returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace traitctl
