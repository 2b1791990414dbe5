#pragma once

namespace traitctl {

// Parses the command line, runs the chosen subcommand, returns the exit code.
int run_cli(int argc, char** argv);

}  // namespace traitctl
