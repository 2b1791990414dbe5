// Slurm's commands driven for traitctl: each trait is one batch job. sbatch,
// squeue, scontrol, sacct and scancel run as argv vectors with a deadline
// (never through a shell); their answers are read by slurm_parse.hpp.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/adapters/process.hpp"
#include "traitctl/adapters/slurm_parse.hpp"
#include "traitctl/core/cancel.hpp"
#include "traitctl/core/job_spec.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct SlurmOptions {
  // The folder holding sbatch, squeue, scontrol, sacct and scancel; empty:
  // each is looked up on PATH.
  std::filesystem::path bin_dir;
  // Where the job scripts go, one per job name (created when missing), e.g.
  // <state-dir>/slurm/<project>. sbatch keeps its own copy of a script, so a
  // resubmission may overwrite it.
  std::filesystem::path script_dir;
  // Passed to sbatch when not empty.
  std::string partition;
  std::string account;
  std::string qos;
  std::string time_limit;  // --time, in Slurm's forms: 90, 4:00:00, 2-00:00:00
  // More sbatch words, after traitctl's and before the script (words, never
  // a shell string): --constraint=avx2, --gres=gpu:1, ...
  std::vector<std::string> extra_sbatch_args;
  Duration call_timeout{60'000};
  // Set in every Slurm command's environment on top of traitctl's own
  // (SLURM_CONF, for one).
  EnvironmentOverrides environment;
  // Once set, a call in flight is cut short (Interrupted): Ctrl-C never
  // waits for a controller that does not answer.
  const CancelToken* cancel = nullptr;
};

// Where SlurmCli::submit writes the script of job `name`.
[[nodiscard]] std::filesystem::path slurm_script_path(const SlurmOptions& options, const std::string& name);

// The script sbatch runs for a job: `exec` of `command`, every word quoted
// for sh so that it reaches the job byte for byte. sbatch refuses a script
// holding "\r\n", so a carriage return is followed by an empty quote pair.
[[nodiscard]] std::string slurm_job_script(const std::vector<std::string>& command);

// `sbatch --parsable --job-name N --cpus-per-task C --mem M --output LOG
// [--partition P] [--account A] [--qos Q] [--time T] [--exclude=N1,N2] --export=ALL
// [extra] SCRIPT`, the excluded nodes JobSpec::avoid_nodes, with CPU and memory in Slurm's units (slurm_cpus,
// slurm_memory). Config error for a CPU or memory request Slurm cannot take.
[[nodiscard]] Result<std::vector<std::string>> slurm_submit_argv(const SlurmOptions& options,
                                                                 const JobSpec& spec,
                                                                 const std::filesystem::path& log_path,
                                                                 const std::filesystem::path& script_path);

// `squeue -h -t all -o <squeue_format> -u <uid>`: every job of the user,
// finished ones too while the controller keeps them (MinJobAge).
[[nodiscard]] std::vector<std::string> slurm_list_argv(const SlurmOptions& options, uid_t uid);

// The error for a Slurm command that did not succeed, one line naming the
// command, Slurm's own words (escaped) and what to do. `slurm_conf` is the
// SLURM_CONF the command saw, nullopt when unset. Timeout for a call past
// its deadline; Interrupted for one cut short by the cancel token; Config
// when Slurm found no configuration or refused a request it explains (a bad
// partition, account, QOS, time limit or memory word, a request no node can
// hold: asking again cannot help); Transient when sbatch lost the
// controller's answer (the job may exist); Backend otherwise (the
// controller unreachable, ...).
[[nodiscard]] Error slurm_call_error(const std::vector<std::string>& argv, const ProcessOutput& output,
                                     const std::optional<std::string>& slurm_conf);

class SlurmCli {
 public:
  explicit SlurmCli(SlurmOptions options);

  // Writes the job's script (atomically) and submits it; returns the job id.
  // The job's environment variables go into sbatch's own environment with
  // --export=ALL (in --export=ALL,K=V a comma inside a value would split
  // it). Its output and Slurm's own messages about it (an over-memory kill)
  // go to `log_path`. Usage error for a name that cannot name a file; the
  // errors of slurm_submit_argv and slurm_call_error.
  [[nodiscard]] Result<std::string> submit(const JobSpec& spec, const std::filesystem::path& log_path);
  // Every job of this user, oldest first (parse_squeue).
  [[nodiscard]] Result<std::vector<SlurmJob>> list();
  // What Slurm knows of a job: sacct where accounting is enabled and has
  // recorded the job's end, else scontrol while the controller keeps the
  // job, else what sacct had (`source` says which). nullopt when neither
  // knows the job (purged after MinJobAge on a site without accounting).
  // Usage error for a malformed id.
  [[nodiscard]] Result<std::optional<SlurmJobDetails>> job_details(const std::string& id);
  // scancel: a finished or unknown job is no error (Slurm says nothing).
  [[nodiscard]] Result<void> cancel(const std::string& id);
  // `scontrol show config`: answers only when the controller does.
  [[nodiscard]] Result<SlurmConfig> config();
  // `scontrol show partition -o`.
  [[nodiscard]] Result<std::vector<SlurmPartition>> partitions();
  // `sinfo -h -N -o %N [-p PARTITION]`: the nodes jobs may run on.
  [[nodiscard]] Result<std::vector<std::string>> partition_nodes();
  // `sbatch --version` ("slurm 22.05.8"): whether sbatch runs, asking no controller.
  [[nodiscard]] Result<std::string> sbatch_version();

 private:
  [[nodiscard]] Result<ProcessOutput> call(const std::vector<std::string>& argv,
                                           const EnvironmentOverrides& job_environment = {}) const;
  // The call's stdout when it succeeded, else slurm_call_error's error.
  [[nodiscard]] Result<std::string> answer_of(const std::vector<std::string>& argv) const;
  [[nodiscard]] std::optional<std::string> slurm_conf() const;
  [[nodiscard]] Result<std::optional<SlurmJobDetails>> from_accounting(const std::string& id);

  SlurmOptions options_;
  // Set once sacct has said that accounting is disabled: scontrol only.
  std::atomic<bool> accounting_disabled_{false};
};

}  // namespace traitctl
