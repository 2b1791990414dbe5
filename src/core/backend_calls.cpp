#include "traitctl/core/backend_calls.hpp"

#include <atomic>
#include <thread>

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
    if (kind == ErrorKind::NotFound || kind == ErrorKind::Config || kind == ErrorKind::Usage ||
        (unanswered && !repeatable)) {
      return answer;  // retrying cannot help, or could make a second job
    }
    answer.earlier_call_unanswered = answer.earlier_call_unanswered || unanswered;
  }
  if (answer.calls == 0) {
    answer.kind = SubmitAnswer::Kind::NotSent;
  }
  return answer;
}

std::vector<SubmitAnswer> submit_all(Backend& backend, const std::vector<JobSpec>& specs, int parallelism,
                                     Clock& clock, const CancelToken& cancel, const CallRetryPolicy& policy) {
  std::vector<SubmitAnswer> answers(specs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t index = next++; index < specs.size(); index = next++) {
      answers[index] = submit_one(backend, specs[index], clock, cancel, policy);
    }
  };
  const auto workers = std::min(static_cast<std::size_t>(std::max(1, parallelism)), specs.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < workers; ++i) {
      threads.emplace_back(worker);
    }
    worker();
  }  // joins every worker before the answers are read
  return answers;
}

}  // namespace traitctl
