// What submit, retry, resubmit and run share: their options, and the one
// flow that drives the batch loop — settings, backend, confirmation, batch
// lock, ledger, journal, the loop, the report and the exit code. A command is
// the loop with its own BatchMode.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/common.hpp"
#include "traitctl/core/batch_plan.hpp"
#include "traitctl/core/trait_stage.hpp"

namespace traitctl {

enum class CommandKind { Submit, Retry, Resubmit, Run };
[[nodiscard]] std::string_view command_name(CommandKind kind);

// How the loop runs: the cap, how often it looks, how long it waits for the lock.
struct LoopOptions {
  std::optional<int> max_concurrent;
  std::string poll_interval = "30s";
  int parallel = 4;
  std::string lock_timeout = "10s";
  bool dry_run = false;
  bool yes = false;
  bool no_validate = false;  // submit, run: go ahead even when a validate check fails
};

// What is retried and when.
struct PolicyOptions {
  int max_retries = 3;
  int max_incomplete_retries = 1;
  std::string retry_delay = "30s";
  std::string max_delay = "300s";
  std::vector<int> retry_exit_codes;
  std::vector<std::string> mount_failure_patterns;
};

// How the cap reads the cluster's health (docs/concurrency.md), and the
// failure budget.
struct GateOptions {
  bool no_adaptive = false;
  int min_concurrent = 1;
  int cap_window = 10;
  int cap_burst = 3;
  int cap_healthy_run = 10;
  int max_config_errors = 5;
  int max_unknown_errors = 10;
};

// --max-concurrent, --poll-interval, --parallel, --lock-timeout, --dry-run, --yes.
void add_loop_options(CLI::App& command, LoopOptions& options);
// --no-validate, for the commands that start a batch.
void add_validation_option(CLI::App& command, LoopOptions& options);
// --no-adaptive, --min-concurrent, --cap-window, --cap-burst, --cap-healthy-run,
// --max-config-errors, --max-unknown-errors.
void add_gate_options(CLI::App& command, GateOptions& options);
// --max-retries, --retry-delay, --max-delay, --retry-exit-code, --mount-failure-pattern.
void add_policy_options(CLI::App& command, PolicyOptions& options);

struct BatchCommand {
  CommandKind kind = CommandKind::Submit;
  BatchOptions batch;
  LoopOptions loop;
  PolicyOptions policy;
  GateOptions gate;
  BackendOptions backend;
  BatchMode mode;
};

// Picks the traits a command acts on from a first look at the batch
// (resubmit: the named ones, or the failed ones), adjusting the plan.
using TargetResolver =
    std::function<Result<void>(Backend& backend, const BatchContext& context, PlanSettings& plan)>;

// Runs the command to its end and returns its documented exit code.
[[nodiscard]] int run_batch_command(const BatchCommand& command, const TargetResolver& resolve = {});

}  // namespace traitctl
