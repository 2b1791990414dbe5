// What `traitctl status` reports: each trait of the batch's range placed in
// one state from a listing and the attempt ledger, and the counts over them.
// Pure: the listing, the ledger and the time are passed in.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/batch.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl {

enum class TraitState {
  NotSubmitted,  // no job named PREFIX-<trait> is listed
  Pending,
  Running,
  OtherActive,  // any other state that holds a slot (deleting, stopping, unknown, ...)
  Completed,
  Failed,
  Stopped,
};

[[nodiscard]] std::string_view to_string(TraitState state);

struct TraitStatus {
  int trait = 0;
  std::string job;     // "" when not submitted
  std::string status;  // the listed word; "" when not submitted
  std::string reason;  // the backend's reason for that state, where it gives one
  TraitState state = TraitState::NotSubmitted;
  // For a failed job: its current failure's class, as the ledger has it or,
  // where the ledger has none, as `status` classified it for the view.
  std::optional<FailureClass> failure;
  bool failure_from_ledger = false;
  // Failed and nothing automatic will retry it: out of retries, or a failure
  // class that is not retryable.
  bool permanently_failed = false;
  int attempts = 1;  // current_attempt from the ledger
};

struct BatchCounts {
  int pending = 0;
  int running = 0;
  int other_active = 0;
  int completed = 0;
  int failed = 0;
  // Failed jobs by failure class name ("mount-failure", ...); "unclassified"
  // for those the ledger has not classified yet. Sums to `failed`.
  std::map<std::string, int> failed_by_class;
  int permanently_failed = 0;
  int stopped = 0;
  int not_submitted = 0;
  int retries_used = 0;           // automatic retries over the range
  int manual_resubmissions = 0;   // over the range
  int out_of_retries = 0;         // traits the ledger marks out of retries
  int resubmissions_pending = 0;  // traits the ledger has a resubmission under way for
};

struct BatchStatus {
  std::vector<TraitStatus> traits;  // in the order of the trait range
  BatchCounts counts;
  [[nodiscard]] int total() const { return static_cast<int>(traits.size()); }
  // Completed plus permanently failed: what will not change on its own.
  [[nodiscard]] int done() const { return counts.completed + counts.permanently_failed; }
  // Every trait completed or permanently failed.
  [[nodiscard]] bool finished() const { return done() == total(); }
  // Nothing of the batch holds a slot and no resubmission is under way:
  // nothing will change until someone acts (`status --watch` stops here).
  [[nodiscard]] bool idle() const {
    return counts.pending + counts.running + counts.other_active + counts.resubmissions_pending == 0;
  }
};

// Places each of `traits` using the listing's view of the batch and the
// ledger; `policy` says which failure classes are retried. `classified_now`
// holds classes found for the view (never saved) of failed jobs the ledger
// has not classified. A job that completed without its outputs (the ledger's
// current failure is `incomplete`) counts as failed.
[[nodiscard]] BatchStatus summarize_batch(const BatchView& view, const std::vector<int>& traits,
                                          const Ledger& ledger, const RetryPolicy& policy,
                                          const std::map<int, FailureClass>& classified_now = {});

// The name `status` shows for a job's class: the failure class for a
// classified failure, else the status class ("active", "succeeded",
// "failed", "stopped").
[[nodiscard]] std::string job_class(const TraitStatus& status);

// "[#######.......]  12/40 (30%)": `width` cells between the brackets.
[[nodiscard]] std::string progress_bar(int done, int total, int width);

}  // namespace traitctl
