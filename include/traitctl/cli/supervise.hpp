// What retry, resubmit and run share: the retry-policy flags, and running the
// retry engine with the batch lock, the ledger, the journal and a report.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "traitctl/cli/common.hpp"
#include "traitctl/core/retry_engine.hpp"

namespace traitctl {

struct SupervisionOptions {
  int max_retries = 3;
  std::string retry_delay = "30s";
  std::string max_delay = "300s";
  std::optional<int> max_concurrent;
  std::string poll_interval = "30s";
  std::vector<int> retry_exit_codes;
  std::vector<std::string> mount_failure_patterns;
  std::string lock_timeout = "10s";
  bool dry_run = false;
  bool yes = false;
};

// --max-retries, --retry-delay, --max-delay, --retry-exit-code,
// --mount-failure-pattern (with_policy), and --max-concurrent,
// --poll-interval, --lock-timeout, --dry-run, --yes.
void add_supervision_options(CLI::App& command, SupervisionOptions& options, bool with_policy);

struct Supervision {
  BatchContext context;
  RetryRequest request;
};

// The batch context and the engine's request from the flags; Usage error
// naming the accepted range for a bad value.
[[nodiscard]] Result<Supervision> prepare_supervision(const BatchOptions& batch,
                                                      const SupervisionOptions& options);

enum class Outcome { Retry, Resubmit, Run };

// Confirms (unless dry-run), takes the batch lock, loads the ledger, runs the
// engine on `backend`, journals every step, prints the report (JSON with
// `json`) and returns the exit code documented for `outcome`.
[[nodiscard]] int supervise(Outcome outcome, const BatchContext& context, const SupervisionOptions& options,
                            RetryRequest& request, Backend& backend, bool json);

}  // namespace traitctl
