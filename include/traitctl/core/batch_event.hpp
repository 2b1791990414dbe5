// What happened to a batch, one event at a time: the plan and the loop say it,
// the CLI's reporter prints it and writes it to the journal. The kinds are
// the journal's vocabulary (docs/journal.md).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/failure.hpp"

namespace traitctl {

enum class EventKind {
  // First submissions.
  Submitting,         // a first submission is about to be sent
  Submitted,          // this run created the trait's first job (perhaps learnt from a later listing)
  Existing,           // the trait's job was already there: another run's, or someone else's
  SubmitFailed,       // a submission failed; `again` says whether it is tried again
  SubmitUnconfirmed,  // a submission got no answer: it holds a slot until a listing shows it
  // What listings show.
  Completed,  // the job succeeded
  JobFailed,  // the job failed (classified next, where the command retries)
  Stopped,    // the job was stopped or cancelled: it never completed
  Vanished,   // a job seen before is gone, and traitctl did not delete it
  // Failures.
  Classified,      // `classification` says why the job failed
  NotRetryable,    // the class is not retried: a person must fix it
  OutOfRetries,    // the class's budget is used up
  Backoff,         // retry `retry_number` waits until `eligible_at`
  Deferred,        // --no-wait: left for a later run, eligible at `eligible_at`
  WouldRetry,      // a dry run's decision
  EvidenceFailed,  // the backend could not say why the job failed; asked again next cycle
  // Replacing a job.
  ChangedBeforeDelete,  // the failed job changed before its delete: left alone
  Deleting,             // the old job is being deleted
  DeleteFailed,         // the delete failed; `again` says whether it is tried again
  Gone,                 // a complete listing shows the old job gone: the name is free
  NameHeld,             // a resubmission found the name still taken: waiting for it to be free
  Resubmitting,         // a resubmission is about to be sent
  Resubmitted,          // the resubmission created the trait's new job
  ResubmitFailed,       // a resubmission failed; `again` says whether it is tried again
  // The batch.
  ListingFailed,      // a listing failed; `again` says whether the run goes on
  OutputsNotVisible,  // the outputs folder is not visible here: exit codes decide (`message`: why)
  SubmissionStopped,  // the failure budget is spent: no new trait starts (`message`: why)
  CapChanged,         // the effective cap or its maximum moved (`message`: why; `status`: the journal event)
  CapFileUnreadable,  // the `traitctl cap` file cannot be read (`message`); the cap stays
  OversizedJob,       // a job larger than the whole resource budget starts alone
  MemoryTierLearned,  // traits not yet submitted start at a higher memory tier (`memory`; `message`: the
                      // evidence)
  NodeAvoided,        // new jobs avoid the suspect `nodes` (`message`: why)
};

// The journal's name of the event: "submitted", "resubmitted", ...
[[nodiscard]] std::string_view to_string(EventKind kind);

// Whether the journal records events of this kind. Not: a step whose outcome
// it records next (submitting, resubmitting, gone) and a dry run's plan
// (would-retry). CapChanged is recorded under its cap event's name
// (journal_event: cap-lowered, cap-raised, cap-set).
[[nodiscard]] bool is_journaled(EventKind kind);

struct BatchEvent {
  EventKind kind = EventKind::Submitted;
  int trait = 0;  // 0 for events of the whole batch
  std::string job;
  int attempt = 0;
  std::string status;   // the job's status word where it matters
  std::string message;  // an error, or why
  bool again = false;   // the failed step is tried again next cycle
  bool manual = false;  // a resubmission someone asked for (resubmit)
  int retry_number = 0;
  int retry_budget = 0;
  std::string memory;  // what the job asks for, for submissions
  std::string cpu;
  std::optional<Classification> classification;
  std::optional<TimePoint> eligible_at;
  std::optional<Duration> duration;   // an attempt's end: from its submission
  std::optional<AttemptFacts> facts;  // an attempt's end: what the cluster told of it
  std::optional<int> memory_tier;     // MemoryTierLearned: the tier (0 is MEMORY)
  std::vector<std::string> nodes;     // NodeAvoided
  int calls = 0;                      // backend calls a submission took
  std::optional<CapDecision> cap;     // CapChanged
  // Classified: the job had ended before this run's first listing. It counts
  // against neither the failure budget nor the cluster's health, which are
  // this run's (or, for the cap, already counted by the run that saw it).
  bool ended_before_run = false;
};

}  // namespace traitctl
