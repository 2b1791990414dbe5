// Why a job failed: one class per failed attempt, decided from the evidence a
// backend gathers (exit code, the container's or scheduler's reason, the log),
// with the evidence that decided it kept for the ledger, the journal and
// people. Pure: the evidence comes from a Backend.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/result.hpp"

namespace traitctl {

enum class FailureClass {
  Mount,           // exit 2 or a mount marker in the log: transient, retried
  Config,          // exit 1 or "Missing required files": a person must fix the inputs
  Oom,             // exit 137, OOMKilled / OUT_OF_MEMORY, a memory marker in the log, or death by SIGKILL
  Timeout,         // stopped for running too long (traitctl's --job-timeout, Slurm's TIMEOUT)
  Incomplete,      // exited 0 without the expected outputs (decided by the engine, not the classifier)
  Infrastructure,  // the node failed, or the job was preempted or evicted: transient, retried
  Unknown,         // nothing above: an unexplained exit code, or no evidence at all
};

// Stable lowercase names, as stored in the ledger and the journal: mount,
// config, oom, timeout, incomplete, infrastructure, unknown.
[[nodiscard]] std::string_view to_string(FailureClass failure);
// Also reads the names of ledger version 1 (mount-failure, config-error,
// logs-unavailable -> unknown). Parse error naming `name` and the accepted names.
[[nodiscard]] Result<FailureClass> failure_class_from_string(std::string_view name);
// For people: "infrastructure mount failure", "out of memory", ...
[[nodiscard]] std::string_view failure_reason(FailureClass failure);

// What a backend can tell about why a job failed. Any part may be missing.
struct FailureEvidence {
  std::optional<int> exit_code;  // the main container's / the job's exit code
  std::optional<int> signal;     // the signal that ended it, where the backend says (Slurm 0:9, a local kill)
  std::optional<std::string>
      reason;  // the container's or scheduler's word: OOMKilled, OUT_OF_MEMORY, NODE_FAIL, ...
  std::optional<std::string> log;  // the job's log; nullopt when unavailable
  bool timed_out = false;          // traitctl itself stopped it for running too long
  friend bool operator==(const FailureEvidence&, const FailureEvidence&) = default;
};

// The job's exit-code contract and log markers (shared/runai/FORMATS.md), and
// the words backends use for what happened to a job. The flags add to these
// defaults; they never replace them.
struct ClassifierPolicy {
  std::vector<int> mount_exit_codes{2};
  std::vector<int> config_exit_codes{1};
  std::vector<int> oom_exit_codes{137};
  // Case-insensitive substrings of a log line.
  std::vector<std::string> mount_patterns{"INFRASTRUCTURE MOUNT FAILURE", "is not a mount point"};
  std::vector<std::string> config_patterns{"Missing required files"};
  std::vector<std::string> oom_patterns{"cannot allocate vector of size", "std::bad_alloc",
                                        "Exceeded job memory limit", "oom-kill"};
  // Matched only as a whole line (trimmed): the kernel's word when it kills R.
  std::vector<std::string> oom_lines{"Killed"};
  // Case-insensitive whole words of FailureEvidence::reason.
  std::vector<std::string> oom_reasons{"OOMKilled", "OUT_OF_MEMORY"};
  // Slurm: TIMEOUT past --time, DEADLINE past --deadline.
  std::vector<std::string> timeout_reasons{"TIMEOUT", "DEADLINE", "DeadlineExceeded"};
  // DisruptionTarget: the pod condition Kubernetes sets when it preempts or
  // evicts a pod (its describe reason reads "DisruptionTarget: <why>").
  std::vector<std::string> infrastructure_reasons{"NODE_FAIL", "PREEMPTED", "BOOT_FAIL", "Evicted",
                                                  "DisruptionTarget"};
  // A request the scheduler can never satisfy as asked: the Slurm adapter's
  // word for a job pending for a reason that never clears (PartitionConfig:
  // more CPUs than any node has) or refused as BadConstraints.
  std::vector<std::string> config_reasons{"Unsatisfiable"};

  // --retry-exit-code and --mount-failure-pattern: added, never duplicated.
  void add_mount_exit_code(int code);
  void add_mount_pattern(std::string pattern);
};

// The class and what decided it.
struct Classification {
  FailureClass failure = FailureClass::Unknown;
  std::optional<int> exit_code;
  std::optional<std::string> reason;
  // The log line that decided when the log did; when an exit code decided,
  // the log line that says the same, if any (shown, never deciding).
  std::optional<std::string> matched_line;
  // One line for people and the journal, e.g. "exit code 137 (OOMKilled)",
  // "log: INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point",
  // "no exit code and no log".
  std::string evidence;
  friend bool operator==(const Classification&, const Classification&) = default;
};

// In order, the first that applies decides:
// 1. timed_out: Timeout;
// 2. a reason in oom_reasons, timeout_reasons, infrastructure_reasons or
//    config_reasons: that class;
// 3. a known exit code (or signal): mount, config or oom codes; death by
//    signal 9 (SIGKILL) is Oom; any other code is Unknown: the log is not
//    consulted once an exit code is known;
// 4. the log: mount patterns first (a missing mount also makes files look
//    missing), then oom patterns and lines, then config patterns;
// 5. Unknown.
[[nodiscard]] Classification classify_failure(const FailureEvidence& evidence,
                                              const ClassifierPolicy& policy);

}  // namespace traitctl
