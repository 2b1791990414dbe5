// One listing seen through a batch's eyes: which traits have a job, in what
// state, and how many slots the batch holds. Pure functions of the listing.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/status.hpp"

namespace traitctl {

struct BatchJob {
  int trait = 0;
  std::string name;
  std::string status;
  StatusClass status_class = StatusClass::Active;
};

struct BatchView {
  std::map<int, BatchJob> jobs;                   // by trait; only the exact `<prefix>-<trait>` names
  int active = 0;                                 // members of the batch that hold a slot
  std::vector<std::string> unknown_status_words;  // words classify_status has never seen
};

[[nodiscard]] BatchView view_batch(std::string_view prefix, const std::vector<Workload>& listing);

// How many more jobs may start without the batch exceeding the cap.
[[nodiscard]] int free_slots(int max_concurrent, int active);

// Submitted jobs that a listing does not show yet: creation is asynchronous,
// and a job that holds a slot must never go uncounted. A job leaves this set
// when a listing shows it, or after `grace` (the CLI lost it: stop counting).
class UnlistedSubmissions {
 public:
  explicit UnlistedSubmissions(Duration grace) : grace_(grace) {}
  void add(const std::string& name, TimePoint submitted_at) { submitted_at_[name] = submitted_at; }
  // Forgets the jobs `listing` shows and those older than the grace; returns
  // how many are still unlisted.
  int reconcile(const std::vector<Workload>& listing, TimePoint now);
  [[nodiscard]] int count() const { return static_cast<int>(submitted_at_.size()); }

 private:
  Duration grace_;
  std::map<std::string, TimePoint> submitted_at_;
};

}  // namespace traitctl
