// The local backend's record of its jobs, `<state_dir>/local/<project>/jobs.json`:
// pid, attempt, start and end, exit code. Rewritten atomically after every
// change, so that other traitctl processes can read the batch while it runs.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

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

  // "Running", "Completed" (exited 0), "Failed", or "Interrupted".
  [[nodiscard]] std::string status() const;
  [[nodiscard]] JobState state() const;
};

struct LocalRecord {
  pid_t owner_pid = -1;
  std::string owner_start;
  std::vector<LocalJob> jobs;  // in submission order
};

// Where the record of the project's local batch lives under `state_dir`.
[[nodiscard]] std::filesystem::path local_record_dir(const std::filesystem::path& state_dir,
                                                     const std::string& project);
[[nodiscard]] std::filesystem::path local_record_path(const std::filesystem::path& record_dir);
// Whether a traitctl has recorded a local batch of the project there.
[[nodiscard]] bool has_local_record(const std::filesystem::path& state_dir, const std::string& project);

// An empty record when the file does not exist. Parse error naming the file
// and what to do for one that cannot be read.
[[nodiscard]] Result<LocalRecord> read_local_record(const std::filesystem::path& path);
// Written atomically, with this process as the owner.
[[nodiscard]] Result<void> write_local_record(const std::filesystem::path& path, const std::string& project,
                                              const std::vector<LocalJob>& jobs);

// The batch's jobs as recorded, for commands that only read (`status`,
// `cleanup --dry-run`). Jobs left Running by a traitctl that is no longer
// alive are reported Interrupted when their process is gone. Empty when the
// batch has no record yet.
[[nodiscard]] Result<std::vector<LocalJob>> load_recorded_state(const std::filesystem::path& state_dir,
                                                                const std::string& project);

// Field 22 of /proc/<pid>/stat: with the pid it names one process for good.
// nullopt when the process is gone or a zombie, or there is no /proc.
[[nodiscard]] std::optional<std::string> process_start_time(pid_t pid);
// Whether the process recorded as (pid, start) still runs, and not a stranger
// given the same pid since.
[[nodiscard]] bool still_running(pid_t pid, const std::string& start);

// A project or job name becomes a file name; it must not climb out of its folder.
[[nodiscard]] Result<void> check_file_name(std::string_view name, std::string_view what);

}  // namespace traitctl
