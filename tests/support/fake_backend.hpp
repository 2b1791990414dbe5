// An in-memory Backend for unit tests of the decision loops: jobs move
// through their states when the test says so, and every call is recorded.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/status.hpp"

namespace traitctl::testing {

class FakeBackend : public Backend {
 public:
  struct Job {
    std::string status = "Pending";
    int submissions = 0;
  };

  Result<std::vector<Workload>> list_workloads() override {
    const std::lock_guard lock(mutex_);
    ++list_calls;
    if (before_list) {
      before_list(*this);
    }
    if (!list_errors.empty()) {
      auto error = list_errors.front();
      list_errors.pop_front();
      return error;
    }
    std::vector<Workload> listing = other_workloads;
    for (const auto& [name, job] : jobs) {
      listing.push_back({name, job.status});
    }
    return listing;
  }

  Result<SubmitOutcome> submit(const JobSpec& spec) override {
    const std::lock_guard lock(mutex_);
    submitted_specs.push_back(spec);
    if (!submit_errors.empty()) {
      auto error = submit_errors.front();
      submit_errors.pop_front();
      if (error.kind == ErrorKind::Backend && ghost_submits) {
        create(spec.name);
      }
      return error;
    }
    if (jobs.contains(spec.name)) {
      return SubmitOutcome::AlreadyExists;
    }
    create(spec.name);
    return SubmitOutcome::Created;
  }

  Result<DeleteOutcome> remove(const std::string& name) override {
    const std::lock_guard lock(mutex_);
    deleted.push_back(name);
    return jobs.erase(name) > 0 ? DeleteOutcome::Deleted : DeleteOutcome::NotFound;
  }

  Result<FailureEvidence> failure_evidence(const std::string& name) override {
    const std::lock_guard lock(mutex_);
    const auto found = evidence.find(name);
    return found == evidence.end() ? FailureEvidence{} : found->second;
  }

  // Jobs of the batch in a slot-holding state right now.
  [[nodiscard]] int active_with_prefix(const std::string& prefix) const {
    return static_cast<int>(std::count_if(jobs.begin(), jobs.end(), [&](const auto& entry) {
      return entry.first.starts_with(prefix + "-") &&
             classify_status(entry.second.status) == StatusClass::Active;
    }));
  }

  // Moves every Pending/Running job one step on: Pending -> Running -> Completed.
  void advance_all() {
    for (auto& [name, job] : jobs) {
      if (job.status == "Pending") {
        job.status = "Running";
      } else if (job.status == "Running") {
        job.status = "Completed";
      }
    }
  }

  std::map<std::string, Job> jobs;
  std::vector<Workload> other_workloads;
  std::deque<Error> list_errors;
  std::deque<Error> submit_errors;
  bool ghost_submits = false;  // a failed submit still creates the job
  std::map<std::string, FailureEvidence> evidence;
  std::function<void(FakeBackend&)> before_list;
  std::vector<JobSpec> submitted_specs;
  std::vector<std::string> deleted;
  std::map<std::string, int> creations;
  int list_calls = 0;
  std::string tracked_prefix = "x";  // max_active_seen counts this batch
  int max_active_seen = 0;

 private:
  void create(const std::string& name) {
    auto& job = jobs[name];
    job.status = "Pending";
    job.submissions = ++creations[name];  // survives deletes, like a cluster's history
    max_active_seen = std::max(max_active_seen, active_with_prefix(tracked_prefix));
  }
  std::mutex mutex_;
};

}  // namespace traitctl::testing
