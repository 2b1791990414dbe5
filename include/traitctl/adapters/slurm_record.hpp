// The Slurm backend's record of a batch's jobs, the batch database's
// `slurm_jobs` and `slurm_command` tables (docs/state.md): every job of the
// batch traitctl submitted or saw listed, with the last state it saw.
// Slurm's controller forgets a job MinJobAge (300 s by default) after it
// ends; the record still knows it, so that a completed trait is never
// submitted again and a listing stays complete. Several traitctl processes
// may write it (a `run` and a `status` beside it): each write merges its
// jobs into their rows, row by row, in one transaction.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "traitctl/adapters/record_database.hpp"
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

// One job's merge: `mine` into `kept`, a job of the same id.
void merge_slurm_job(SlurmRecordedJob& kept, const SlurmRecordedJob& mine);
// `theirs` (the stored record) with `mine` merged in: jobs of either, oldest
// first. For a job in both, a state that has ended is never replaced by an
// active one (a slower process's older sighting), otherwise mine wins where
// it has one; attempt, log and command are kept where either has them;
// removed once either removed it. A job whose name differs under the same
// id (a controller whose job ids started over) is mine.
[[nodiscard]] SlurmRecord merge_slurm_records(const SlurmRecord& theirs, const SlurmRecord& mine);

// Where the project's job scripts live under `state_dir`.
[[nodiscard]] std::filesystem::path slurm_record_dir(const std::filesystem::path& state_dir,
                                                     const std::string& project);

class SlurmRecordStore {
 public:
  // No I/O. Config error for a project or prefix that cannot name a file.
  // A reader (`writable` false) never creates or changes the database.
  [[nodiscard]] static Result<SlurmRecordStore> open(const std::filesystem::path& state_dir,
                                                     const std::string& project, const std::string& prefix,
                                                     bool writable);

  // The batch database.
  [[nodiscard]] const std::filesystem::path& path() const { return db_.path(); }
  // A record of a traitctl before the database, imported by the first merge.
  [[nodiscard]] const std::filesystem::path& legacy_path() const { return legacy_path_; }
  // Whether the batch has a Slurm record: rows in the database, or a
  // legacy file not imported yet.
  [[nodiscard]] Result<bool> exists();
  // The record, in one read transaction; from the legacy file while the
  // database has none. Parse error naming the file and what to do for one
  // that cannot be read.
  [[nodiscard]] Result<SlurmRecord> read();
  // One transaction: each job of `mine` merged into its row
  // (merge_slurm_job), the command replaced when mine has one, and, the
  // first time, the legacy file's record merged in beneath (the file is then
  // renamed *.imported and the journal says so). Returns the rows of mine's
  // jobs as they are now.
  [[nodiscard]] Result<SlurmRecord> merge_in(const SlurmRecord& mine);

 private:
  SlurmRecordStore(const std::filesystem::path& state_dir, std::string project, std::string prefix,
                   bool writable);
  [[nodiscard]] Result<bool> has_rows(sqlite::Database& db);
  void finish_import(std::size_t jobs);

  std::filesystem::path state_dir_;
  std::string project_;
  std::string prefix_;
  std::filesystem::path legacy_path_;
  RecordDatabase db_;
};

}  // namespace traitctl
