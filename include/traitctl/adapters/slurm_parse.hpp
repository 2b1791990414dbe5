// Pure parsers for what Slurm's commands print, and what its state words and
// pending reasons mean. Written against Slurm 22.05's output, recorded in
// tests/fixtures/slurm/ (with and without accounting and cgroups).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/job_state.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// The squeue -o format parse_squeue reads: id, name, long state, reason.
inline constexpr std::string_view squeue_format = "%i|%j|%T|%r";

// One job of a listing.
struct SlurmJob {
  std::string id;      // "123"; "123_4" for an array task, "123+0" for a het job component
  std::string name;    // whole (squeue -o %j does not cut it)
  std::string state;   // PENDING, RUNNING, COMPLETED, FAILED, OUT_OF_MEMORY, ...
  std::string reason;  // None, Priority, PartitionConfig, "ReqNodeNotAvail, UnavailableNodes:n1", ...
  friend bool operator==(const SlurmJob&, const SlurmJob&) = default;
};

// `squeue -h -t all -o '%i|%j|%T|%r'` output, oldest job first (by job id,
// then array index or het offset), so that where a name appears twice the
// newest job is last. The name may hold '|': id, state and reason cannot.
// Blank lines are skipped; Parse error naming the first line that has fewer
// than four fields or an empty id or state.
[[nodiscard]] Result<std::vector<SlurmJob>> parse_squeue(std::string_view output);

// `sbatch --parsable` output, "123" or "123;cluster": the job id. Parse error
// naming the output otherwise.
[[nodiscard]] Result<std::string> parse_sbatch_id(std::string_view output);

// Whether `id` has the form of a Slurm job id: 123, 123_4 or 123+0.
[[nodiscard]] bool is_slurm_job_id(std::string_view id);

// Who described a job: the accounting database (sacct), which keeps jobs for
// good, or the controller (scontrol), which forgets them MinJobAge after
// they end.
enum class DetailsSource { Accounting, Controller };

// One job as scontrol or sacct describe it. Fields a source does not give
// are empty or nullopt.
struct SlurmJobDetails {
  DetailsSource source = DetailsSource::Controller;
  std::string id;
  std::string state;   // as in a listing; with accounting, a step's OUT_OF_MEMORY wins
  std::string reason;  // scontrol only: NonZeroExitCode, OutOfMemory, TimeLimit, JobLaunchFailure, ...
  std::optional<int> exit_code;                // ExitCode=code:signal, the code part
  std::optional<int> signal;                   // the signal part (9 for an over-memory kill without cgroups)
  std::optional<std::string> stdout_path;      // scontrol only; may hold spaces
  std::optional<std::uint64_t> max_rss_bytes;  // sacct only: the largest MaxRSS of the job's steps
  std::optional<std::string> run_time;         // scontrol only: 00:01:21, 1-02:03:04
  std::optional<std::string> start_time;       // scontrol only: 2026-12-01T08:16:23; nullopt when Unknown
  std::optional<std::string> end_time;
  std::optional<std::string> node_list;  // NodeList: where it ran; nullopt before it started
  std::optional<double> cpu_seconds;     // sacct only: TotalCPU, user + system of every step
};

// A Slurm time, "2026-12-01T08:16:23", in the controller's local time zone
// (taken as this host's); nullopt for Unknown, None or text of another form.
[[nodiscard]] std::optional<TimePoint> slurm_time(std::string_view text);

// sacct's TotalCPU, "[D-][HH:]MM:SS[.mmm]": seconds; nullopt for other text.
[[nodiscard]] std::optional<double> slurm_cpu_seconds(std::string_view text);

// `sinfo -h -N -o %N`: the node names, one a line, each once in first-seen order.
[[nodiscard]] std::vector<std::string> parse_sinfo_nodes(std::string_view output);

// `scontrol show job -o ID` output: the line whose JobId is `id` (a het job
// prints a line per component), else the first line (an array task asked for
// as 9_2 answers with its own JobId). Values may hold spaces: a field ends
// where ` Key=` begins. Parse error when no line has a JobState.
[[nodiscard]] Result<SlurmJobDetails> parse_scontrol_job(std::string_view output, std::string_view id);

// `sacct -j ID -n -P -o JobID,State,ExitCode,MaxRSS,Start,End,NodeList,TotalCPU`
// output (the first four fields alone are read too): the job's own
// line (not its .batch/.extern/.0 steps), with OUT_OF_MEMORY taken from a
// step when the job line lacks it. nullopt when sacct printed nothing (the
// database does not know the job, or not yet). Parse error naming a line
// that has not four or eight fields.
[[nodiscard]] Result<std::optional<SlurmJobDetails>> parse_sacct_job(std::string_view output,
                                                                     std::string_view id);

// What `scontrol show config` tells about how long Slurm remembers jobs.
struct SlurmConfig {
  std::string version;             // SLURM_VERSION, e.g. 22.05.8
  std::string accounting_storage;  // AccountingStorageType, e.g. accounting_storage/slurmdbd
  // MinJobAge: how long the controller keeps a finished job listed; nullopt
  // when not printed. 0 keeps it for good.
  std::optional<int> min_job_age_seconds;
  // Whether sacct can tell about jobs the controller has forgotten.
  [[nodiscard]] bool has_accounting() const {
    return !accounting_storage.empty() && accounting_storage != "accounting_storage/none";
  }
};

// `scontrol show config` output: `Key = Value` lines. Parse error when it
// has no SLURM_VERSION line (not scontrol's configuration at all).
[[nodiscard]] Result<SlurmConfig> parse_scontrol_config(std::string_view output);

struct SlurmPartition {
  std::string name;
  bool is_default = false;
  std::string state;  // UP, DOWN, DRAIN, INACTIVE
  friend bool operator==(const SlurmPartition&, const SlurmPartition&) = default;
};

// `scontrol show partition -o` output, a line per partition. Parse error
// naming a line without PartitionName.
[[nodiscard]] Result<std::vector<SlurmPartition>> parse_scontrol_partitions(std::string_view output);

// What a state word means for a batch, in the core's words: the one table
// of Slurm's state words. A failed job keeps its word (FAILED,
// OUT_OF_MEMORY, TIMEOUT, ...) as evidence; Unknown for a word not in the
// table, which the core counts as active.
[[nodiscard]] JobState slurm_job_state(std::string_view state);

// Whether job `a` was submitted before job `b`, by id, then array index or
// het offset: the order parse_squeue gives. Ids that are not job ids sort
// first, by their text.
[[nodiscard]] bool slurm_job_older(std::string_view a, std::string_view b);

// Whether a pending job with this reason will never start unless someone
// changes the job or the cluster: a request no node or partition limit
// allows (PartitionConfig, BadConstraints, PartitionNodeLimit,
// PartitionTimeLimit, a QOS/association per-job limit), an invalid account or
// QOS, a dependency or reservation that cannot be met. Reasons that clear by
// themselves (Resources, Priority, group limits, nodes down or reserved:
// ReqNodeNotAvail, NodeDown, PartitionDown) and holds are not.
[[nodiscard]] bool pending_reason_never_clears(std::string_view reason);

}  // namespace traitctl
