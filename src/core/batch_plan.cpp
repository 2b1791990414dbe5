#include "traitctl/core/batch_plan.hpp"

#include <algorithm>

#include "traitctl/core/job_name.hpp"

namespace traitctl {

BatchPlan::BatchPlan(PlanSettings settings, Ledger& ledger, TimePoint now)
    : settings_(std::move(settings)), ledger_(ledger) {
  for (int trait : settings_.traits) {
    traits_.emplace(
        trait, start_trait(trait, job_name(settings_.prefix, trait), record(trait), settings_.stage, now));
  }
}

void BatchPlan::observe(const std::vector<Workload>& listing, TimePoint now, Events& events) {
  ++listing_;
  const BatchView view = view_batch(settings_.prefix, listing);
  listed_active_ = view.active;
  for (auto& [trait, progress] : traits_) {
    const auto job = view.jobs.find(trait);
    observe_job(progress, record(trait), job == view.jobs.end() ? nullptr : &job->second, now, listing_,
                settings_.stage, events);
  }
}

std::vector<DeleteOrder> BatchPlan::to_classify() const {
  std::vector<DeleteOrder> failed;
  if (!settings_.stage.mode.retry_failures) {
    return failed;
  }
  for (const auto& [trait, progress] : traits_) {
    if (progress.stage == Stage::Failed && progress.in_scope && !progress.failure && progress.job) {
      failed.push_back({trait, *progress.job});
    }
  }
  return failed;
}

void BatchPlan::classified(int trait, const Classification& classification, TimePoint now, Events& events) {
  apply_classification(traits_.at(trait), record(trait), classification, now, listing_, settings_.stage,
                       events);
}

void BatchPlan::evidence_failed(int trait, const Error& error, TimePoint now, Events& events) {
  apply_evidence_failure(traits_.at(trait), record(trait), error, now, listing_, settings_.stage, events);
}

std::vector<int> BatchPlan::to_verify() const {
  std::vector<int> traits;
  for (const auto& [trait, progress] : traits_) {
    if (progress.stage == Stage::Completed && !progress.outputs_verified) {
      traits.push_back(trait);
    }
  }
  return traits;
}

void BatchPlan::outputs_checked(int trait, bool found, const std::string& evidence, TimePoint now,
                                Events& events) {
  apply_output_check(traits_.at(trait), record(trait), found, evidence, now, listing_, settings_.stage,
                     events);
}

void BatchPlan::stop_checking_outputs(TimePoint now, Events& events) {
  settings_.stage.check_outputs = false;
  for (int trait : to_verify()) {
    outputs_checked(trait, true, "", now, events);
  }
}

void BatchPlan::wake_backoffs(TimePoint now, Events& events) {
  for (auto& [trait, progress] : traits_) {
    if (progress.stage == Stage::Backoff && progress.eligible_at && *progress.eligible_at <= now) {
      decide_next(progress, record(trait), now, listing_, settings_.stage, events);
    }
  }
}

std::vector<DeleteOrder> BatchPlan::deletes_due(TimePoint now, Events& events) {
  std::vector<DeleteOrder> deletes;
  if (settings_.stage.mode.dry_run) {
    return deletes;
  }
  for (auto& [trait, progress] : traits_) {
    // A decision taken on listing N waits for listing N+1 to show the job
    // still failed: nothing that changed in between is deleted.
    if (progress.stage != Stage::ReplaceDue || progress.decided_at_listing >= listing_) {
      continue;
    }
    if (auto job = begin_replacement(progress, record(trait), now, settings_.stage, events)) {
      deletes.push_back({trait, std::move(*job)});
    }
  }
  return deletes;
}

void BatchPlan::delete_answered(int trait, const Result<DeleteOutcome>& answer, TimePoint now,
                                Events& events) {
  apply_delete_answer(traits_.at(trait), answer, now, settings_.stage, events);
}

std::vector<SubmitOrder> BatchPlan::submissions_due(TimePoint now) {
  std::vector<SubmitOrder> orders;
  if (settings_.stage.mode.dry_run) {
    return orders;
  }
  int slots = free_slots(settings_.max_concurrent, active());
  const auto take = [&](Stage stage, bool wanted) {
    for (auto& [trait, progress] : traits_) {
      if (slots == 0) {
        return;
      }
      if (progress.stage != stage || !wanted || !progress.in_scope) {
        continue;
      }
      const bool resubmission = record(trait).pending.has_value();
      orders.push_back({trait, begin_submission(progress, record(trait), now), resubmission});
      --slots;
    }
  };
  take(Stage::ResubmitDue, true);
  take(Stage::Unsubmitted, settings_.stage.mode.submit_new);
  return orders;
}

void BatchPlan::submit_answered(int trait, const SubmitAnswer& answer, const JobSpec& spec, TimePoint now,
                                Events& events) {
  apply_submit_answer(traits_.at(trait), record(trait), answer, spec, ledger_, now, settings_.stage, events);
}

int BatchPlan::active() const {
  const auto unlisted = std::count_if(traits_.begin(), traits_.end(),
                                      [](const auto& entry) { return holds_unlisted_slot(entry.second); });
  return listed_active_ + static_cast<int>(unlisted);
}

bool BatchPlan::finished() const {
  if (settings_.stage.mode.dry_run) {
    return listing_ > 0;
  }
  return std::none_of(traits_.begin(), traits_.end(),
                      [this](const auto& entry) { return is_open(entry.second, settings_.stage); });
}

TimePoint BatchPlan::next_look(TimePoint now) const {
  TimePoint next = now + settings_.poll_interval;
  for (const auto& [trait, progress] : traits_) {
    switch (progress.stage) {
      case Stage::ReplaceDue: return now;  // its decision waits for a newer listing
      case Stage::Deleting: next = std::min(next, now + settings_.confirm_interval); break;
      case Stage::SubmitSent:
        if (!progress.listed) {
          next = std::min({next, now + settings_.confirm_interval,
                           progress.stage_since + settings_.stage.unlisted_grace});
        }
        break;
      case Stage::Backoff:
        if (progress.eligible_at) {
          next = std::min(next, std::max(now, *progress.eligible_at));
        }
        break;
      case Stage::Unsubmitted:
      case Stage::ResubmitDue:  // waits for a slot: a job's end wakes the loop
      case Stage::Active:
      case Stage::Failed:
      case Stage::Completed:
      case Stage::Settled: break;
    }
  }
  return next;
}

WaitProgress BatchPlan::progress() const {
  WaitProgress wait;
  wait.active = active();
  wait.max_concurrent = settings_.max_concurrent;
  for (const auto& [trait, progress] : traits_) {
    wait.submitted += (progress.created_by_us ? 1 : 0) + progress.resubmissions;
    wait.remaining += is_open(progress, settings_.stage) ? 1 : 0;
    wait.in_backoff += progress.stage == Stage::Backoff ? 1 : 0;
  }
  return wait;
}

}  // namespace traitctl
