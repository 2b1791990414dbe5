#include "traitctl/core/retry_engine.hpp"

#include <algorithm>
#include <cctype>
#include <utility>

#include "traitctl/core/job_name.hpp"

namespace traitctl {
namespace {

// Where a trait stands within this run.
enum class Stage {
  AwaitingGone,   // delete sent; the old job is still listed
  RetryDelete,    // the delete failed; try it again next cycle
  ReadyToSubmit,  // the old job is gone; needs a free slot
  Settled,        // nothing more to do for it in this run
};

bool is_going_away(const std::string& status) {
  std::string lowered(status);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered == "deleting" || lowered == "terminating";
}

class Supervisor {
 public:
  Supervisor(Backend& backend, Clock& clock, const CancelToken& cancel, const RetryRequest& request,
             Ledger& ledger, RetryObserver& observer)
      : backend_(backend),
        clock_(clock),
        cancel_(cancel),
        request_(request),
        ledger_(request.dry_run ? dry_run_copy_ : ledger),
        observer_(observer),
        unlisted_(request.unlisted_grace),
        in_batch_(request.traits.begin(), request.traits.end()) {
    if (request.dry_run) {
      dry_run_copy_ = ledger;
    }
  }

  RetryReport run() {
    bool first_cycle = true;
    while (!cancel_.stop_requested()) {
      auto listing = list_with_retries(backend_, clock_, cancel_, request_.submit_retry);
      ++report_.listings;
      if (!listing) {
        if (!tolerate_failed_listing(listing.error())) {
          return finish();
        }
        clock_.sleep_for(request_.poll_interval, cancel_);
        continue;
      }
      failed_listings_ = 0;
      view_ = view_batch(request_.prefix, *listing);
      active_ = view_.active + unlisted_.reconcile(*listing, clock_.now());
      confirm_unanswered_submits();
      if (first_cycle) {
        start_manual_resubmissions();
        for (const auto& [trait, job] : view_.jobs) {
          if (job.status_class == StatusClass::Failed) {
            failed_at_start_.insert(trait);
          }
        }
        first_cycle = false;
      }
      if (!continue_pending_intents() || !handle_new_failures() || !handle_due_backoffs() ||
          !delete_planned() || !submit_ready()) {
        return finish();
      }
      if (cancel_.stop_requested()) {
        break;  // what this cycle skipped is not done: the report says interrupted
      }
      if (done()) {
        return finish();
      }
      sleep_until_next_cycle();
    }
    report_.interrupted = true;
    return finish();
  }

 private:
  bool save() {
    if (request_.dry_run) {
      return true;
    }
    if (auto saved = request_.save_ledger(ledger_); !saved) {
      report_.fatal = saved.error();
      return false;
    }
    return true;
  }

  // Watch mode: another cycle may succeed where this listing failed.
  bool tolerate_failed_listing(const Error& error) {
    if (cancel_.stop_requested()) {
      report_.interrupted = true;  // Ctrl-C cut the call short: not a cluster failure
      return false;
    }
    if (request_.watch && ++failed_listings_ < max_failed_cycles) {
      return true;
    }
    report_.fatal = error;
    return false;
  }

  // Watch mode: the trait's failed delete or submit is tried again next cycle.
  bool try_again_next_cycle(int trait) {
    return request_.watch && ++failed_cycles_[trait] < max_failed_cycles;
  }

  // A first submit whose answer was a failure may have created the job all
  // the same: once listed, it was submitted.
  void confirm_unanswered_submits() {
    for (auto it = unanswered_submits_.begin(); it != unanswered_submits_.end();) {
      if (listed(*it) == nullptr) {
        ++it;
        continue;
      }
      report_.submission_failures.erase(*it);
      report_.submitted.push_back(*it);
      first_submitted_.insert(*it);
      observer_.on_submitted(*it);
      it = unanswered_submits_.erase(it);
    }
  }

  const BatchJob* listed(int trait) const {
    const auto found = view_.jobs.find(trait);
    return found == view_.jobs.end() ? nullptr : &found->second;
  }

  // resubmit: record the intent for each named trait, then treat it like an
  // automatic retry that has been decided.
  void start_manual_resubmissions() {
    for (int trait : request_.manual) {
      if (request_.dry_run) {
        report_.would_retry.push_back(trait);
        observer_.on_would_retry(trait, FailureClass::Unknown, 0);
        continue;
      }
      (void)record_intent(ledger_.traits[trait], IntentKind::Manual, clock_.now());
    }
  }

  // Intents in the ledger: this run's own retries, and a previous run's that
  // stopped between delete and resubmit.
  bool continue_pending_intents() {
    for (auto& [trait, record] : ledger_.traits) {
      if (cancel_.stop_requested()) {
        return true;  // Ctrl-C waits for the call in flight only; the intents stay for the next run
      }
      if (!record.pending || !in_batch_.contains(trait) || request_.dry_run) {
        continue;
      }
      const auto stage = stages_.find(trait);
      const bool not_deleted = stage == stages_.end() || stage->second == Stage::RetryDelete;
      if (!not_deleted && stage->second != Stage::AwaitingGone) {
        continue;
      }
      const BatchJob* job = listed(trait);
      if (job == nullptr) {
        stages_[trait] = Stage::ReadyToSubmit;
      } else if (is_going_away(job->status)) {
        stages_[trait] = Stage::AwaitingGone;
      } else if (not_deleted &&
                 (job->status_class == StatusClass::Failed || request_.manual.contains(trait))) {
        // The delete never happened (or the job is to be replaced): do it now.
        delete_job(trait, *job);
      } else if (not_deleted) {
        // Listed and not failed: the resubmission went through before a crash.
        record_resubmitted(record);
        stages_[trait] = Stage::Settled;
        if (!save()) {
          return false;
        }
      }
    }
    return true;
  }

  void delete_job(int trait, const BatchJob& job) {
    observer_.on_deleting(job.name);
    auto removed =
        call_with_retries(clock_, cancel_, request_.submit_retry, [&] { return backend_.remove(job.name); });
    if (!removed) {
      observer_.on_delete_failed(job.name, removed.error().message);
      if (try_again_next_cycle(trait)) {
        stages_[trait] = Stage::RetryDelete;
        return;
      }
      // The intent stays in the ledger: the next run completes it.
      report_.resubmission_failures[trait] = removed.error().message;
      stages_[trait] = Stage::Settled;
      return;
    }
    stages_[trait] = *removed == DeleteOutcome::NotFound ? Stage::ReadyToSubmit : Stage::AwaitingGone;
  }

  bool in_scope(int trait) const {
    if (!in_batch_.contains(trait) || handled_.contains(trait) || request_.manual.contains(trait)) {
      return false;
    }
    // One pass handles the failures found at the start, once each.
    return request_.watch || failed_at_start_.contains(trait);
  }

  bool handle_new_failures() {
    for (const auto& [trait, job] : view_.jobs) {
      if (cancel_.stop_requested()) {
        return true;  // the next run classifies the rest
      }
      if (job.status_class != StatusClass::Failed || !in_scope(trait) || stages_.contains(trait)) {
        continue;
      }
      TraitRecord& record = ledger_.traits[trait];
      if (record.pending) {
        continue;  // continue_pending_intents owns it
      }
      handled_.insert(trait);
      ++report_.failed_found;
      observer_.on_analyzing(job);
      const FailureClass failure = classify(job);
      ++report_.by_class[failure];
      observer_.on_classified(job, failure);
      record_failure_seen(record, failure, clock_.now());
      if (!act_on(trait, job, decide_retry(record, failure, request_.policy, clock_.now()), failure)) {
        return false;
      }
    }
    return true;
  }

  FailureClass classify(const BatchJob& job) {
    auto evidence = call_with_retries(clock_, cancel_, request_.submit_retry,
                                      [&] { return backend_.failure_evidence(job.name); });
    return classify_failure(evidence ? *evidence : FailureEvidence{}, request_.classifier).failure;
  }

  bool act_on(int trait, const BatchJob& job, const RetryDecision& decision, FailureClass failure) {
    if (const auto* not_retryable = std::get_if<NotRetryable>(&decision)) {
      report_.not_retryable[trait] = not_retryable->reason;
      observer_.on_not_retryable(job, not_retryable->reason);
      return save();
    }
    if (const auto* out = std::get_if<OutOfRetries>(&decision)) {
      record_out_of_retries(ledger_.traits[trait]);
      report_.out_of_retries.push_back(trait);
      observer_.on_out_of_retries(trait, out->retries_used);
      return save();
    }
    if (const auto* wait = std::get_if<WaitUntil>(&decision)) {
      if (request_.dry_run) {
        report_.would_retry.push_back(trait);
        observer_.on_would_retry(trait, failure, wait->retry_number);
      } else if (request_.wait_for_backoff) {
        backoffs_[trait] = *wait;
        observer_.on_backoff(trait, std::chrono::duration_cast<Duration>(wait->eligible_at - clock_.now()),
                             wait->retry_number);
      } else {
        report_.deferred[trait] = wait->eligible_at;
      }
      return save();
    }
    const auto& now_decision = std::get<RetryNow>(decision);
    if (request_.dry_run) {
      report_.would_retry.push_back(trait);
      observer_.on_would_retry(trait, failure, now_decision.retry_number);
      return true;
    }
    planned_deletes_.push_back(trait);
    return true;
  }

  // Right before deleting, a fresh listing must still show each job failed:
  // nothing that has changed since it was classified is ever deleted.
  bool delete_planned() {
    if (planned_deletes_.empty() || cancel_.stop_requested()) {
      planned_deletes_.clear();  // nothing counted yet: the next run decides again
      return true;
    }
    auto listing = list_with_retries(backend_, clock_, cancel_, request_.submit_retry);
    ++report_.listings;
    if (!listing) {
      return tolerate_failed_listing(listing.error());  // the planned deletes wait for the next cycle
    }
    const BatchView fresh = view_batch(request_.prefix, *listing);
    for (int trait : std::exchange(planned_deletes_, {})) {
      if (cancel_.stop_requested()) {
        break;
      }
      const auto job = fresh.jobs.find(trait);
      if (job == fresh.jobs.end() || job->second.status_class != StatusClass::Failed) {
        observer_.on_changed_before_delete(trait, job == fresh.jobs.end() ? "gone" : job->second.status);
        stages_[trait] = Stage::Settled;
        continue;
      }
      // The intent is on disk before the delete: a crash in between is
      // completed by the next run, never lost and never counted twice.
      (void)record_intent(ledger_.traits[trait], IntentKind::Automatic, clock_.now());
      if (!save()) {
        return false;
      }
      delete_job(trait, job->second);
    }
    return true;
  }

  bool handle_due_backoffs() {
    for (auto it = backoffs_.begin(); it != backoffs_.end();) {
      const int trait = it->first;
      const BatchJob* job = listed(trait);
      if (job == nullptr || job->status_class != StatusClass::Failed) {
        it = backoffs_.erase(it);  // someone else dealt with it
        continue;
      }
      if (it->second.eligible_at > clock_.now()) {
        ++it;
        continue;
      }
      it = backoffs_.erase(it);
      TraitRecord& record = ledger_.traits[trait];
      const FailureClass failure = record.last_failure.value_or(FailureClass::Mount);
      if (!act_on(trait, *job, decide_retry(record, failure, request_.policy, clock_.now()), failure)) {
        return false;
      }
    }
    return true;
  }

  // Resubmissions first (they have waited longest), then new traits (run).
  bool submit_ready() {
    std::vector<JobSpec> round;
    const int slots = free_slots(request_.max_concurrent, active_);
    for (auto& [trait, stage] : stages_) {
      if (stage == Stage::AwaitingGone && listed(trait) == nullptr) {
        stage = Stage::ReadyToSubmit;
      }
      if (stage == Stage::ReadyToSubmit && static_cast<int>(round.size()) < slots) {
        const PendingIntent& intent = *ledger_.traits[trait].pending;
        observer_.on_resubmitting(trait, ledger_.traits[trait].automatic_retries,
                                  intent.kind == IntentKind::Manual);
        round.push_back(request_.job_for(trait, intent.attempt));
      }
    }
    const std::size_t resubmissions = round.size();
    if (request_.submit_new && !request_.dry_run) {
      for (int trait : request_.traits) {
        if (static_cast<int>(round.size()) >= slots) {
          break;
        }
        if (listed(trait) == nullptr && !stages_.contains(trait) && !first_submitted_.contains(trait) &&
            !ledger_.traits[trait].pending) {
          round.push_back(request_.job_for(trait, 1));
          observer_.on_submitting(round.back());
        }
      }
    }
    if (round.empty()) {
      return true;
    }
    if (!ledger_.first_submitted_at && round.size() > resubmissions) {
      record_batch_started(ledger_, clock_.now());
    }
    const auto results =
        submit_all(backend_, round, request_.parallel_submits, clock_, cancel_, request_.submit_retry);
    for (std::size_t i = 0; i < round.size(); ++i) {
      const JobSpec& spec = round[i];
      const bool created = results[i].status != SubmitStatus::Failed;
      if (created) {
        unlisted_.add(spec.name, clock_.now());
        ++active_;
      }
      if (i < resubmissions) {
        settle_resubmission(spec, results[i]);
      } else {
        first_submitted_.insert(spec.trait);
        if (created) {
          report_.submitted.push_back(spec.trait);
          unanswered_submits_.erase(spec.trait);
          observer_.on_submitted(spec.trait);
        } else if (results[i].calls > 0) {
          observer_.on_submit_failed(spec.trait, results[i].error);
          unanswered_submits_.insert(spec.trait);
          if (try_again_next_cycle(spec.trait)) {
            first_submitted_.erase(spec.trait);
          } else {
            report_.submission_failures[spec.trait] = results[i].error;
          }
        } else {
          first_submitted_.erase(spec.trait);  // interrupted before its turn
        }
      }
    }
    return save();
  }

  void settle_resubmission(const JobSpec& spec, const SubmitResult& result) {
    TraitRecord& record = ledger_.traits[spec.trait];
    if (result.status == SubmitStatus::Failed) {
      if (result.calls > 0) {
        observer_.on_resubmit_failed(spec.trait, result.error);
        if (try_again_next_cycle(spec.trait)) {
          return;  // still ReadyToSubmit; an unanswered one that went through is "already exists" then
        }
        // The intent stays: the next run resubmits this trait.
        report_.resubmission_failures[spec.trait] = result.error;
        stages_[spec.trait] = Stage::Settled;
      }
      return;
    }
    const bool manual = record.pending && record.pending->kind == IntentKind::Manual;
    const int attempt = record.pending ? record.pending->attempt : current_attempt(record);
    record_resubmitted(record);
    (manual ? report_.resubmitted_manually : report_.retried).push_back(spec.trait);
    observer_.on_resubmitted(spec.trait, attempt);
    // In watch mode the new job is watched and may be retried again.
    stages_.erase(spec.trait);
    if (request_.watch) {
      handled_.erase(spec.trait);
    } else {
      handled_.insert(spec.trait);
      stages_[spec.trait] = Stage::Settled;
    }
  }

  bool has_open_stage() const {
    return std::any_of(stages_.begin(), stages_.end(),
                       [](const auto& entry) { return entry.second != Stage::Settled; });
  }

  bool done() const {
    if (request_.dry_run) {
      return true;
    }
    if (has_open_stage() || !backoffs_.empty() || !planned_deletes_.empty()) {
      return false;
    }
    if (!request_.watch) {
      return true;
    }
    // Watch/run: until every trait with a job is settled.
    for (int trait : request_.traits) {
      const BatchJob* job = listed(trait);
      if (job == nullptr) {
        const bool awaiting_first = request_.submit_new && !first_submitted_.contains(trait);
        if (awaiting_first || unlisted_.count() > 0) {
          return false;
        }
        continue;
      }
      if (job->status_class == StatusClass::Active) {
        return false;
      }
      if (job->status_class == StatusClass::Failed && !handled_.contains(trait)) {
        return false;
      }
    }
    return true;
  }

  void sleep_until_next_cycle() {
    Duration interval = request_.poll_interval;
    if (has_open_stage()) {
      interval = std::min(interval, request_.confirm_interval);
    }
    for (const auto& [trait, wait] : backoffs_) {
      const auto remaining = std::chrono::duration_cast<Duration>(wait.eligible_at - clock_.now());
      interval = std::min(interval, std::max(remaining, Duration{0}));
      observer_.on_backoff(trait, remaining, wait.retry_number);
    }
    const auto submitted =
        report_.submitted.size() + report_.retried.size() + report_.resubmitted_manually.size();
    WaitProgress progress{active_,
                          request_.max_concurrent,
                          static_cast<int>(submitted),
                          unsettled(),
                          static_cast<int>(backoffs_.size()),
                          interval};
    if (interval > request_.confirm_interval || backoffs_.empty()) {
      observer_.on_waiting(progress);
    }
    sleep_in_ticks(clock_, interval, cancel_, [&](Duration left) {
      progress.next_poll = left;
      observer_.on_wait_tick(progress);
    });
  }

  // Traits this run still has to see through: a retry under way, a job still
  // active (when watching), or a first submission still to come (run).
  int unsettled() const {
    int count = 0;
    for (int trait : request_.traits) {
      const auto stage = stages_.find(trait);
      const bool retrying =
          backoffs_.contains(trait) || (stage != stages_.end() && stage->second != Stage::Settled);
      const BatchJob* job = listed(trait);
      const bool running = request_.watch && job != nullptr && job->status_class == StatusClass::Active;
      const bool not_yet_listed =
          request_.submit_new && job == nullptr && !report_.submission_failures.contains(trait);
      count += retrying || running || not_yet_listed ? 1 : 0;
    }
    return count;
  }

  RetryReport finish() {
    for (const auto& [trait, job] : view_.jobs) {
      if (!in_batch_.contains(trait) || job.status_class != StatusClass::Succeeded) {
        continue;
      }
      report_.completed.push_back(trait);
      const auto record = ledger_.traits.find(trait);
      if (record != ledger_.traits.end() && record->second.automatic_retries > 0) {
        report_.succeeded_after_retry.push_back(trait);
      }
    }
    for (auto* traits : {&report_.retried, &report_.resubmitted_manually, &report_.submitted,
                         &report_.out_of_retries, &report_.would_retry}) {
      std::sort(traits->begin(), traits->end());
    }
    return report_;
  }

  Backend& backend_;
  Clock& clock_;
  const CancelToken& cancel_;
  const RetryRequest& request_;
  Ledger dry_run_copy_;
  Ledger& ledger_;
  RetryObserver& observer_;
  UnlistedSubmissions unlisted_;
  std::set<int> in_batch_;
  BatchView view_;
  int active_ = 0;
  std::set<int> failed_at_start_;
  std::set<int> handled_;
  std::set<int> first_submitted_;
  std::set<int> unanswered_submits_;  // first submits that failed: listed later, they went through
  std::map<int, int> failed_cycles_;  // per trait: cycles whose delete or submit failed
  int failed_listings_ = 0;           // in a row
  std::map<int, Stage> stages_;
  std::map<int, WaitUntil> backoffs_;
  std::vector<int> planned_deletes_;
  RetryReport report_;
};

}  // namespace

RetryReport supervise_batch(Backend& backend, Clock& clock, const CancelToken& cancel,
                            const RetryRequest& request, Ledger& ledger, RetryObserver& observer) {
  return Supervisor(backend, clock, cancel, request, ledger, observer).run();
}

}  // namespace traitctl
