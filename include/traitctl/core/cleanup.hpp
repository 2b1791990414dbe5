// `traitctl cleanup`: which of a batch's jobs to delete, and deleting them one
// by one until done or asked to stop. Jobs outside the batch are never chosen.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/cancel.hpp"

namespace traitctl {

// The state classes to delete; an active job only with `active` set.
struct CleanupClasses {
  bool failed = false;
  bool completed = false;
  bool stopped = false;
  bool active = false;
};

struct CleanupTarget {
  int trait = 0;
  Workload job;
};

// The members of the batch, among `traits`, whose state was chosen, in trait
// order. Only exact `<prefix>-<trait>` names are in `view.jobs`.
[[nodiscard]] std::vector<CleanupTarget> select_for_cleanup(const BatchView& view,
                                                            const std::vector<int>& traits,
                                                            const CleanupClasses& classes);

struct CleanupReport {
  std::vector<std::string> deleted;
  std::vector<std::string> already_gone;      // the backend no longer had them
  std::map<std::string, std::string> failed;  // name -> the backend's error
  std::vector<std::string> not_attempted;     // left after a stop request
  [[nodiscard]] bool interrupted() const { return !not_attempted.empty(); }
};

// Called after each deletion with the job and what the backend answered.
using DeletionObserver = std::function<void(const CleanupTarget&, const Result<DeleteOutcome>&)>;

// Deletes `jobs` in order; checks `cancel` before each one.
[[nodiscard]] CleanupReport delete_jobs(Backend& backend, const CancelToken& cancel,
                                        const std::vector<CleanupTarget>& jobs,
                                        const DeletionObserver& observer);

}  // namespace traitctl
