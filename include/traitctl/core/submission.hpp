// Submitting jobs: one job with bounded retries, and a round of jobs a few at
// a time in parallel. Shared by submit, retry, resubmit and run.
#pragma once

#include <algorithm>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl {

// A waiting loop outlives a cluster that fails for a while: a listing,
// delete or submit that failed after its own retries is tried again next
// cycle, up to this many failed cycles in a row (listings) or in the run
// (per trait).
constexpr int max_failed_cycles = 3;

struct SubmitRetryPolicy {
  int attempts = 3;       // calls per job before giving up
  Duration delay{2'000};  // before the 2nd call; doubled before each later one
};

enum class SubmitStatus {
  Submitted,      // created by this call (or by an earlier, unanswered try)
  AlreadyExists,  // the first call found the name taken: someone else's job
  Failed,
};

// Where a batch stands while a loop waits for its next listing: told to the
// observer once per wait, then once per second of it with `next_poll`
// counting down.
struct WaitProgress {
  int active = 0;  // jobs of the batch holding a slot
  int max_concurrent = 0;
  int submitted = 0;   // jobs this run has submitted, resubmissions included
  int remaining = 0;   // submit: traits not yet submitted; retry and run: traits not yet settled
  int in_backoff = 0;  // failed traits waiting out a retry delay
  Duration next_poll{0};
};

struct SubmitResult {
  SubmitStatus status = SubmitStatus::Failed;
  std::string error;  // the last error, for Failed
  int calls = 0;
};

// Retries failed calls. An "already exists" answer to a retry counts as
// Submitted: the earlier call may have reached the server before failing.
// Stops retrying once `cancel` is set.
[[nodiscard]] SubmitResult submit_with_retries(Backend& backend, const JobSpec& spec, Clock& clock,
                                               const CancelToken& cancel, const SubmitRetryPolicy& policy);

// Makes `call` (returning a Result) up to policy.attempts times, pausing
// between failures the way failed submits are retried: one network hiccup
// must not end a batch that has run for hours. A missing runai executable
// (NotFound) is not retried, nor is anything once `cancel` is set.
template <typename Call>
[[nodiscard]] auto call_with_retries(Clock& clock, const CancelToken& cancel, const SubmitRetryPolicy& policy,
                                     Call call) -> decltype(call()) {
  Duration delay = policy.delay;
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    if (result || result.error().kind == ErrorKind::NotFound || attempt >= std::max(1, policy.attempts) ||
        cancel.stop_requested()) {
      return result;
    }
    clock.sleep_for(delay, cancel);
    delay *= 2;
  }
}

// Lists the workloads with call_with_retries.
[[nodiscard]] Result<std::vector<Workload>> list_with_retries(Backend& backend, Clock& clock,
                                                              const CancelToken& cancel,
                                                              const SubmitRetryPolicy& policy);

// Submits every spec, at most `parallelism` calls at once; results in order.
[[nodiscard]] std::vector<SubmitResult> submit_all(Backend& backend, const std::vector<JobSpec>& specs,
                                                   int parallelism, Clock& clock, const CancelToken& cancel,
                                                   const SubmitRetryPolicy& policy);

}  // namespace traitctl
