#include "traitctl/core/batch.hpp"

#include <algorithm>
#include <set>

#include "traitctl/core/job_name.hpp"

namespace traitctl {

BatchView view_batch(std::string_view prefix, const std::vector<Workload>& listing) {
  BatchView view;
  std::set<std::string> unknown_words;
  for (const auto& workload : listing) {
    const auto trait = batch_trait(prefix, workload.name);
    if (!trait) {
      continue;
    }
    const StatusClass status_class = classify_status(workload.status);
    if (status_class == StatusClass::Active) {
      ++view.active;
    }
    if (!is_known_status(workload.status)) {
      unknown_words.insert(workload.status);
    }
    // "x-007" holds a slot like any member, but is not the job of trait 7.
    if (workload.name == job_name(prefix, *trait)) {
      view.jobs[*trait] = BatchJob{*trait, workload.name, workload.status, status_class};
    }
  }
  view.unknown_status_words.assign(unknown_words.begin(), unknown_words.end());
  return view;
}

int free_slots(int max_concurrent, int active) { return std::max(0, max_concurrent - active); }

int UnlistedSubmissions::reconcile(const std::vector<Workload>& listing, TimePoint now) {
  for (const auto& workload : listing) {
    submitted_at_.erase(workload.name);
  }
  std::erase_if(submitted_at_, [&](const auto& entry) { return now - entry.second > grace_; });
  return count();
}

}  // namespace traitctl
