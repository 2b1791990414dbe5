// The Backend for people without a cluster: each trait's job is a local
// process (its own process group, output in a log file) instead of a Run:ai
// workload. The record of the batch's jobs (adapters/local_record.hpp) is
// authoritative, so listings are complete; the loop is woken the moment a
// job ends.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "traitctl/adapters/local_record.hpp"
#include "traitctl/adapters/process.hpp"
#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl {

struct LocalOptions {
  std::filesystem::path state_dir;
  std::string project;
  std::string prefix;  // the batch: its record is in the batch's database
  // Run instead of the JobSpec's command (the words after `--`); empty: the
  // JobSpec's. A container command such as /scripts/entrypoint.sh rarely
  // exists on the host, hence the override.
  std::vector<std::string> command;
  // How long the spawns of a round sent wait for a job's end to be written
  // with it in one transaction (a batch of short jobs commits once a cycle).
  Duration round_write_delay{200};
  Duration job_timeout{0};  // 0: no limit
  // How long remove() and a timeout give a job between SIGTERM and SIGKILL.
  Duration kill_grace{2'000};
};

class LocalBackend final : public Backend {
 public:
  // Owns the batch: runs jobs and keeps the record. Holds a lock on the
  // batch for its lifetime (Locked error while another traitctl owns it).
  // Jobs a dead traitctl left running are stopped and forgotten, so that
  // this run starts them afresh (their logs are kept as interrupted).
  [[nodiscard]] static Result<std::unique_ptr<LocalBackend>> open(LocalOptions options, Clock& clock);
  // Reads the record afresh on every call and never changes it: submit and
  // remove fail. For commands that look at a batch another traitctl may own.
  [[nodiscard]] static Result<std::unique_ptr<LocalBackend>> open_read_only(LocalOptions options,
                                                                            Clock& clock);

  LocalBackend(const LocalBackend&) = delete;
  LocalBackend& operator=(const LocalBackend&) = delete;
  LocalBackend(LocalBackend&&) = delete;
  LocalBackend& operator=(LocalBackend&&) = delete;
  // stop_all(kill_grace): no job outlives the backend.
  ~LocalBackend() override;

  // Polls every child; ends those past job_timeout.
  Result<std::vector<Workload>> list_workloads() override;
  Result<SubmitReceipt> submit(const JobSpec& spec) override;
  // Terminates a running job and forgets it; its log is kept as
  // `<job>.attempt-<n>.log` so that a resubmission starts a fresh one.
  Result<DeleteOutcome> remove(const Workload& job) override;
  // The recorded exit code and signal, the log, and whether the job timed
  // out. Empty for an unknown job, as the runai backend's is.
  Result<FailureEvidence> failure_evidence(const Workload& job) override;
  // The current log `<job>.log`, or an earlier attempt's kept one
  // (`<job>.attempt-<n>.log`, or `.interrupted.log` for one Ctrl-C stopped).
  Result<JobLog> job_log(const Workload& job, int attempt) override;
  // The child's start and end, the host, and its rusage (peak resident set, CPU time).
  Result<AttemptFacts> attempt_facts(const Workload& job) override;
  // Returns the moment a job ends, or a job reaches its timeout.
  bool wait_for_change(Clock& clock, Duration timeout, const CancelToken& cancel) override;

  // Terminates every running job (SIGTERM to its group, `grace`, SIGKILL) at
  // once and forgets it, so that the next run starts it afresh; its log is
  // kept as `<job>.attempt-<n>.interrupted.log`. Finished jobs stay recorded.
  Result<void> stop_all(Duration grace);

  // A snapshot of the record, for status tables that want exit codes and times.
  [[nodiscard]] Result<std::vector<LocalJob>> jobs();

  [[nodiscard]] const std::filesystem::path& log_dir() const { return log_dir_; }

 private:
  LocalBackend(LocalOptions options, Clock& clock, bool read_only);
  Result<void> lock_and_load();
  Result<void> reload_if_read_only();
  void refresh_children();
  // Writes what changed since the last write (ended jobs, forgotten ones,
  // a job not yet recorded) in one transaction.
  Result<void> persist();
  // Brings jobs_ up to date: reread (read-only) or poll the children and save.
  Result<void> sync();
  [[nodiscard]] LocalJob* find(const std::string& name);
  void reindex();
  // Stops the children a dead owner spawned but never recorded.
  Result<void> stop_unrecorded_spawns();
  // Forgets a job of the record, keeping its log under `tag`.
  void forget(const std::string& name, std::string_view tag);

  LocalOptions options_;
  Clock& clock_;
  bool read_only_;
  std::filesystem::path log_dir_;
  std::mutex mutex_;
  int lock_fd_ = -1;
  std::optional<LocalRecordStore> store_;
  std::optional<SpawnLog> spawns_;  // the owner's: children spawned since the record's last write
  std::vector<LocalJob> jobs_;                    // in submission order
  std::unordered_map<std::string, std::size_t> index_;  // name -> position in jobs_
  std::map<std::string, ChildProcess> children_;  // running jobs of this process
  // What the database lags behind jobs_: rows to rewrite, rows to delete.
  std::set<std::string> changed_;
  std::vector<std::int64_t> forgotten_;
  std::vector<std::string> unrecorded_;  // jobs without a row yet
  bool dirty_ = false;
};

}  // namespace traitctl
