#include "traitctl/core/batch.hpp"

#include <algorithm>

#include "traitctl/core/job_name.hpp"

namespace traitctl {

namespace {

// Whether a member's name (batch_trait found its number) is exactly
// job_name(prefix, trait), without building that name for every job of every
// listing: only leading zeros ("x-007") give a number another name.
bool is_canonical_name(std::string_view prefix, std::string_view name) {
  const std::string_view digits = name.substr(prefix.size() + 1);
  return digits.size() == 1 || digits.front() != '0';
}

}  // namespace

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
    if (is_canonical_name(prefix, workload.name)) {
      view.jobs.insert_or_assign(*trait, workload);
    }
  }
  return view;
}

int free_slots(int max_concurrent, int active) { return std::max(0, max_concurrent - active); }

}  // namespace traitctl
