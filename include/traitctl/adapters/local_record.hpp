// The local backend's record of its jobs, in the batch database's
// `local_jobs` table (docs/state.md): pid, attempt, start and end, exit code,
// one row per job, each change its own short transaction, so that other
// traitctl processes can read the batch while it runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/adapters/record_database.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/job_state.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// How a recorded job ended.
enum class JobEnd {
  Exited,       // on its own; exit_code says how (128 + signal when killed by one)
  TimedOut,     // ran past the job timeout and was terminated
  Interrupted,  // the traitctl that started it died; its exit code is unknown
};

// "exited", "timed_out", "interrupted": the record's words.
[[nodiscard]] std::string_view job_end_word(JobEnd end);
[[nodiscard]] std::optional<JobEnd> job_end_from_word(std::string_view word);

struct LocalJob {
  std::string name;
  int trait = 0;
  int attempt = 1;
  pid_t pid = -1;
  // The kernel's start time of `pid` (Linux /proc), so that a recycled pid is
  // never mistaken for the job; empty where unavailable.
  std::string pid_start;
  TimePoint started_at;
  std::optional<TimePoint> finished_at;
  std::optional<int> exit_code;
  int term_signal = 0;        // the signal that ended it, 0 when it exited
  std::optional<JobEnd> end;  // nullopt while the job runs
  // From the reaped child's rusage; unknown for a job another traitctl reaped.
  std::optional<std::int64_t> peak_memory_bytes;
  std::optional<double> cpu_seconds;
  // Its row in `local_jobs` (submission order); 0 until it is recorded.
  std::int64_t row = 0;

  // "Running", "Completed" (exited 0), "Failed", or "Interrupted".
  [[nodiscard]] std::string status() const;
  [[nodiscard]] JobState state() const;
};

struct LocalRecord {
  pid_t owner_pid = -1;
  std::string owner_start;
  std::vector<LocalJob> jobs;  // in submission order
};

// The lock that makes one traitctl the owner of the batch's local jobs,
// <state_dir>/<project>/<prefix>.local.lock.
[[nodiscard]] std::filesystem::path local_lock_path(const std::filesystem::path& state_dir,
                                                    const std::string& project, const std::string& prefix);
// Where a traitctl before the batch database kept the project's record,
// `<state_dir>/local/<project>/jobs.json`; imported by the first write.
[[nodiscard]] std::filesystem::path legacy_local_record_path(const std::filesystem::path& state_dir,
                                                             const std::string& project);
// The record a traitctl before the batch database wrote (version 1 JSON);
// empty when the file does not exist.
[[nodiscard]] Result<LocalRecord> read_legacy_local_record(const std::filesystem::path& path);
// Whether a traitctl has run the batch on the local backend: the batch
// database has its local owner or jobs, or a jobs.json from before the
// database holds jobs of the batch.
[[nodiscard]] bool has_local_record(const std::filesystem::path& state_dir, const std::string& project,
                                    const std::string& prefix);

// The record in the batch database's `local_owner` and `local_jobs` tables
// (adapters/record_database.hpp): every write is one transaction of only
// the rows that changed. No I/O until the first read or write.
class LocalRecordStore {
 public:
  LocalRecordStore(const std::filesystem::path& state_dir, std::string project, std::string prefix,
                   bool writable);

  // The owner and every job, in one read transaction. A batch whose
  // database holds no local record yet is read from the project's jobs.json
  // of an earlier traitctl (this batch's jobs of it), if there is one.
  [[nodiscard]] Result<LocalRecord> read();
  // One transaction: this process becomes the owner (at its first write),
  // `changed` rows are rewritten, `forgotten` rows deleted, `added` jobs
  // inserted (each gets its row). Creates the database when the batch has none. The first write
  // after read() found only the jobs.json is its import: the caller adds
  // those jobs (row 0), the file is then renamed jobs.json.imported (unless
  // other batches' jobs are in it) and the journal says so.
  [[nodiscard]] Result<void> write(const std::vector<const LocalJob*>& changed,
                                   const std::vector<std::int64_t>& forgotten,
                                   const std::vector<LocalJob*>& added);

  [[nodiscard]] const std::filesystem::path& path() const { return db_.path(); }

 private:
  void finish_import(std::size_t jobs);

  std::filesystem::path state_dir_;
  std::string project_;
  std::string prefix_;
  RecordDatabase db_;
  bool from_legacy_ = false;    // read() found the jobs.json: the next write imports it
  bool legacy_shared_ = false;  // it holds other batches' jobs too: kept for them
  bool owner_written_ = false;  // this process's write made it the owner
};

// The children spawned since the record's last write:
// <state_dir>/<project>/<prefix>.local.spawns, one line per child, appended
// with one write(2) right after its spawn and emptied once a write of the
// record holds them. Not fsynced: it has to outlive a traitctl that dies,
// not the machine, whose crash takes the children with it. The next owner
// stops every child listed there that the record lacks.
struct SpawnedChild {
  pid_t pid = -1;
  std::string pid_start;
  int attempt = 1;
  std::string name;
};

class SpawnLog {
 public:
  [[nodiscard]] static std::filesystem::path path_for(const std::filesystem::path& state_dir,
                                                      const std::string& project, const std::string& prefix);
  // Opens (creates) the file for appending. Io error naming it.
  [[nodiscard]] static Result<SpawnLog> open(const std::filesystem::path& path);
  SpawnLog(SpawnLog&& other) noexcept;
  SpawnLog& operator=(SpawnLog&& other) noexcept;
  SpawnLog(const SpawnLog&) = delete;
  SpawnLog& operator=(const SpawnLog&) = delete;
  ~SpawnLog();

  // Every child listed; a line a crash cut short is skipped.
  [[nodiscard]] Result<std::vector<SpawnedChild>> read() const;
  [[nodiscard]] Result<void> append(const SpawnedChild& child);
  [[nodiscard]] Result<void> clear();

 private:
  SpawnLog(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  int fd_ = -1;
  std::filesystem::path path_;
};

// A job still Running in the record of a traitctl that is gone, whose
// process is gone too, ended unseen: Interrupted.
void settle_abandoned(std::vector<LocalJob>& jobs);

// The batch's jobs as recorded, for commands that only read (`status`,
// `cleanup --dry-run`). Jobs left Running by a traitctl that is no longer
// alive are reported Interrupted when their process is gone. Empty when the
// batch has no record yet.
[[nodiscard]] Result<std::vector<LocalJob>> load_recorded_state(const std::filesystem::path& state_dir,
                                                                const std::string& project,
                                                                const std::string& prefix);
// Field 22 of /proc/<pid>/stat: with the pid it names one process for good.
// nullopt when the process is gone or a zombie, or there is no /proc.
[[nodiscard]] std::optional<std::string> process_start_time(pid_t pid);
// Whether the process recorded as (pid, start) still runs, and not a stranger
// given the same pid since.
[[nodiscard]] bool still_running(pid_t pid, const std::string& start);

// A project or job name becomes a file name; it must not climb out of its folder.
[[nodiscard]] Result<void> check_file_name(std::string_view name, std::string_view what);

}  // namespace traitctl
