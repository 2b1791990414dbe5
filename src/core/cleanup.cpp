#include "traitctl/core/cleanup.hpp"

#include <algorithm>

namespace traitctl {
namespace {

bool chosen(JobState state, const CleanupClasses& classes) {
  switch (state) {
    case JobState::Failed: return classes.failed;
    case JobState::Succeeded: return classes.completed;
    case JobState::Stopped: return classes.stopped;
    case JobState::Deleting: return false;  // already going
    case JobState::Pending:
    case JobState::Running:
    case JobState::OtherActive:
    case JobState::Unknown: return classes.active;
  }
  return false;
}

}  // namespace

std::vector<CleanupTarget> select_for_cleanup(const BatchView& view, const std::vector<int>& traits,
                                              const CleanupClasses& classes) {
  std::vector<int> wanted = traits;
  std::sort(wanted.begin(), wanted.end());
  std::vector<CleanupTarget> selected;
  for (const auto& [trait, job] : view.jobs) {
    if (std::binary_search(wanted.begin(), wanted.end(), trait) && chosen(job.state, classes)) {
      selected.push_back({trait, job});
    }
  }
  return selected;
}

CleanupReport delete_jobs(Backend& backend, const CancelToken& cancel, const std::vector<CleanupTarget>& jobs,
                          const DeletionObserver& observer) {
  CleanupReport report;
  for (const auto& target : jobs) {
    const Workload& job = target.job;
    if (cancel.stop_requested()) {
      report.not_attempted.push_back(job.name);
      continue;
    }
    const auto outcome = backend.remove(job);
    if (!outcome) {
      report.failed[job.name] = outcome.error().message;
    } else if (*outcome == DeleteOutcome::NotFound) {
      report.already_gone.push_back(job.name);
    } else {
      report.deleted.push_back(job.name);
    }
    if (observer) {
      observer(target, outcome);
    }
  }
  return report;
}

}  // namespace traitctl
