#include "traitctl/core/backend_calls.hpp"

#include <algorithm>

namespace traitctl {

bool may_have_taken_effect(const Error& error) {
  return error.kind == ErrorKind::Timeout || error.kind == ErrorKind::Transient ||
         error.kind == ErrorKind::Interrupted;
}

SubmitAnswer submit_one(Backend& backend, const JobSpec& spec, Clock& clock, const CancelToken& cancel,
                        const CallRetryPolicy& policy) {
  SubmitAnswer answer;
  const bool repeatable = backend.traits().resubmit_is_idempotent;
  Duration delay = policy.delay;
  for (int attempt = 1; attempt <= std::max(1, policy.attempts); ++attempt) {
    if (cancel.stop_requested()) {
      break;
    }
    if (attempt > 1) {
      clock.sleep_for(delay, cancel);
      delay *= 2;
    }
    ++answer.calls;
    auto outcome = backend.submit(spec);
    if (outcome) {
      answer.kind = outcome->outcome == SubmitOutcome::Created ? SubmitAnswer::Kind::Created
                                                               : SubmitAnswer::Kind::AlreadyExists;
      answer.id = outcome->id;
      answer.error.clear();
      return answer;
    }
    answer.error = outcome.error().message;
    const bool unanswered = may_have_taken_effect(outcome.error());
    answer.kind = unanswered ? SubmitAnswer::Kind::Unanswered : SubmitAnswer::Kind::Refused;
    const ErrorKind kind = outcome.error().kind;
    if (kind == ErrorKind::NotFound || kind == ErrorKind::Config || kind == ErrorKind::Usage) {
      return answer;  // refused before anything was created: retrying cannot help
    }
    if (unanswered && !repeatable) {
      answer.may_have_created = true;
      return answer;  // retrying could make a second job
    }
    answer.may_have_created = true;  // the CLI said it failed, or did not answer
  }
  if (answer.calls == 0) {
    answer.kind = SubmitAnswer::Kind::NotSent;
  }
  return answer;
}

}  // namespace traitctl
