// Calls to a backend that outlive a flaky cluster: bounded retries with a
// growing pause. A round of submissions is a SubmitRunner's
// (core/submit_runner.hpp).
#pragma once

#include <algorithm>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/trait_stage.hpp"

namespace traitctl {

struct CallRetryPolicy {
  int attempts = 3;       // calls before giving up
  Duration delay{2'000};  // before the 2nd call; doubled before each later one
};

// Whether a failed call may have done its work all the same: no answer came
// (a timeout, a network failure, a call cut short by Ctrl-C).
[[nodiscard]] bool may_have_taken_effect(const Error& error);

// Makes `call` (returning a Result) up to policy.attempts times, pausing
// between failures: one network hiccup must not end a batch that has run for
// hours. A missing executable or a refused setting is not retried, nor is
// anything once `cancel` is set.
template <typename Call>
[[nodiscard]] auto call_with_retries(Clock& clock, const CancelToken& cancel, const CallRetryPolicy& policy,
                                     Call call) -> decltype(call()) {
  Duration delay = policy.delay;
  for (int attempt = 1;; ++attempt) {
    auto result = call();
    const bool final_error =
        !result && (result.error().kind == ErrorKind::NotFound || result.error().kind == ErrorKind::Config ||
                    result.error().kind == ErrorKind::Usage);
    if (result || final_error || attempt >= std::max(1, policy.attempts) || cancel.stop_requested()) {
      return result;
    }
    clock.sleep_for(delay, cancel);
    delay *= 2;
  }
}

// One trait's submission: where the backend refuses a second job of a name,
// a failed call is tried again (an "already exists" then may be this call's
// own job, which the answer records); elsewhere a call that may have created
// the job is never repeated blind, and the answer is Unanswered.
[[nodiscard]] SubmitAnswer submit_one(Backend& backend, const JobSpec& spec, Clock& clock,
                                      const CancelToken& cancel, const CallRetryPolicy& policy);

}  // namespace traitctl
