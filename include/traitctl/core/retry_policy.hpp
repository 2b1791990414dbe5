// Whether and when to try a failed job again (core/failure.hpp says why it
// failed). Pure: the time comes from the caller.
#pragma once

#include <chrono>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/failure.hpp"

namespace traitctl {

// Mount and infrastructure failures are transient: retried automatically.
// Every other class needs a person, or (OOM) a larger memory request.
[[nodiscard]] bool is_retryable(FailureClass failure);

struct RetryPolicy {
  int max_retries = 3;  // automatic retries per trait and batch
  Duration retry_delay{std::chrono::seconds{30}};
  Duration max_delay{std::chrono::seconds{300}};
};

// The wait before automatic retry `retry_number` (1-based): none before the
// first, then retry_delay doubling each time, capped at max_delay. Never
// overflows, whatever the retry number.
[[nodiscard]] Duration backoff_before_retry(int retry_number, const RetryPolicy& policy);

}  // namespace traitctl
