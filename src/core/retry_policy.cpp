#include "traitctl/core/retry_policy.hpp"

#include <algorithm>

namespace traitctl {

bool is_retryable(FailureClass failure) {
  return failure == FailureClass::Mount || failure == FailureClass::Infrastructure;
}

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

}  // namespace traitctl
