// The Slurm backend's record of a batch's jobs,
// `<state-dir>/slurm/<project>/<prefix>.jobs.json`: every job of the batch
// traitctl submitted or saw listed, with the last state it saw. Slurm's
// controller forgets a job MinJobAge (300 s by default) after it ends; the
// record still knows it, so that a completed trait is never submitted again
// and a listing stays complete. Several traitctl processes may write it (a
// `run` and a `status` beside it): each write merges into what the file
// holds, under the record's own lock.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "traitctl/core/cancel.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct SlurmRecordedJob {
  std::string id;
  std::string name;
  int attempt = 0;       // the attempt traitctl submitted it as; 0 when only seen listed
  std::string log;       // its --output file, where traitctl chose it
  std::string state;     // the last state word seen (squeue, sacct or scontrol); "" before any
  std::string reason;    // Slurm's reason with it
  bool removed = false;  // cleaned up: listed no more once it has ended
  friend bool operator==(const SlurmRecordedJob&, const SlurmRecordedJob&) = default;
};

struct SlurmRecord {
  // The job command (the words after `--`) of the latest submission, reused
  // by a command that submits without one (`resubmit`).
  std::vector<std::string> command;
  std::vector<SlurmRecordedJob> jobs;  // oldest first (slurm_job_older)
  friend bool operator==(const SlurmRecord&, const SlurmRecord&) = default;
};

// The job of that id in the record, nullptr when there is none.
[[nodiscard]] SlurmRecordedJob* find_job(SlurmRecord& record, const std::string& id);
[[nodiscard]] const SlurmRecordedJob* find_job(const SlurmRecord& record, const std::string& id);

// `theirs` (the file) with `mine` merged in: jobs of either, oldest first.
// For a job in both, a state that has ended is never replaced by an active
// one (a slower process's older sighting), otherwise mine wins where it has
// one; attempt, log and command are kept where either has them; removed
// once either removed it. A job whose name differs under the same id (a
// controller whose job ids started over) is mine.
[[nodiscard]] SlurmRecord merge_slurm_records(const SlurmRecord& theirs, const SlurmRecord& mine);

// Where the project's records and job scripts live under `state_dir`.
[[nodiscard]] std::filesystem::path slurm_record_dir(const std::filesystem::path& state_dir,
                                                     const std::string& project);

class SlurmRecordFile {
 public:
  // Config error for a project or prefix that cannot name a file.
  [[nodiscard]] static Result<SlurmRecordFile> open(const std::filesystem::path& state_dir,
                                                    const std::string& project, const std::string& prefix);

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }
  [[nodiscard]] bool exists() const;
  // The record as the file holds it; empty when there is none. Parse error
  // naming the file and what to do for one that cannot be read.
  [[nodiscard]] Result<SlurmRecord> read() const;
  // Under the lock: merges `mine` into the file's record, writes the result
  // atomically and returns it. Locked error when another traitctl keeps the
  // lock past a few seconds.
  [[nodiscard]] Result<SlurmRecord> merge_in(const SlurmRecord& mine, const CancelToken& cancel) const;

 private:
  SlurmRecordFile(std::filesystem::path path, std::filesystem::path lock_path, std::string project,
                  std::string prefix)
      : path_(std::move(path)),
        lock_path_(std::move(lock_path)),
        project_(std::move(project)),
        prefix_(std::move(prefix)) {}

  std::filesystem::path path_;
  std::filesystem::path lock_path_;
  std::string project_;
  std::string prefix_;
};

}  // namespace traitctl
