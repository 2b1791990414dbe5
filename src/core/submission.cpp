#include "traitctl/core/submission.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace traitctl {

SubmitResult submit_with_retries(Backend& backend, const JobSpec& spec, Clock& clock,
                                 const CancelToken& cancel, const SubmitRetryPolicy& policy) {
  SubmitResult result;
  Duration delay = policy.delay;
  for (int attempt = 1; attempt <= std::max(1, policy.attempts); ++attempt) {
    if (attempt > 1) {
      if (cancel.stop_requested()) {
        break;
      }
      clock.sleep_for(delay, cancel);
      delay *= 2;
    }
    ++result.calls;
    auto outcome = backend.submit(spec);
    if (outcome) {
      const bool taken_before_us = *outcome == SubmitOutcome::AlreadyExists && attempt == 1;
      result.status = taken_before_us ? SubmitStatus::AlreadyExists : SubmitStatus::Submitted;
      result.error.clear();
      return result;
    }
    result.error = outcome.error().message;
    if (outcome.error().kind == ErrorKind::NotFound || outcome.error().kind == ErrorKind::Config) {
      break;  // no runai executable, or a setting runai cannot take: retrying cannot help
    }
  }
  result.status = SubmitStatus::Failed;
  return result;
}

Result<std::vector<Workload>> list_with_retries(Backend& backend, Clock& clock, const CancelToken& cancel,
                                                const SubmitRetryPolicy& policy) {
  return call_with_retries(clock, cancel, policy, [&backend] { return backend.list_workloads(); });
}

std::vector<SubmitResult> submit_all(Backend& backend, const std::vector<JobSpec>& specs, int parallelism,
                                     Clock& clock, const CancelToken& cancel,
                                     const SubmitRetryPolicy& policy) {
  std::vector<SubmitResult> results(specs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t index = next++; index < specs.size(); index = next++) {
      if (cancel.stop_requested()) {
        results[index].error = "interrupted before submission";
        continue;
      }
      results[index] = submit_with_retries(backend, specs[index], clock, cancel, policy);
    }
  };
  const auto workers = std::min(static_cast<std::size_t>(std::max(1, parallelism)), specs.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < workers; ++i) {
      threads.emplace_back(worker);
    }
    worker();
  }  // joins every worker before the results are read
  return results;
}

}  // namespace traitctl
