// The emulated CLI's answers and errors, and Cobra/pflag-like flag parsing.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace fake_runai {

// A user-facing error of the emulated CLI: printed to stderr verbatim, exit 1.
class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken test setup (bad config.json, unwritable dir): "fake runai: ..." and exit 1.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Outcome {
  std::string out{};
  std::string err{};
  int exit_code = 0;
  bool hang = false;  // no answer at all: sleep until killed (after the state is saved)
  // calls.jsonl's "answer" when a fault or a race shaped it: "transient",
  // "hang", "ghost_submit", "garbage", "lost_delete", "still_deleting", "lost_submit".
  std::string answer{};
};

constexpr std::string_view kNetworkError =
    "Error: Something went wrong: dial tcp 10.0.0.1:443: i/o timeout\n";

struct FlagSpec {
  std::string_view name;
  char shorthand;               // '\0' when there is none
  std::string_view value_type;  // empty for a boolean flag
  std::string_view usage;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>, std::less<>> values;
  bool help = false;

  [[nodiscard]] bool has(std::string_view name) const { return values.find(name) != values.end(); }
  [[nodiscard]] std::optional<std::string> last(std::string_view name) const {
    const auto it = values.find(name);
    if (it == values.end()) {
      return std::nullopt;
    }
    return it->second.back();
  }
};

constexpr FlagSpec kHelpFlag{"help", 'h', "", "help for this command"};
constexpr FlagSpec kProjectFlag{"project", 'p', "string",
                                "Specify the project to which the command applies. By default, commands "
                                "apply to the default project."};

// --name value, --name=value, -x value; everything after "--" is left alone
// (the container's command). Unknown flags fail the way the real CLI does.
ParsedArgs parse_flags(std::span<const std::string> args, std::span<const FlagSpec> specs);
// The flag's last value as an integer, or pflag's error for one that is not.
std::optional<std::int64_t> int_flag(const ParsedArgs& parsed, std::string_view name);
// `value` as a count, `fallback` when absent; an error when negative.
std::size_t non_negative(std::optional<std::int64_t> value, std::string_view flag, std::size_t fallback);
// Cobra's --help: description, usage and the flags sorted by name.
std::string help_text(std::string_view description, std::string_view usage, std::span<const FlagSpec> specs);
std::string require_project(const ParsedArgs& parsed);
// The one positional argument (a workload name), or Cobra's error.
std::string single_name(const ParsedArgs& parsed, std::string_view command);

}  // namespace fake_runai
