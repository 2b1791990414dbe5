#include "traitctl/core/batch_report.hpp"

#include <algorithm>

namespace traitctl {
namespace {

// Its out-of-memory retries are its attempts that ran out of memory:
// oom_retries also counts a tier the batch learned before its first job.
bool needed_a_retry(const TraitRecord& record) {
  return record.automatic_retries + record.incomplete_retries > 0 ||
         std::any_of(record.attempts.begin(), record.attempts.end(),
                     [](const AttemptRecord& attempt) { return attempt.failure == FailureClass::Oom; });
}

// A trait still under way when the run ended, or completed.
void add_open_stage(BatchReport& report, int trait, const TraitProgress& progress, const TraitRecord& record,
                    bool submits_new) {
  switch (progress.stage) {
    case Stage::Completed:
      report.completed.push_back(trait);
      if (needed_a_retry(record)) {
        report.succeeded_after_retry.push_back(trait);
      }
      break;
    case Stage::Unsubmitted:
      if (progress.in_scope && submits_new) {
        report.not_started.push_back(trait);
      }
      break;
    case Stage::Backoff:
      if (progress.eligible_at) {
        report.deferred[trait] = *progress.eligible_at;  // interrupted in backoff
      }
      break;
    default: break;
  }
}

// A trait this run is done with, and why.
void add_settlement(BatchReport& report, int trait, const TraitProgress& progress) {
  if ((progress.settled == Settlement::NotRetryable || progress.settled == Settlement::OutOfRetries) &&
      progress.failure) {
    report.failed_as[trait] = progress.failure->failure;
  }
  switch (progress.settled) {
    case Settlement::NotRetryable:
      report.not_retryable[trait] =
          std::string(failure_reason(progress.failure ? progress.failure->failure : FailureClass::Unknown));
      break;
    case Settlement::OutOfRetries: report.out_of_retries.push_back(trait); break;
    case Settlement::Stopped: report.stopped.push_back(trait); break;
    case Settlement::SubmitFailed: report.submission_failures[trait] = progress.error; break;
    case Settlement::ReplaceFailed: report.resubmission_failures[trait] = progress.error; break;
    case Settlement::Deferred: report.deferred[trait] = progress.eligible_at.value_or(TimePoint{}); break;
    case Settlement::Refused: report.refused[trait] = "its job is active or completed: use --force"; break;
    case Settlement::None:
    case Settlement::LeftAlone:
    case Settlement::Vanished:
    case Settlement::WouldRetry: break;
  }
}

}  // namespace

void add_final_stages(BatchReport& report, const BatchPlan& plan, bool submits_new) {
  for (const auto& [trait, progress] : plan.traits()) {
    if (progress.stage == Stage::Settled) {
      add_settlement(report, trait, progress);
    } else {
      add_open_stage(report, trait, progress, plan.recorded(trait), submits_new);
    }
  }
  for (auto* traits : {&report.submitted, &report.existing, &report.retried, &report.resubmitted_manually,
                       &report.would_retry, &report.vanished}) {
    std::sort(traits->begin(), traits->end());
  }
}

}  // namespace traitctl
