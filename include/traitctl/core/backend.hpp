// Where jobs run. The decision logic sees only this interface; adapters
// implement it for the runai CLI, local processes and Slurm, tests with fakes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/cancel.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/failure.hpp"
#include "traitctl/core/job_spec.hpp"
#include "traitctl/core/job_state.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct Workload {
  std::string name;
  JobState state = JobState::Unknown;
  std::string status;  // the backend's own word, for people and the journal: "Running", "OUT_OF_MEMORY"
  std::string id;      // the backend's job id where it has one (Slurm); "" otherwise
  std::string reason;  // why it is in that state, where the backend says (Slurm's pending reason)
  friend bool operator==(const Workload&, const Workload&) = default;
};

enum class SubmitOutcome { Created, AlreadyExists };
enum class DeleteOutcome { Deleted, NotFound };

// A job's log as its backend keeps it.
struct JobLog {
  std::string text;
  std::string location;  // where it is, for people: a file, or the command that prints it
};

// What the cluster knows of one ended attempt: its own start and end times,
// where it ran, and what it used. Unknown stays nullopt, never 0.
struct AttemptFacts {
  std::optional<TimePoint> started_at;
  std::optional<TimePoint> ended_at;
  std::optional<std::string> node;  // a Kubernetes node, Slurm's NodeList, the host
  std::optional<std::int64_t> peak_memory_bytes;
  std::optional<double> cpu_seconds;  // user + system
  friend bool operator==(const AttemptFacts&, const AttemptFacts&) = default;
};

struct SubmitReceipt {
  SubmitOutcome outcome = SubmitOutcome::Created;
  std::string id;  // of the created job, where the backend tells it
};

// How a backend's names and listings behave, which decides what the batch
// loop must wait for.
struct BackendTraits {
  // A name is held until its job is deleted and gone (Run:ai, local): a job
  // is replaced by deleting it, waiting until the name is free, submitting
  // again. Without (Slurm), names repeat: an ended job stays listed beside its
  // replacement, needs no delete, and the newest job of a name is the trait's.
  bool unique_names = true;
  // A failed submit call may have created the job: true where calling again
  // is safe because a second job of the name is refused ("already exists").
  bool resubmit_is_idempotent = true;
};

class Backend {
 public:
  virtual ~Backend() = default;
  [[nodiscard]] virtual BackendTraits traits() const { return {}; }
  // Every job the batch could own (the project's, the user's). Must be
  // complete: an implementation that cannot prove it returns an error. Where
  // a name appears more than once, the newest job comes last.
  virtual Result<std::vector<Workload>> list_workloads() = 0;
  // Safe to call from several threads at once.
  virtual Result<SubmitReceipt> submit(const JobSpec& spec) = 0;
  virtual Result<DeleteOutcome> remove(const Workload& job) = 0;
  virtual Result<FailureEvidence> failure_evidence(const Workload& job) = 0;
  // The log of the job's attempt `attempt` (0: the job's current one), where
  // the backend keeps it. NotFound when it keeps none, naming why.
  virtual Result<JobLog> job_log(const Workload& job, int attempt) = 0;
  // The facts of the job's attempt, asked once when it ends (completed or
  // failed). By default nothing is known.
  virtual Result<AttemptFacts> attempt_facts(const Workload& /*job*/) { return AttemptFacts{}; }
  // Blocks until something about the jobs may have changed, `timeout` has
  // passed or `cancel` is set; true when woken by a change. A backend that
  // cannot tell (a remote CLI) sleeps the whole timeout on `clock`.
  virtual bool wait_for_change(Clock& clock, Duration timeout, const CancelToken& cancel) {
    clock.sleep_for(timeout, cancel);
    return false;
  }
};

}  // namespace traitctl
