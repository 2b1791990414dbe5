#include "traitctl/core/cleanup.hpp"

#include <algorithm>

namespace traitctl {
namespace {

bool chosen(StatusClass status_class, const CleanupClasses& classes) {
  switch (status_class) {
    case StatusClass::Failed: return classes.failed;
    case StatusClass::Succeeded: return classes.completed;
    case StatusClass::Stopped: return classes.stopped;
    case StatusClass::Active: return classes.active;
  }
  return false;
}

}  // namespace

std::vector<BatchJob> select_for_cleanup(const BatchView& view, const std::vector<int>& traits,
                                         const CleanupClasses& classes) {
  std::vector<int> wanted = traits;
  std::sort(wanted.begin(), wanted.end());
  std::vector<BatchJob> selected;
  for (const auto& [trait, job] : view.jobs) {
    if (std::binary_search(wanted.begin(), wanted.end(), trait) && chosen(job.status_class, classes)) {
      selected.push_back(job);
    }
  }
  return selected;
}

CleanupReport delete_jobs(Backend& backend, const CancelToken& cancel, const std::vector<BatchJob>& jobs,
                          const DeletionObserver& observer) {
  CleanupReport report;
  for (const auto& job : jobs) {
    if (cancel.stop_requested()) {
      report.not_attempted.push_back(job.name);
      continue;
    }
    const auto outcome = backend.remove(job.name);
    if (!outcome) {
      report.failed[job.name] = outcome.error().message;
    } else if (*outcome == DeleteOutcome::NotFound) {
      report.already_gone.push_back(job.name);
    } else {
      report.deleted.push_back(job.name);
    }
    if (observer) {
      observer(job, outcome);
    }
  }
  return report;
}

}  // namespace traitctl
