#include "traitctl/core/batch_plan.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "traitctl/core/job_name.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {

BatchPlan::BatchPlan(PlanSettings settings, Ledger& ledger, TimePoint now)
    : settings_(std::move(settings)), ledger_(ledger) {
  maximum_ = settings_.max_concurrent;
  for (int trait : settings_.traits) {
    traits_.emplace(
        trait, start_trait(trait, job_name(settings_.prefix, trait), record(trait), settings_.stage, now));
    refile(trait);
  }
}

void BatchPlan::refile(int trait) {
  const TraitProgress& progress = traits_.at(trait);
  Filed& filed = filed_[trait];
  const bool listed_slot = progress.listed && progress.job && holds_slot(progress.job->state);
  const bool finished = (progress.stage == Stage::Completed && progress.outputs_verified) ||
                        progress.stage == Stage::Settled || progress.stage == Stage::Unsubmitted;
  const Filed now{!finished || listed_slot || holds_unlisted_slot(progress), progress.stage == Stage::Unsubmitted,
                  is_open(progress, settings_.stage), (progress.created_by_us ? 1 : 0) + progress.resubmissions};
  const auto file = [trait](std::set<int>& index, bool in) {
    if (in) {
      index.insert(trait);
    } else {
      index.erase(trait);
    }
  };
  file(live_, now.live);
  file(unsubmitted_, now.unsubmitted);
  open_ += (now.open ? 1 : 0) - (filed.open ? 1 : 0);
  submitted_ += now.submissions - filed.submissions;
  filed = now;
}

void BatchPlan::refile_all() {
  for (const auto& entry : traits_) {
    refile(entry.first);
  }
}

TraitRecord& BatchPlan::record(int trait) {
  touched_.insert(trait);
  return ledger_.traits[trait];
}

void BatchPlan::observe(const std::vector<Workload>& listing, TimePoint now, Events& events) {
  ++listing_;
  const BatchView view = view_batch(settings_.prefix, listing);
  listed_active_ = view.active;
  // Both are ordered by trait: one walk side by side. Every cycle lists every
  // job the batch ever ran, so the traits the listing cannot change are
  // passed over before any per-trait logic (and their records untouched).
  auto job = view.jobs.begin();
  for (auto& [trait, progress] : traits_) {
    while (job != view.jobs.end() && job->first < trait) {
      ++job;
    }
    const Workload* listed = job != view.jobs.end() && job->first == trait ? &job->second : nullptr;
    if (!listing_changes_nothing(progress, listed, listing_)) {
      observe_job(progress, record(trait), listed, now, listing_, settings_.stage, events);
      refile(trait);
    }
  }
}

std::vector<DeleteOrder> BatchPlan::to_classify() const {
  std::vector<DeleteOrder> failed;
  if (!settings_.stage.mode.retry_failures) {
    return failed;
  }
  for (const int trait : live_) {
    const TraitProgress& progress = traits_.at(trait);
    if (progress.stage == Stage::Failed && progress.in_scope && !progress.failure && progress.job) {
      failed.push_back({trait, *progress.job});
    }
  }
  return failed;
}

void BatchPlan::classified(int trait, const Classification& classification, TimePoint now, Events& events) {
  apply_classification(traits_.at(trait), record(trait), classification, now, listing_, settings_.stage,
                       events);
  refile(trait);
  if (traits_.at(trait).end_is_news) {
    count_failure(trait, classification, events);
  }
}

void BatchPlan::count_failure(int trait, const Classification& classification, Events& events) {
  const FailureClass failure = classification.failure;
  const int limit = failure == FailureClass::Config    ? settings_.max_config_errors
                    : failure == FailureClass::Unknown ? settings_.max_unknown_errors
                                                       : 0;
  if (limit <= 0) {
    return;
  }
  auto& failed = failures_by_class_[failure];
  if (std::none_of(failed.begin(), failed.end(),
                   [trait](const auto& entry) { return entry.first == trait; })) {
    failed.emplace_back(trait, classification.matched_line.value_or(classification.evidence));
  }
  if (stop_ || static_cast<int>(failed.size()) < limit || !settings_.stage.mode.submit_new) {
    return;
  }
  // Every further trait would fail the same way: jobs already running go on,
  // no new trait starts, and the run ends saying why.
  stop_ = SubmissionStop{failure, limit, failed};
  settings_.stage.mode.submit_new = false;
  refile_all();  // the traits not submitted yet are no longer open
  BatchEvent stopped;
  stopped.kind = EventKind::SubmissionStopped;
  stopped.classification = classification;
  stopped.retry_budget = limit;
  stopped.message = fmt::format("{} traits failed as {}", failed.size(), to_string(failure));
  events.push_back(stopped);
}

void BatchPlan::evidence_failed(int trait, const Error& error, TimePoint now, Events& events) {
  apply_evidence_failure(traits_.at(trait), record(trait), error, now, listing_, settings_.stage, events);
  refile(trait);
}

std::vector<int> BatchPlan::to_verify() const {
  std::vector<int> traits;
  for (const int trait : live_) {
    const TraitProgress& progress = traits_.at(trait);
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
  refile(trait);
}

void BatchPlan::stop_checking_outputs(TimePoint now, Events& events) {
  settings_.stage.check_outputs = false;
  for (int trait : to_verify()) {
    outputs_checked(trait, true, "", now, events);
  }
}

void BatchPlan::wake_backoffs(TimePoint now, Events& events) {
  std::vector<int> woken;  // refile() changes live_: not while walking it
  for (const int trait : live_) {
    const TraitProgress& progress = traits_.at(trait);
    if (progress.stage == Stage::Backoff && progress.eligible_at && *progress.eligible_at <= now) {
      woken.push_back(trait);
    }
  }
  for (const int trait : woken) {
    decide_next(traits_.at(trait), record(trait), now, listing_, settings_.stage, events);
    refile(trait);
  }
}

std::vector<DeleteOrder> BatchPlan::deletes_due(TimePoint now, Events& events) {
  std::vector<DeleteOrder> deletes;
  if (settings_.stage.mode.dry_run) {
    return deletes;
  }
  std::vector<int> due;  // refile() changes live_: not while walking it
  for (const int trait : live_) {
    const TraitProgress& progress = traits_.at(trait);
    // A decision taken on listing N waits for listing N+1 to show the job
    // still failed: nothing that changed in between is deleted.
    if (progress.stage == Stage::ReplaceDue && progress.decided_at_listing < listing_) {
      due.push_back(trait);
    }
  }
  for (const int trait : due) {
    auto job = begin_replacement(traits_.at(trait), record(trait), now, settings_.stage, events);
    refile(trait);
    if (job) {
      deletes.push_back({trait, std::move(*job)});
    }
  }
  return deletes;
}

void BatchPlan::delete_answered(int trait, const Result<DeleteOutcome>& answer, TimePoint now,
                                Events& events) {
  apply_delete_answer(traits_.at(trait), answer, now, settings_.stage, events);
  refile(trait);
}

std::vector<SubmitOrder> BatchPlan::submissions_due(TimePoint now) {
  std::vector<SubmitOrder> orders;
  waiting_for_ = WaitingFor::Nothing;
  oversized_alone_ = false;
  if (settings_.stage.mode.dry_run) {
    return orders;
  }
  const int slots = free_slots(settings_.max_concurrent, active());
  // Resubmissions first (they have waited longest), then new traits in
  // order; no more than the admission below can look at (slots + 1).
  const auto enough = static_cast<std::size_t>(slots) + 1;
  std::vector<int> candidates;
  for (const int trait : live_) {
    const TraitProgress& progress = traits_.at(trait);
    if (progress.stage == Stage::ResubmitDue && progress.in_scope && candidates.size() < enough) {
      candidates.push_back(trait);
    }
  }
  for (auto trait = unsubmitted_.begin();
       settings_.stage.mode.submit_new && trait != unsubmitted_.end() && candidates.size() < enough; ++trait) {
    if (traits_.at(*trait).in_scope) {
      candidates.push_back(*trait);
    }
  }
  std::vector<JobSize> sizes;
  for (std::size_t index = 0; index < candidates.size() && sizes.size() <= static_cast<std::size_t>(slots);
       ++index) {
    sizes.push_back(settings_.size_of ? settings_.size_of(candidates[index], recorded(candidates[index]))
                                      : JobSize{});
  }
  const Admission admission = admit(active_sizes(), sizes, slots, settings_.budget);
  waiting_for_ = admission.waiting_for;
  oversized_alone_ = admission.oversized_alone;
  for (std::size_t index = 0; index < admission.count; ++index) {
    const int trait = candidates[index];
    const TraitProgress& progress = traits_.at(trait);
    const bool resubmission = resubmission_intent(recorded(trait)) != nullptr;
    SubmitOrder order{trait, begin_submission(traits_.at(trait), record(trait), now), resubmission};
    refile(trait);
    if (resubmission && progress.failure) {
      order.retry_number = progress.retry_number;
      order.retry_budget = retry_budget(progress.failure->failure, settings_.stage.policy);
    }
    orders.push_back(order);
  }
  return orders;
}

std::vector<JobSize> BatchPlan::active_sizes() {
  std::vector<JobSize> sizes;
  int tracked = 0;
  for (const int trait : live_) {  // every trait holding a slot is live
    const TraitProgress& progress = traits_.at(trait);
    const bool listed_active = progress.listed && progress.job && holds_slot(progress.job->state);
    if (!listed_active && !holds_unlisted_slot(progress)) {
      continue;
    }
    tracked += listed_active ? 1 : 0;
    const TraitRecord& trait_record = recorded(trait);
    const auto attempt = std::find_if(
        trait_record.attempts.begin(), trait_record.attempts.end(), [&](const AttemptRecord& entry) {
          return entry.number == current_attempt(trait_record) && !entry.memory.empty();
        });
    const auto memory = attempt == trait_record.attempts.end() ? Result<std::uint64_t>(Error{})
                                                               : parse_memory(attempt->memory);
    const auto cpu =
        attempt == trait_record.attempts.end() ? Result<double>(Error{}) : parse_cpu(attempt->cpu);
    if (memory && cpu) {
      sizes.push_back({*cpu, *memory});
    } else {
      sizes.push_back(settings_.size_of ? settings_.size_of(trait, trait_record) : settings_.largest_job);
    }
  }
  // Members of the batch that are not among its traits (another range, x-007).
  for (int untracked = listed_active_ - tracked; untracked > 0; --untracked) {
    sizes.push_back(settings_.largest_job);
  }
  return sizes;
}

void BatchPlan::submit_answered(int trait, const SubmitAnswer& answer, const JobSpec& spec, TimePoint now,
                                Events& events) {
  apply_submit_answer(traits_.at(trait), record(trait), answer, spec, ledger_, now, settings_.stage, events);
  refile(trait);
}

int BatchPlan::active() const {
  const auto unlisted = std::count_if(live_.begin(), live_.end(),
                                      [this](int trait) { return holds_unlisted_slot(traits_.at(trait)); });
  return listed_active_ + static_cast<int>(unlisted);
}

bool BatchPlan::finished() const {
  if (settings_.stage.mode.dry_run) {
    return listing_ > 0;
  }
  return open_ == 0;
}

TimePoint BatchPlan::next_look(TimePoint now) const {
  TimePoint next = now + settings_.poll_interval;
  for (const int trait : live_) {  // the stages below are all live
    const TraitProgress& progress = traits_.at(trait);
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
  wait.maximum = maximum_;
  wait.waiting_for = waiting_for_;
  wait.submitted = submitted_;
  wait.remaining = open_;
  wait.in_backoff = static_cast<int>(std::count_if(
      live_.begin(), live_.end(), [this](int trait) { return traits_.at(trait).stage == Stage::Backoff; }));
  return wait;
}

}  // namespace traitctl
