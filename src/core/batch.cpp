#include "traitctl/core/batch.hpp"

#include <algorithm>

#include "traitctl/core/job_name.hpp"

namespace traitctl {

BatchView view_batch(std::string_view prefix, const std::vector<Workload>& listing) {
  BatchView view;
  for (const auto& workload : listing) {
    const auto trait = batch_trait(prefix, workload.name);
    if (!trait) {
      continue;
    }
    if (holds_slot(workload.state)) {
      ++view.active;
    }
    // Later entries of a name are newer (Backend::list_workloads).
    if (workload.name == job_name(prefix, *trait)) {
      view.jobs[*trait] = workload;
    }
  }
  return view;
}

int free_slots(int max_concurrent, int active) { return std::max(0, max_concurrent - active); }

}  // namespace traitctl
