// Why a job failed, and whether and when to try it again. Pure: the evidence
// comes from a Backend, the time from the caller.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

enum class FailureClass {
  MountFailure,     // the job's exit code 2 or its log: transient, retryable
  ConfigError,      // exit code 1 or "Missing required files": a person must fix it
  Unknown,          // a log that matches nothing known
  LogsUnavailable,  // neither a telling exit code nor a log
  Timeout,          // the backend stopped the job for running too long
};

// Stable lowercase-dash names, as stored in the ledger and the journal.
[[nodiscard]] std::string_view to_string(FailureClass failure);
// Parse error naming `name` and the accepted names.
[[nodiscard]] Result<FailureClass> failure_class_from_string(std::string_view name);

// Only a mount failure is retried automatically.
[[nodiscard]] bool is_retryable(FailureClass failure);
// For people: "configuration error, manual fix needed", ...
[[nodiscard]] std::string_view failure_reason(FailureClass failure);

// The job's exit-code contract and log lines (shared/runai/FORMATS.md).
struct ClassifierPolicy {
  std::vector<int> retry_exit_codes{2};
  std::vector<int> config_exit_codes{1};
  // Matched as case-insensitive substrings of the log.
  std::vector<std::string> mount_failure_patterns{"INFRASTRUCTURE MOUNT FAILURE", "is not a mount point"};
  std::vector<std::string> config_error_patterns{"Missing required files"};
};

// In order: a timed-out job is Timeout; a known exit code in one of the lists
// decides; otherwise the log decides, mount patterns first (a missing mount
// also makes files look missing); no log is LogsUnavailable, else Unknown.
[[nodiscard]] FailureClass classify_failure(const FailureEvidence& evidence, const ClassifierPolicy& policy);

struct RetryPolicy {
  int max_retries = 3;  // automatic retries per trait and batch
  Duration retry_delay{std::chrono::seconds{30}};
  Duration max_delay{std::chrono::seconds{300}};
};

// The wait before automatic retry `retry_number` (1-based): none before the
// first, then retry_delay doubling each time, capped at max_delay. Never
// overflows, whatever the retry number.
[[nodiscard]] Duration backoff_before_retry(int retry_number, const RetryPolicy& policy);

}  // namespace traitctl
