// How --help reads: every option in a named group, the groups in one order
// for every subcommand, and the global options repeated under each
// subcommand, since they may be given after it.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace CLI {
class FormatterBase;
}

namespace traitctl::help_group {

// A subcommand's own options share CLI11's group with -h,--help.
inline const std::string command = "Options";
inline const std::string batch = "Batch";
inline const std::string backend = "Backend";
inline const std::string concurrency = "Concurrency";
inline const std::string retries = "Retries";
inline const std::string local_and_slurm = "Local and Slurm";
inline const std::string output = "Output";
inline const std::string global = "Global options";

// The order --help shows the groups in.
[[nodiscard]] const std::vector<std::string>& in_order();

}  // namespace traitctl::help_group

namespace traitctl {

// The formatter that orders the groups, appends the parent's global options
// to a subcommand's help and shows a positional by its option_text (the job
// command as `-- COMMAND ARGS...`). Set it on the app before adding subcommands:
// they inherit it.
[[nodiscard]] std::shared_ptr<CLI::FormatterBase> make_help_formatter();

}  // namespace traitctl
