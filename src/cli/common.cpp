#include "traitctl/cli/common.hpp"

#include <CLI/CLI.hpp>
#include <cstdlib>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/config/checks.hpp"
#include "traitctl/config/env_file.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

constexpr std::string_view default_env_file = ".env";
constexpr std::string_view default_state_dir = ".traitctl";

std::optional<std::string> environment_value(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') {
    return std::nullopt;
  }
  return std::string(value);
}

}  // namespace

bool GlobalOptions::color_on(int fd) const {
  const ColorMode mode = color == "always"  ? ColorMode::Always
                         : color == "never" ? ColorMode::Never
                                            : ColorMode::Auto;
  return should_color(mode, fd);
}

void add_batch_options(CLI::App& command, BatchOptions& options, bool with_traits) {
  command
      .add_option("--prefix", options.prefix, "Job name prefix: jobs are named PREFIX-<trait> (JOB_PREFIX)")
      ->type_name("PREFIX")
      ->group(help_group::batch);
  command.add_option("--project", options.project, "Run:ai project (PROJECT)")
      ->type_name("NAME")
      ->group(help_group::batch);
  if (with_traits) {
    command
        .add_option("--traits", options.traits,
                    "Traits to act on, e.g. 2-187 or 2,5,9-12 (default START_TRAIT..END_TRAIT)")
        ->type_name("TRAITS")
        ->group(help_group::batch);
  }
  command.add_option("--env-file", options.env_file, "The .env file to read (default ./.env if present)")
      ->type_name("PATH")
      ->group(help_group::batch);
  command
      .add_option("--state-dir", options.state_dir,
                  "Where the ledger and journal live (TRAITCTL_STATE_DIR, default ./.traitctl)")
      ->type_name("PATH")
      ->group(help_group::batch);
  command.add_option("--runai", options.runai, "The runai executable (TRAITCTL_RUNAI, else runai on PATH)")
      ->type_name("PATH")
      ->group(help_group::backend);
  command
      .add_option("--runai-timeout", options.runai_timeout,
                  "Deadline for each runai call, e.g. 120s or 2m (default 120s)")
      ->type_name("DURATION")
      ->group(help_group::backend);
  command.add_flag("--json", options.json, "Print one JSON object with the result on stdout")
      ->group(help_group::output);
}

void add_expected_output_option(CLI::App& command, BatchOptions& options) {
  command
      .add_option(
          "--expected-output", options.expected_output,
          fmt::format("The file under OUTPUT_PATH_HOST that proves a trait done, a glob with {{trait}} "
                      "or {{trait:03}} in it; '' turns the check off (EXPECTED_OUTPUT, default {})",
                      default_expected_output))
      ->type_name("PATTERN")
      ->group(help_group::batch);
}

void add_ladder_options(CLI::App& command, BatchOptions& options) {
  command
      .add_option("--memory-ladder", options.memory_ladder,
                  "Memory tiers an out-of-memory trait climbs, one per OOM failure, from MEMORY up, e.g. "
                  "64G,96G,160G (MEMORY_LADDER; none, or '': OOM is not retried)")
      ->type_name("SIZE,...")
      ->group(help_group::retries);
  command
      .add_option("--cpu-ladder", options.cpu_ladder,
                  "CPU to step alongside the memory tiers, e.g. 12,16,24 (CPU_LADDER)")
      ->type_name("N,...")
      ->group(help_group::retries);
}

void add_budget_options(CLI::App& command, BatchOptions& options) {
  command
      .add_option("--max-cpu", options.max_cpu,
                  "Most CPU cores the batch's active jobs may ask for together, e.g. 100 (MAX_CPU)")
      ->type_name("N")
      ->group(help_group::concurrency);
  command
      .add_option("--max-memory", options.max_memory,
                  "Most memory the batch's active jobs may ask for together, e.g. 2T (MAX_MEMORY)")
      ->type_name("SIZE")
      ->group(help_group::concurrency);
}

namespace {

// The flags that override a setting of the .env file.
Result<void> apply_setting_flags(const BatchOptions& options, BatchSettings& settings) {
  if (options.expected_output) {
    if (auto valid = check_output_pattern(*options.expected_output, "--expected-output"); !valid) {
      return Error{ErrorKind::Usage, valid.error().message};
    }
    settings.expected_output = *options.expected_output;
  }
  if (options.max_cpu) {
    settings.max_cpu = *options.max_cpu;
  }
  if (options.max_memory) {
    settings.max_memory = *options.max_memory;
  }
  // An empty ladder turns the climb off, whatever MEMORY_LADDER says.
  if (options.memory_ladder && options.memory_ladder->empty()) {
    settings.memory_ladder.clear();
  } else if (options.memory_ladder) {
    auto ladder = parse_memory_ladder(*options.memory_ladder, "--memory-ladder");
    if (!ladder) {
      return Error{ErrorKind::Usage, ladder.error().message};
    }
    settings.memory_ladder = std::move(*ladder);
  }
  if (options.cpu_ladder && options.cpu_ladder->empty()) {
    settings.cpu_ladder.clear();
  } else if (options.cpu_ladder) {
    auto ladder = parse_cpu_ladder(*options.cpu_ladder, "--cpu-ladder");
    if (!ladder) {
      return Error{ErrorKind::Usage, ladder.error().message};
    }
    settings.cpu_ladder = std::move(*ladder);
  }
  return {};
}

}  // namespace

Result<BatchContext> load_batch_context(const BatchOptions& options, Validation validation) {
  const std::filesystem::path env_path(options.env_file.value_or(std::string(default_env_file)));
  const auto environment = process_environment();
  auto env_values = load_env_file(env_path, options.env_file.has_value(), environment);
  if (!env_values) {
    return env_values.error();
  }
  const VariableSource variables(std::move(*env_values), environment);
  auto resolved = resolve_settings(variables);
  if (!resolved) {
    return resolved.error();
  }
  BatchContext context;
  context.settings = std::move(*resolved);
  BatchSettings& settings = context.settings;
  if (options.prefix) {
    settings.prefix = *options.prefix;
  }
  if (options.project) {
    settings.project = *options.project;
  }
  if (auto applied = apply_setting_flags(options, settings); !applied) {
    return applied.error();
  }
  if (options.traits) {
    auto traits = parse_trait_spec(*options.traits);
    if (!traits) {
      return traits.error();
    }
    context.traits = std::move(*traits);
  } else if (auto traits = traits_in_range(settings)) {
    context.traits = std::move(*traits);
  } else if (validation == Validation::Strict) {
    return traits.error();
  }
  if (validation == Validation::Strict) {
    if (auto valid = validate_prefix(settings.prefix, context.traits.back()); !valid) {
      return valid.error();
    }
    if (auto valid = validate_job_name(settings.project); !valid) {
      return make_error(ErrorKind::Config,
                        "invalid project '{}': set --project or PROJECT to a Run:ai project name",
                        printable(settings.project));
    }
  }

  context.runai.project = settings.project;
  if (options.runai) {
    context.runai.executable = *options.runai;
  } else if (auto from_environment = environment_value("TRAITCTL_RUNAI")) {
    context.runai.executable = *from_environment;
  }
  if (options.runai_timeout) {
    auto timeout = parse_duration(*options.runai_timeout);
    if (!timeout) {
      return make_error(ErrorKind::Usage, "--runai-timeout: {}", timeout.error().message);
    }
    if (timeout->count() == 0) {
      return make_error(ErrorKind::Usage, "--runai-timeout must be more than 0, e.g. 120s");
    }
    context.runai.call_timeout = *timeout;
  }
  if (options.state_dir) {
    context.state_dir = *options.state_dir;
  } else if (auto from_environment = environment_value("TRAITCTL_STATE_DIR")) {
    context.state_dir = *from_environment;
  } else {
    context.state_dir = std::string(default_state_dir);
  }
  return context;
}

ExitCode exit_code_for(const Error& error) {
  switch (error.kind) {
    case ErrorKind::Usage:
    case ErrorKind::Config: return ExitCode::Usage;
    case ErrorKind::Interrupted: return ExitCode::Interrupted;
    default: return ExitCode::Failure;
  }
}

int fail_with(const Error& error) {
  report(Tag::Error, "{}", error.message);
  return to_int(exit_code_for(error));
}

void add_lock_timeout_option(CLI::App& command, std::string& lock_timeout) {
  command
      .add_option("--lock-timeout", lock_timeout,
                  "How long to wait while another traitctl works on this batch, e.g. 10s or 2m")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::batch);
}

Result<Duration> parse_lock_timeout(std::string_view text) {
  auto timeout = parse_duration(text);
  if (!timeout) {
    return make_error(ErrorKind::Usage, "--lock-timeout: {}", timeout.error().message);
  }
  return *timeout;
}

Result<FileLock> lock_batch(const BatchContext& context, Duration timeout, const CancelToken& cancel) {
  auto store = LedgerStore::open(context.state_dir, context.settings.project, context.settings.prefix);
  if (!store) {
    return store.error();
  }
  return store->lock(timeout, cancel);
}

Result<void> open_state_for_writing(const LedgerStore& store, const BatchContext& context,
                                    std::string_view command, Journal* journal) {
  auto imported = store.open_for_writing();
  if (!imported) {
    return imported.error();
  }
  if (!*imported) {
    return {};
  }
  const LegacyImport& what = **imported;
  report(Tag::Info, "Imported the batch's state of an earlier traitctl into {} ({}, {}); the JSON files were kept as *.imported",
         store.database_path().string(), plural(what.traits, "trait"),
         plural(what.attempts, "attempt"));
  const SystemClock clock;
  std::optional<Journal> opened;
  if (journal == nullptr) {
    auto own = Journal::open(context.state_dir, std::string(command), context.settings.project,
                             context.settings.prefix, clock);
    if (!own) {
      return own.error();
    }
    opened.emplace(std::move(*own));
    journal = &*opened;
  }
  journal->record(JournalEvent{"ledger-imported", std::nullopt, std::nullopt,
                               {{"database", store.database_path().string()},
                                {"ledger", what.ledger ? store.legacy_ledger_path().string() + ".imported" : ""},
                                {"cap_request", what.cap_request ? store.legacy_cap_path().string() + ".imported" : ""},
                                {"traits", what.traits},
                                {"attempts", what.attempts}}});
  return {};
}

Result<int> require_positive(int value, std::string_view flag) {
  if (value < 1) {
    return make_error(ErrorKind::Usage, "{} must be at least 1, got {}", flag, value);
  }
  return value;
}

Result<bool> confirm_or_require_yes(bool yes, std::string_view question, const CancelToken& cancel) {
  if (yes) {
    return true;
  }
  if (!stdin_is_terminal()) {
    return make_error(ErrorKind::Usage,
                      "no terminal to ask for confirmation: pass --yes to go ahead without asking");
  }
  const std::optional<bool> answer = confirm(question, cancel);
  if (cancel.stop_requested()) {
    return make_error(ErrorKind::Interrupted, "interrupted at the question; nothing was changed");
  }
  return answer.value_or(false);  // end of input (Ctrl-D) is no
}

}  // namespace traitctl
