#include "traitctl/core/retry_policy.hpp"

#include <algorithm>

namespace traitctl {
namespace {

enum class Budget { Transient, Memory, Incomplete, None };

Budget budget_of(FailureClass failure) {
  switch (failure) {
    case FailureClass::Mount:
    case FailureClass::Infrastructure: return Budget::Transient;
    case FailureClass::Oom: return Budget::Memory;
    case FailureClass::Incomplete: return Budget::Incomplete;
    case FailureClass::Config:
    case FailureClass::Timeout:
    case FailureClass::Unknown: return Budget::None;
  }
  return Budget::None;
}

}  // namespace

Duration backoff_before_retry(int retry_number, const RetryPolicy& policy) {
  const Duration cap = std::max(policy.max_delay, Duration::zero());
  Duration delay = std::clamp(policy.retry_delay, Duration::zero(), cap);
  if (retry_number <= 1) {
    return Duration::zero();
  }
  // Doubling stops at the cap (or at zero), so it cannot overflow and runs
  // at most ~40 times for any realistic cap.
  for (int retry = 2; retry < retry_number && delay < cap && delay > Duration::zero(); ++retry) {
    delay = delay > cap / 2 ? cap : delay * 2;
  }
  return delay;
}

int retries_used(const TraitRecord& record, FailureClass failure) {
  switch (budget_of(failure)) {
    case Budget::Transient: return record.automatic_retries;
    case Budget::Memory: return record.oom_retries;
    case Budget::Incomplete: return record.incomplete_retries;
    case Budget::None: return 0;
  }
  return 0;
}

int retry_budget(FailureClass failure, const RetryPolicy& policy) {
  switch (budget_of(failure)) {
    case Budget::Transient: return policy.max_retries;
    case Budget::Memory: return policy.memory_steps;
    case Budget::Incomplete: return policy.max_incomplete_retries;
    case Budget::None: return 0;
  }
  return 0;
}

bool is_retryable(FailureClass failure, const RetryPolicy& policy) {
  return retry_budget(failure, policy) > 0;
}

RetryDecision decide_retry(const TraitRecord& record, FailureClass failure, const RetryPolicy& policy,
                           TimePoint now) {
  if (const PendingIntent* pending = resubmission_intent(record)) {
    return RetryNow{retries_used(record, failure), pending->attempt};
  }
  const int budget = retry_budget(failure, policy);
  if (budget == 0) {
    return NotRetryable{failure};
  }
  const int used = retries_used(record, failure);
  if (used >= budget) {
    return OutOfRetries{used, budget};
  }
  const int retry_number = used + 1;
  const TimePoint eligible_at =
      record.failure_first_seen.value_or(now) + backoff_before_retry(retry_number, policy);
  if (now < eligible_at) {
    return WaitUntil{eligible_at, retry_number};
  }
  return RetryNow{retry_number, next_attempt(record)};
}

void record_batch_started(Ledger& ledger, TimePoint now) {
  if (!ledger.first_submitted_at) {
    ledger.first_submitted_at = now;
  }
}

void record_failure_seen(TraitRecord& record, FailureClass failure, TimePoint now) {
  if (!record.failure_first_seen) {
    record.failure_first_seen = now;
  }
  record.last_failure = failure;
}

PendingIntent record_intent(TraitRecord& record, IntentKind kind, FailureClass failure, TimePoint now) {
  if (const PendingIntent* pending = resubmission_intent(record)) {
    return *pending;
  }
  const int attempt = next_attempt(record);
  if (kind == IntentKind::Manual) {
    ++record.manual_resubmissions;
  } else {
    switch (budget_of(failure)) {
      case Budget::Transient:
      case Budget::None: ++record.automatic_retries; break;
      case Budget::Memory: ++record.oom_retries; break;
      case Budget::Incomplete: ++record.incomplete_retries; break;
    }
  }
  PendingIntent intent;
  intent.kind = kind;
  intent.attempt = attempt;
  intent.recorded_at = now;
  record.pending = intent;
  return *record.pending;
}

void record_resubmitted(TraitRecord& record) {
  record.pending.reset();
  record.failure_first_seen.reset();
  record.out_of_retries = false;
}

void record_out_of_retries(TraitRecord& record) { record.out_of_retries = true; }

}  // namespace traitctl
