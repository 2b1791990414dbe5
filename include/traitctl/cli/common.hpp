// What every batch command shares: the options that locate the batch and the
// cluster, and their resolution into settings (flags > environment > .env >
// defaults).
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/adapters/runai_backend.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/cli/exit_codes.hpp"
#include "traitctl/config/settings.hpp"
#include "traitctl/core/result.hpp"

namespace CLI {
class App;
}

namespace traitctl {

class Journal;
class LedgerStore;

// Flags given before or after the subcommand.
struct GlobalOptions {
  int verbosity = 0;
  bool quiet = false;
  std::string color = "auto";  // --color: auto, always or never

  // Whether output on `fd` gets colour: --color, then NO_COLOR and whether
  // `fd` is a terminal.
  [[nodiscard]] bool color_on(int fd) const;
};

struct BatchOptions {
  std::optional<std::string> prefix;
  std::optional<std::string> project;
  std::optional<std::string> traits;
  std::optional<std::string> env_file;
  std::optional<std::string> runai;
  std::optional<std::string> runai_timeout;
  std::optional<std::string> state_dir;
  std::optional<std::string> expected_output;  // --expected-output, over EXPECTED_OUTPUT
  std::optional<std::string> memory_ladder;    // --memory-ladder, over MEMORY_LADDER
  std::optional<std::string> cpu_ladder;       // --cpu-ladder, over CPU_LADDER
  std::optional<std::string> max_cpu;          // --max-cpu, over MAX_CPU
  std::optional<std::string> max_memory;       // --max-memory, over MAX_MEMORY
  bool json = false;
};

// Binds --prefix, --project, --env-file, --runai, --runai-timeout,
// --state-dir and --json; --traits when `with_traits`.
void add_batch_options(CLI::App& command, BatchOptions& options, bool with_traits = true);
// Binds --expected-output PATTERN, for the commands that judge completion.
void add_expected_output_option(CLI::App& command, BatchOptions& options);
// --memory-ladder and --cpu-ladder, for commands that submit jobs.
void add_ladder_options(CLI::App& command, BatchOptions& options);
// --max-cpu and --max-memory, for commands that submit jobs.
void add_budget_options(CLI::App& command, BatchOptions& options);

struct BatchContext {
  BatchSettings settings;
  std::vector<int> traits;  // --traits, else START_TRAIT..END_TRAIT
  RunaiOptions runai;
  std::filesystem::path state_dir;
};

// Strict rejects a bad prefix, project or START..END range; Lenient loads
// them anyway (traits empty when START..END is invalid) for `validate` to report.
enum class Validation { Strict, Lenient };

// Loads the .env file, applies environment and flags, checks names and the
// trait range. Usage/Config errors name the value and the fix.
[[nodiscard]] Result<BatchContext> load_batch_context(const BatchOptions& options,
                                                      Validation validation = Validation::Strict);

// A subcommand: its CLI11 parser and what runs it once parsed.
struct Command {
  CLI::App* parser;
  std::function<int()> run;
};

// Prints `error` as a one-line message and returns its exit code.
int fail_with(const Error& error);
[[nodiscard]] ExitCode exit_code_for(const Error& error);

// --lock-timeout DUR for commands that change a batch: how long to wait for
// the batch lock while another traitctl holds it (default 10s).
void add_lock_timeout_option(CLI::App& command, std::string& lock_timeout);
// The --lock-timeout value; Usage error naming the bad text.
[[nodiscard]] Result<Duration> parse_lock_timeout(std::string_view text);
// The batch lock of LedgerStore, held for a whole run. Locked error naming
// the holder's pid when another traitctl works on the batch past `timeout`.
[[nodiscard]] Result<FileLock> lock_batch(const BatchContext& context, Duration timeout,
                                          const CancelToken& cancel);

// LedgerStore::open_for_writing for a command that changes the batch (run
// `command`). An import of an earlier traitctl's JSON files is told on stderr
// and journaled (ledger-imported) in `journal`, or, when null, in a journal
// opened for it.
[[nodiscard]] Result<void> open_state_for_writing(const LedgerStore& store, const BatchContext& context,
                                                  std::string_view command, Journal* journal);

// A --max-concurrent style flag that must be at least 1.
[[nodiscard]] Result<int> require_positive(int value, std::string_view flag);

// The y/N question on a terminal; without one and without --yes, the Usage
// error that tells the caller to pass --yes (a CI run must never hang). End
// of input is no; Ctrl-C while it waits (`cancel` stopped, the stop signals
// installed) is an Interrupted error (exit 130).
[[nodiscard]] Result<bool> confirm_or_require_yes(bool yes, std::string_view question,
                                                  const CancelToken& cancel);

}  // namespace traitctl
