// An in-memory Backend for unit tests of the batch loop: jobs move through
// their states when the test (or `before_list`) says so, every call is
// recorded, and the faults of a real cluster can be switched on: listings
// that lag behind submits, answers that are lost although the call took
// effect, deletes that linger.
#pragma once

#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::testing {

class FakeBackend : public Backend {
 public:
  struct Job {
    std::string name;
    std::string id;
    JobState state = JobState::Pending;
    int attempt = 1;
    int listings_hidden = 0;    // listings that will not show it yet
    int deleting_listings = 0;  // listings it stays Deleting once deleted
  };

  [[nodiscard]] BackendTraits traits() const override { return backend_traits; }

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
    for (auto& job : jobs) {
      if (job.listings_hidden > 0) {
        --job.listings_hidden;
        continue;
      }
      listing.push_back({job.name, job.state, std::string(to_string(job.state)), job.id, ""});
      if (job.state == JobState::Deleting && job.deleting_listings-- <= 0) {
        gone.push_back(job.id);
      }
    }
    std::erase_if(
        jobs, [this](const Job& job) { return std::find(gone.begin(), gone.end(), job.id) != gone.end(); });
    return listing;
  }

  Result<SubmitReceipt> submit(const JobSpec& spec) override {
    const std::lock_guard lock(mutex_);
    submitted_specs.push_back(spec);
    if (!submit_errors.empty()) {
      auto error = submit_errors.front();
      submit_errors.pop_front();
      if (ghost_submits && error.kind != ErrorKind::Backend) {
        create(spec);  // the call took effect; only its answer was lost
      }
      return error;
    }
    if (backend_traits.unique_names && find(spec.name) != nullptr) {
      return SubmitReceipt{SubmitOutcome::AlreadyExists, ""};
    }
    const Job& created = create(spec);
    return SubmitReceipt{SubmitOutcome::Created, backend_traits.unique_names ? "" : created.id};
  }

  Result<DeleteOutcome> remove(const Workload& workload) override {
    const std::lock_guard lock(mutex_);
    deleted.push_back(workload.name);
    Job* job = nullptr;
    for (auto& candidate : jobs) {
      if (candidate.name == workload.name && (workload.id.empty() || candidate.id == workload.id)) {
        job = &candidate;
      }
    }
    const bool lose_answer = !lost_delete_answers.empty() && lost_delete_answers.front() == workload.name &&
                             job != nullptr && job->state != JobState::Deleting;
    if (job == nullptr || job->state == JobState::Deleting) {
      return DeleteOutcome::NotFound;  // as the real CLI says of a job already Deleting
    }
    if (!backend_traits.unique_names) {
      job->state = has_ended(job->state) ? job->state : JobState::Stopped;
    } else {
      job->state = JobState::Deleting;
      job->deleting_listings = deleting_listings;
    }
    if (lose_answer) {
      lost_delete_answers.pop_front();
      return make_error(ErrorKind::Timeout, "`runai workspace delete {}` did not answer in time",
                        workload.name);
    }
    return DeleteOutcome::Deleted;
  }

  Result<FailureEvidence> failure_evidence(const Workload& job) override {
    const std::lock_guard lock(mutex_);
    ++evidence_calls;
    const auto found = evidence.find(job.name);
    return found == evidence.end() ? FailureEvidence{} : found->second;
  }

  Result<JobLog> job_log(const Workload& job, int /*attempt*/) override {
    const std::lock_guard lock(mutex_);
    const auto found = evidence.find(job.name);
    if (found == evidence.end() || !found->second.log) {
      return make_error(ErrorKind::NotFound, "no log of {}", job.name);
    }
    return JobLog{*found->second.log, "fake:" + job.name};
  }

  // The newest job of the name, or nullptr.
  Job* find(const std::string& name) {
    Job* newest = nullptr;
    for (auto& job : jobs) {
      if (job.name == name) {
        newest = &job;
      }
    }
    return newest;
  }

  // Jobs of the batch in a slot-holding state right now.
  [[nodiscard]] int active_with_prefix(const std::string& prefix) const {
    return static_cast<int>(std::count_if(jobs.begin(), jobs.end(), [&](const Job& job) {
      return batch_trait(prefix, job.name).has_value() && holds_slot(job.state);
    }));
  }

  // Moves every job one step on: Pending -> Running -> its planned end.
  void advance_all() {
    for (auto& job : jobs) {
      if (job.state == JobState::Pending) {
        job.state = JobState::Running;
      } else if (job.state == JobState::Running) {
        job.state = planned_end(job);
      }
    }
  }

  // The exit code planned for a job's attempt (the last one repeats); 0 when none.
  [[nodiscard]] int planned_code(const Job& job) const {
    const auto plan = plans.find(job.name);
    if (plan == plans.end() || plan->second.empty()) {
      return 0;
    }
    return plan
        ->second[std::min<std::size_t>(plan->second.size(), static_cast<std::size_t>(job.attempt)) - 1];
  }

  std::vector<Job> jobs;  // in creation order
  std::vector<Workload> other_workloads;
  std::deque<Error> list_errors;
  std::deque<Error> submit_errors;
  bool ghost_submits = false;  // a submit failing with Timeout/Transient still creates the job
  int listing_lag = 0;         // listings a new job is hidden from
  int deleting_listings = 0;   // listings a deleted job stays Deleting
  std::deque<std::string> lost_delete_answers;  // names whose next delete takes effect unanswered
  std::map<std::string, std::vector<int>> plans;
  std::map<std::string, FailureEvidence> evidence;
  std::function<void(FakeBackend&)> before_list;
  BackendTraits backend_traits;
  std::vector<JobSpec> submitted_specs;
  std::vector<std::string> deleted;
  std::map<std::string, int> creations;
  std::vector<std::string> gone;
  int list_calls = 0;
  int evidence_calls = 0;
  std::string tracked_prefix = "x";  // max_active_seen counts this batch
  int max_active_seen = 0;

 private:
  JobState planned_end(const Job& job) {
    const int code = planned_code(job);
    if (code != 0) {
      evidence[job.name] =
          FailureEvidence{code, std::nullopt, std::nullopt,
                          code == 2 ? "INFRASTRUCTURE MOUNT FAILURE" : "Missing required files", false};
    }
    return code == 0 ? JobState::Succeeded : JobState::Failed;
  }

  const Job& create(const JobSpec& spec) {
    Job job;
    job.name = spec.name;
    job.id = std::to_string(++next_id_);
    job.attempt = ++creations[spec.name];  // survives deletes, like a cluster's history
    job.listings_hidden = listing_lag;
    jobs.push_back(job);
    max_active_seen = std::max(max_active_seen, active_with_prefix(tracked_prefix));
    return jobs.back();
  }

  std::mutex mutex_;
  int next_id_ = 100;
};

}  // namespace traitctl::testing
