// Whether and when a failed trait is tried again, and how the ledger counts
// it. Pure: the failure's class comes from core/failure.hpp, the time from the
// caller.
//
// Counting rules:
// - Attempt 1 is the first submission; each resubmission, automatic or
//   manual, is the next attempt.
// - Each class draws on its own budget: mount and infrastructure failures on
//   max_retries, out-of-memory failures on the memory ladder's steps,
//   incomplete outputs on max_incomplete_retries. Other classes are not
//   retried: a person must look.
// - A resubmission is counted when its intent is recorded, BEFORE the old job
//   is deleted. A crash in between leaves the intent pending; the next run
//   completes it without counting it again, so no budget is ever exceeded.
// - Manual resubmissions (`traitctl resubmit`) are counted apart and neither
//   use up nor restore the automatic budgets: they bound the load a trait
//   causes without a person deciding, for the batch's whole life.
#pragma once

#include <chrono>
#include <string>
#include <variant>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/failure.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

struct RetryPolicy {
  int max_retries = 3;  // mount and infrastructure failures, per trait and batch
  Duration retry_delay{std::chrono::seconds{30}};
  Duration max_delay{std::chrono::seconds{300}};
  int memory_steps = 0;  // ladder tiers above MEMORY an out-of-memory trait may climb
  int max_incomplete_retries = 1;
};

// The wait before retry `retry_number` (1-based) of one budget: none before
// the first, then retry_delay doubling each time, capped at max_delay. Never
// overflows, whatever the retry number.
[[nodiscard]] Duration backoff_before_retry(int retry_number, const RetryPolicy& policy);

// Whether any budget covers the class.
[[nodiscard]] bool is_retryable(FailureClass failure, const RetryPolicy& policy);

struct RetryNow {
  int retry_number = 0;  // within the class's budget: 1 for the first
  int attempt = 0;       // the attempt number to submit
  friend bool operator==(const RetryNow&, const RetryNow&) = default;
};
struct WaitUntil {
  TimePoint eligible_at;
  int retry_number = 0;
  friend bool operator==(const WaitUntil&, const WaitUntil&) = default;
};
struct OutOfRetries {
  int retries_used = 0;
  int budget = 0;
  friend bool operator==(const OutOfRetries&, const OutOfRetries&) = default;
};
struct NotRetryable {
  FailureClass failure = FailureClass::Unknown;
  friend bool operator==(const NotRetryable&, const NotRetryable&) = default;
};
using RetryDecision = std::variant<RetryNow, WaitUntil, OutOfRetries, NotRetryable>;

// What to do with a trait whose job failed with `failure`. A pending intent
// is always RetryNow with its own numbers: it was decided and counted before
// a crash and must be completed. Otherwise: no budget for the class ->
// NotRetryable; its budget used -> OutOfRetries; else the backoff of the next
// retry, measured from failure_first_seen (or `now` when unset), gives
// RetryNow or WaitUntil. Call record_failure_seen first.
[[nodiscard]] RetryDecision decide_retry(const TraitRecord& record, FailureClass failure,
                                         const RetryPolicy& policy, TimePoint now);

// The retries used of the budget `failure` draws on, and that budget's size.
[[nodiscard]] int retries_used(const TraitRecord& record, FailureClass failure);
[[nodiscard]] int retry_budget(FailureClass failure, const RetryPolicy& policy);

// Sets first_submitted_at unless already set.
void record_batch_started(Ledger& ledger, TimePoint now);
// A failed job seen: keeps the first sighting's time, updates the class.
void record_failure_seen(TraitRecord& record, FailureClass failure, TimePoint now);
// Counts the resubmission on the budget of `failure` (automatic) or as
// manual, and marks it pending; save the ledger before deleting the old job.
// With an intent already pending, changes nothing and returns that one: an
// intent is counted once, whatever crashes in between.
PendingIntent record_intent(TraitRecord& record, IntentKind kind, FailureClass failure, TimePoint now);
// The resubmission reached the backend (created, or seen listed): clears the
// pending intent and the failure state.
void record_resubmitted(TraitRecord& record);
// decide_retry said OutOfRetries: remembered for status until a manual
// resubmission.
void record_out_of_retries(TraitRecord& record);

}  // namespace traitctl
