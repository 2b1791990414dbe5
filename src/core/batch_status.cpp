#include "traitctl/core/batch_status.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace traitctl {
namespace {

TraitState state_of(const Workload& job) {
  switch (job.state) {
    case JobState::Succeeded: return TraitState::Completed;
    case JobState::Failed: return TraitState::Failed;
    case JobState::Stopped: return TraitState::Stopped;
    case JobState::Pending: return TraitState::Pending;
    case JobState::Running: return TraitState::Running;
    case JobState::OtherActive:
    case JobState::Deleting:
    case JobState::Unknown: return TraitState::OtherActive;
  }
  return TraitState::OtherActive;
}

void count(BatchCounts& counts, const TraitStatus& status) {
  switch (status.state) {
    case TraitState::NotSubmitted: ++counts.not_submitted; break;
    case TraitState::Pending: ++counts.pending; break;
    case TraitState::Running: ++counts.running; break;
    case TraitState::OtherActive: ++counts.other_active; break;
    case TraitState::Completed: ++counts.completed; break;
    case TraitState::Stopped: ++counts.stopped; break;
    case TraitState::Failed:
      ++counts.failed;
      ++counts.failed_by_class[status.failure ? std::string(to_string(*status.failure)) : "unclassified"];
      if (status.permanently_failed) {
        ++counts.permanently_failed;
      }
      break;
  }
}

}  // namespace

std::string_view to_string(TraitState state) {
  switch (state) {
    case TraitState::NotSubmitted: return "not-submitted";
    case TraitState::Pending: return "pending";
    case TraitState::Running: return "running";
    case TraitState::OtherActive: return "other-active";
    case TraitState::Completed: return "completed";
    case TraitState::Failed: return "failed";
    case TraitState::Stopped: return "stopped";
  }
  return "other-active";
}

BatchStatus summarize_batch(const BatchView& view, const std::vector<int>& traits, const Ledger& ledger,
                            const RetryPolicy& policy, const std::map<int, FailureClass>& classified_now) {
  BatchStatus batch;
  batch.traits.reserve(traits.size());
  for (int trait : traits) {
    TraitStatus status;
    status.trait = trait;
    const auto record = ledger.traits.find(trait);
    const TraitRecord* known = record == ledger.traits.end() ? nullptr : &record->second;
    if (known != nullptr) {
      status.attempts = current_attempt(*known);
      batch.counts.retries_used += known->automatic_retries + known->oom_retries + known->incomplete_retries;
      batch.counts.manual_resubmissions += known->manual_resubmissions;
      if (known->out_of_retries) {
        ++batch.counts.out_of_retries;
      }
      if (resubmission_intent(*known) != nullptr) {
        ++batch.counts.resubmissions_pending;
      }
    }
    if (const auto job = view.jobs.find(trait); job != view.jobs.end()) {
      status.job = job->second.name;
      status.status = job->second.status;
      status.reason = job->second.reason;
      status.state = state_of(job->second);
    }
    // last_failure outlives a resubmission; failure_first_seen marks it as
    // the current job's.
    const bool current_failure = known != nullptr && known->failure_first_seen && known->last_failure;
    if (status.state == TraitState::Completed && current_failure &&
        *known->last_failure == FailureClass::Incomplete) {
      status.state = TraitState::Failed;
    }
    if (status.state == TraitState::Failed) {
      if (current_failure) {
        status.failure = known->last_failure;
        status.failure_from_ledger = true;
      } else if (const auto found = classified_now.find(trait); found != classified_now.end()) {
        status.failure = found->second;
      }
      const bool pending = known != nullptr && resubmission_intent(*known) != nullptr;
      const bool out_of_retries = known != nullptr && known->out_of_retries;
      status.permanently_failed =
          !pending && (out_of_retries || (status.failure && !is_retryable(*status.failure, policy)));
    }
    count(batch.counts, status);
    batch.traits.push_back(std::move(status));
  }
  return batch;
}

std::string job_class(const TraitStatus& status) {
  if (status.failure) {
    return std::string(to_string(*status.failure));
  }
  switch (status.state) {
    case TraitState::Completed: return "succeeded";
    case TraitState::Failed: return "failed";
    case TraitState::Stopped: return "stopped";
    default: return "active";
  }
}

std::string progress_bar(int done, int total, int width) {
  const int filled = total > 0 ? std::clamp(done * width / total, 0, width) : 0;
  const int percent = total > 0 ? done * 100 / total : 100;
  return fmt::format("[{}{}] {}/{} ({}%)", std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(width - filled), '.'), done, total, percent);
}

}  // namespace traitctl
