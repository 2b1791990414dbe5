// --backend runai|local for the commands that work on a batch's jobs, and the
// Backend it names, opened for what the command does with the jobs.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "traitctl/cli/common.hpp"
#include "traitctl/core/backend.hpp"
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
// The local backend keeps a reference to `clock`.
[[nodiscard]] Result<std::unique_ptr<Backend>> open_backend(const BackendOptions& options,
                                                            const BatchContext& context, BackendAccess access,
                                                            Clock& clock);

}  // namespace traitctl
