// --backend runai|local|slurm for the commands that work on a batch's jobs,
// and the Backend it names, opened for what the command does with the jobs.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/adapters/slurm_cli.hpp"
#include "traitctl/cli/common.hpp"
#include "traitctl/core/backend.hpp"
#include "traitctl/core/cancel.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl {

// --partition, --account, --qos, --time and --slurm-arg: each over its
// SLURM_* setting (--slurm-arg words replace SLURM_EXTRA_ARGS's).
struct SlurmFlags {
  std::optional<std::string> partition;
  std::optional<std::string> account;
  std::optional<std::string> qos;
  std::optional<std::string> time_limit;
  std::vector<std::string> extra_args;
};

struct BackendOptions {
  std::string kind = "runai";
  std::string job_timeout = "0";
  std::vector<std::string> job_command;  // local, slurm: the words after `--`
  SlurmFlags slurm;
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
// The job command after `--`, for commands that submit on a host backend.
void add_job_command_option(CLI::App& command, BackendOptions& options);
// --job-timeout and the job command after `--`, for commands that start local jobs.
void add_local_job_options(CLI::App& command, BackendOptions& options);
// --partition, --account, --qos, --time, --slurm-arg.
void add_slurm_options(CLI::App& command, BackendOptions& options);

[[nodiscard]] bool is_local(const BackendOptions& options);
[[nodiscard]] bool is_slurm(const BackendOptions& options);

// How sbatch is called for the batch: the SLURM_* settings with the flags over them.
[[nodiscard]] SlurmOptions slurm_options(const BackendOptions& options, const BatchContext& context);

// The runai CLI, the local executor of `context.state_dir`, or Slurm.
// Errors: Usage for a bad --job-timeout or a missing job command (Run);
// NotFound when Inspect or Delete finds no recorded local batch; Locked
// while another traitctl runs it. The local and Slurm backends keep a
// reference to `clock`; calls in flight stop once `cancel` is set.
[[nodiscard]] Result<std::unique_ptr<Backend>> open_backend(const BackendOptions& options,
                                                            const BatchContext& context, BackendAccess access,
                                                            Clock& clock, const CancelToken& cancel);

// The command a trait's job becomes on this backend, for the dry-run plan:
// the runai submit argv, the local job's argv, or the sbatch argv.
[[nodiscard]] std::vector<std::string> submission_preview(const BackendOptions& options,
                                                          const BatchContext& context, const JobSpec& spec);

// How soon the loop looks again while a step waits for a listing to confirm
// it: at once for local processes (their record is the truth), a moment for
// a remote CLI whose listings lag.
[[nodiscard]] Duration confirm_interval(const BackendOptions& options, Duration poll_interval);

}  // namespace traitctl
