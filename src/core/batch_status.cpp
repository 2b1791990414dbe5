#include "traitctl/core/batch_status.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>

namespace traitctl {
namespace {

std::string lowercase(std::string_view word) {
  std::string lowered(word);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

// Non-terminal words of a job that has not started running yet.
bool is_pending_word(std::string_view word) {
  static constexpr std::array pending_words{
      std::string_view{"pending"}, std::string_view{"creating"}, std::string_view{"initializing"},
      std::string_view{"containercreating"}, std::string_view{"podinitializing"}};
  const std::string lowered = lowercase(word);
  return lowered.starts_with("init:") ||
         std::find(pending_words.begin(), pending_words.end(), lowered) != pending_words.end();
}

TraitState state_of(const BatchJob& job) {
  switch (job.status_class) {
    case StatusClass::Succeeded: return TraitState::Completed;
    case StatusClass::Failed: return TraitState::Failed;
    case StatusClass::Stopped: return TraitState::Stopped;
    case StatusClass::Active: break;
  }
  if (is_pending_word(job.status)) {
    return TraitState::Pending;
  }
  return lowercase(job.status) == "running" ? TraitState::Running : TraitState::OtherActive;
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

BatchStatus summarize_batch(const BatchView& view, const std::vector<int>& traits, const Ledger& ledger) {
  BatchStatus batch;
  batch.traits.reserve(traits.size());
  for (int trait : traits) {
    TraitStatus status;
    status.trait = trait;
    const auto record = ledger.traits.find(trait);
    const TraitRecord* known = record == ledger.traits.end() ? nullptr : &record->second;
    if (known != nullptr) {
      status.attempts = current_attempt(*known);
      batch.counts.retries_used += known->automatic_retries;
      batch.counts.manual_resubmissions += known->manual_resubmissions;
      if (known->out_of_retries) {
        ++batch.counts.out_of_retries;
      }
    }
    if (const auto job = view.jobs.find(trait); job != view.jobs.end()) {
      status.job = job->second.name;
      status.status = job->second.status;
      status.state = state_of(job->second);
    }
    // last_failure outlives a resubmission; failure_first_seen marks it as
    // the current job's.
    if (status.state == TraitState::Failed && known != nullptr) {
      if (known->failure_first_seen && known->last_failure) {
        status.failure = known->last_failure;
      }
      status.permanently_failed =
          !known->pending && (known->out_of_retries || (status.failure && !is_retryable(*status.failure)));
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
    case TraitState::Completed: return std::string(to_string(StatusClass::Succeeded));
    case TraitState::Failed: return std::string(to_string(StatusClass::Failed));
    case TraitState::Stopped: return std::string(to_string(StatusClass::Stopped));
    default: return std::string(to_string(StatusClass::Active));
  }
}

std::string progress_bar(int done, int total, int width) {
  const int filled = total > 0 ? std::clamp(done * width / total, 0, width) : 0;
  const int percent = total > 0 ? done * 100 / total : 100;
  return fmt::format("[{}{}] {}/{} ({}%)", std::string(static_cast<std::size_t>(filled), '#'),
                     std::string(static_cast<std::size_t>(width - filled), '.'), done, total, percent);
}

}  // namespace traitctl
