// The Backend for a Slurm cluster: each trait's job is one batch job
// (SlurmCli), its log the job's --output file. Slurm's job names are not
// unique: an ended job stays listed beside its replacement until the
// controller forgets it (MinJobAge), a trait's current job is its newest
// id, and an ended job needs no delete. The batch's record
// (adapters/slurm_record.hpp) keeps what the controller forgets, so that
// listings stay complete.
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traitctl/adapters/slurm_cli.hpp"
#include "traitctl/adapters/slurm_record.hpp"
#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl {

struct SlurmBackendOptions {
  // How Slurm is called; an empty script_dir becomes
  // <state-dir>/slurm/<project>/scripts.
  SlurmOptions slurm;
  std::filesystem::path state_dir;
  std::string project;
  std::string prefix;
  // The job's command and arguments (the words after `--`): the container
  // command's equivalent on the cluster's hosts. Empty: the command the
  // batch's record holds from its latest submission.
  std::vector<std::string> command;
  // open() refuses a backend that has no command to submit (commands that submit).
  bool require_command = false;
  // Never writes the record (dry runs). Without, a listing saves what it
  // learnt into an existing record, and submit and remove create one.
  bool read_only = false;
  // How long remove() waits for squeue to show a cancelled job ending.
  Duration cancel_confirmation{10'000};
};

// Where a batch's job scripts and logs go under the state folder.
[[nodiscard]] std::filesystem::path slurm_script_dir(const std::filesystem::path& state_dir,
                                                     const std::string& project);
[[nodiscard]] std::filesystem::path slurm_log_dir(const std::filesystem::path& state_dir);

// The sbatch argv a first submission of `spec` runs, for dry runs; its
// error for a request Slurm cannot take.
[[nodiscard]] Result<std::vector<std::string>> slurm_submission_preview(const SlurmBackendOptions& options,
                                                                        const JobSpec& spec);

// The status word of a job the controller forgot before any traitctl saw
// how it ended, on a cluster without accounting.
inline constexpr std::string_view purged_status = "PURGED";

// What a listed job means for the batch: Slurm's state (slurm_job_state),
// except that a job pending for a reason that can never clear
// (pending_reason_never_clears) is Failed, to be reported, not waited on.
[[nodiscard]] Workload slurm_workload(const SlurmJob& job);

// The FailureEvidence of a job from what Slurm tells about it: the exit
// code and signal of ExitCode=code:signal once it has ended (a signal 0 is
// none), and as the
// reason the state word with Slurm's reason ("FAILED, NonZeroExitCode",
// "OUT_OF_MEMORY, OutOfMemory", "TIMEOUT, TimeLimit"); a reason that never
// clears (PartitionConfig, BadConstraints) makes it "Unsatisfiable: ...",
// which the classifier reads as a configuration error.
[[nodiscard]] FailureEvidence slurm_failure_evidence(const SlurmJobDetails& details);

class SlurmBackend final : public Backend {
 public:
  // Reads the batch's record. Config error for a project or prefix that
  // cannot name a file; Usage error when require_command finds no command;
  // the record's read errors.
  [[nodiscard]] static Result<std::unique_ptr<SlurmBackend>> open(SlurmBackendOptions options, Clock& clock,
                                                                  const CancelToken& cancel);

  // Slurm's names repeat, and a lost sbatch answer must not be sent again
  // blind (it may have created the job): the engine waits for a listing.
  [[nodiscard]] BackendTraits traits() const override { return {false, false}; }
  // This user's jobs of the batch from squeue (every state), and each job
  // of the record squeue no longer shows, newest of its name: its recorded
  // end, else what sacct or scontrol tell, else PURGED (Failed).
  Result<std::vector<Workload>> list_workloads() override;
  // sbatch with the job's environment (host_job_environment) and the
  // command; the log is <state-dir>/logs/<job>.attempt-<n>.log. Usage error
  // without a command.
  Result<SubmitReceipt> submit(const JobSpec& spec) override;
  // An active job is scancel'ed and confirmed from squeue; an ended one
  // needs nothing. Either is then listed no more once it has ended.
  Result<DeleteOutcome> remove(const Workload& job) override;
  // slurm_failure_evidence of the job, with its log's text.
  Result<FailureEvidence> failure_evidence(const Workload& job) override;
  // The --output file of the job (attempt 0) or of that attempt of its name.
  Result<JobLog> job_log(const Workload& job, int attempt) override;
  // Start, End and NodeList from sacct or scontrol; MaxRSS and TotalCPU
  // where accounting storage is on, else unknown.
  Result<AttemptFacts> attempt_facts(const Workload& job) override;

  [[nodiscard]] const std::filesystem::path& log_dir() const { return log_dir_; }
  [[nodiscard]] const SlurmOptions& slurm_options() const { return options_.slurm; }

 private:
  SlurmBackend(SlurmBackendOptions options, SlurmRecordStore store, SlurmRecord record, Clock& clock,
               const CancelToken& cancel);
  // The record's job behind a listed one: by id, else the newest of its name.
  [[nodiscard]] const SlurmRecordedJob* recorded(const Workload& job) const;
  // What becomes of a recorded job squeue no longer shows.
  [[nodiscard]] Result<std::optional<Workload>> resolve_unlisted(SlurmRecordedJob& job);
  [[nodiscard]] std::filesystem::path log_path_for(const std::string& name, int attempt) const;
  [[nodiscard]] Result<void> confirm_cancelled(const std::string& id);
  // The nodes of `avoid` that the partition has, or none when they would be
  // all of its nodes (a job excluded from every node never runs).
  [[nodiscard]] std::vector<std::string> nodes_to_exclude(const std::vector<std::string>& avoid);
  // Merges the changed jobs into the database, unless read-only; a listing
  // only updates a record that exists (`may_create` false). A failure is only
  // warned about: the job it would record exists all the same.
  void save(bool may_create);

  SlurmBackendOptions options_;
  SlurmCli cli_;
  SlurmRecordStore store_;
  Clock& clock_;
  const CancelToken& cancel_;
  std::filesystem::path log_dir_;
  mutable std::mutex mutex_;
  SlurmRecord record_;
  // What record_ holds that the database lacks: the jobs of these ids, the command.
  std::set<std::string> changed_;
  bool command_changed_ = false;
  std::optional<std::vector<std::string>> partition_nodes_;  // sinfo's, once asked
};

}  // namespace traitctl
