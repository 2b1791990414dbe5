// --backend runai|local for the commands that work on a batch's jobs, and the
// Backend it names, opened for what the command does with the jobs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traitctl/cli/common.hpp"
#include "traitctl/core/backend.hpp"
#include "traitctl/core/cancel.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl {

struct BackendOptions {
  std::string kind = "runai";
  std::string job_timeout = "0";
  std::vector<std::string> job_command;  // local: the words after `--`
};

// What a command does with the jobs; it decides how a local batch is opened.
enum class BackendAccess {
  Preview,  // a dry run: reads the local record, which may not exist yet
  Inspect,  // status, retry --dry-run: reads the recorded local batch, never changes it
  Delete,   // cleanup: owns the recorded local batch (its lock) to forget jobs
  Run,      // run: owns the local batch and starts its jobs with the job command
};

// --backend.
void add_backend_option(CLI::App& command, BackendOptions& options);
// --job-timeout and the job command after `--`, for commands that start jobs.
void add_local_job_options(CLI::App& command, BackendOptions& options);

[[nodiscard]] bool is_local(const BackendOptions& options);

// The runai CLI, or the local executor of `context.state_dir`. Errors: Usage
// for a bad --job-timeout or a missing job command; NotFound when Inspect or
// Delete finds no recorded local batch; Locked while another traitctl runs it.
// The local backend keeps a reference to `clock`; calls in flight stop once
// `cancel` is set.
[[nodiscard]] Result<std::unique_ptr<Backend>> open_backend(const BackendOptions& options,
                                                            const BatchContext& context, BackendAccess access,
                                                            Clock& clock, const CancelToken& cancel);

// The command a trait's job becomes on this backend, for the dry-run plan:
// the runai submit argv, or the local job's argv.
[[nodiscard]] std::vector<std::string> submission_preview(const BackendOptions& options,
                                                          const BatchContext& context, const JobSpec& spec);

// How soon the loop looks again while a step waits for a listing to confirm
// it: at once for local processes (their record is the truth), a moment for
// a remote CLI whose listings lag.
[[nodiscard]] Duration confirm_interval(const BackendOptions& options, Duration poll_interval);

}  // namespace traitctl
