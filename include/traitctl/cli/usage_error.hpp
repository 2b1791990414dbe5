// Command-line mistakes in traitctl's own error format: one "[ERROR] ..."
// line that names the bad word and the fix (with a suggestion for a
// misspelt command, option or value), then where to read more.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace traitctl {

// The candidates `typed` is most likely a typo of (at most three): the same
// word in another case, else the ones it is the start of (from three
// characters), else those within one edit per three characters (at least
// one; swapping two neighbours is one edit), those sharing the most leading
// characters first. Leading dashes are not compared. Empty when nothing is close.
[[nodiscard]] std::vector<std::string> closest_matches(std::string_view typed,
                                                       const std::vector<std::string>& candidates);

struct UsageError {
  std::string message;       // what is wrong and the fix, printable, without the [ERROR] tag
  std::string help_command;  // "traitctl" or "traitctl <command>": where `--help` tells more
};

// Explains a failed parse of `args` (the words after the program name) from
// CLI11's error and what `app` recorded before it stopped.
[[nodiscard]] UsageError describe_parse_error(const CLI::App& app, const CLI::ParseError& error,
                                              const std::vector<std::string>& args);

// After a successful parse: an option that took another option as its value
// (`--lock-timeout --yes`: CLI11 takes the next word whatever it is).
[[nodiscard]] std::optional<UsageError> find_option_taken_as_value(const CLI::App& app);

// After a successful parse of `args`: a word CLI11 gave the job command
// though it came before `--` (`submit 2-10`); only what follows `--` is the
// job's command.
[[nodiscard]] std::optional<UsageError> find_argument_before_marker(const CLI::App& app,
                                                                    const std::vector<std::string>& args);

// Prints the error line and the --help hint on stderr; returns the Usage exit code.
int report_usage_error(const UsageError& error);

}  // namespace traitctl
