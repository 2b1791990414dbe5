#include "traitctl/core/batch_engine.hpp"

#include <algorithm>

namespace traitctl {
namespace {

class BatchLoop {
 public:
  BatchLoop(Backend& backend, Clock& clock, const CancelToken& cancel, const BatchRequest& request,
            Ledger& ledger, BatchObserver& observer)
      : backend_(backend),
        clock_(clock),
        cancel_(cancel),
        request_(request),
        dry_run_(request.plan.stage.mode.dry_run),
        dry_run_copy_(dry_run_ ? ledger : Ledger{}),
        ledger_(dry_run_ ? dry_run_copy_ : ledger),
        observer_(observer),
        plan_(plan_settings(request.plan, backend.traits()), ledger_, clock.now()),
        cap_(resume_cap(ledger_.cap, request.plan.max_concurrent, request.adaptive)) {
    ledger_.cap = cap_;
    plan_.set_cap(effective_cap(cap_), cap_.maximum);
    if (request_.avoid_nodes) {
      for (const auto& [trait, record] : ledger_.traits) {  // once; then what changed
        nodes_.recount(trait, record);
      }
    }
  }

  BatchReport run() {
    while (!cancel_.stop_requested()) {
      if (!look()) {
        return finish();
      }
      take_cap_request();
      verify_outputs();
      classify_failures();
      learn_memory();
      plan_.wake_backoffs(clock_.now(), events_);
      if (!delete_due() || !submit_due()) {
        return finish();
      }
      if (plan_.finished()) {
        return finish();
      }
      if (cancel_.stop_requested()) {
        break;
      }
      if (!wait_for_next_look()) {
        return finish();
      }
    }
    report_.interrupted = true;
    return finish();
  }

 private:
  // The backend's name rules, and the size of a trait's first job at the
  // batch's learned memory tier.
  PlanSettings plan_settings(PlanSettings settings, const BackendTraits& traits) {
    settings.stage.unique_names = traits.unique_names;
    if (settings.size_of) {
      settings.size_of = [this, size_of = settings.size_of](int trait, const TraitRecord& record) {
        if (!is_first_job(record)) {
          return size_of(trait, record);
        }
        TraitRecord starting = record;
        starting.oom_retries = starting_tier(record, ledger_.learned_memory_tier, top_tier());
        return size_of(trait, starting);
      };
    }
    return settings;
  }

  // No job yet: a Sent intent is the first submission itself (recorded before
  // it goes out), not a resubmission.
  static bool is_first_job(const TraitRecord& record) {
    return record.attempts.empty() && resubmission_intent(record) == nullptr;
  }
  [[nodiscard]] int top_tier() const {
    return std::max(static_cast<int>(request_.memory_tiers.size()) - 1, 0);
  }

  // The batch's starting tier rises once the rule (core/memory_learning.hpp) says so.
  void learn_memory() {
    if (dry_run_ || !learning_stale_) {
      return;
    }
    learning_stale_ = false;
    auto learned = learn_memory_tier(ledger_, request_.memory_tiers, request_.learning);
    if (!learned) {
      return;
    }
    ledger_.learned_memory_tier = learned->tier;
    BatchEvent event;
    event.kind = EventKind::MemoryTierLearned;
    event.memory_tier = learned->tier;
    event.memory = learned->memory;
    event.message = learned->evidence;
    observer_.on_event(event);
  }

  // What the cluster knows of an attempt that just ended, asked once, kept on
  // its record and told with its end. A backend that cannot tell leaves it unknown.
  void add_facts(BatchEvent& event) {
    if (dry_run_ || cancel_.stop_requested() ||
        (event.kind != EventKind::Completed && event.kind != EventKind::JobFailed &&
         event.kind != EventKind::Stopped)) {
      return;
    }
    const auto progress = plan_.traits().find(event.trait);
    if (progress == plan_.traits().end() || !progress->second.job) {
      return;
    }
    auto facts = backend_.attempt_facts(*progress->second.job);
    if (!facts) {
      return;
    }
    AttemptRecord& attempt = attempt_record(plan_.record(event.trait), event.attempt);
    attempt.started_at = facts->started_at;
    if (facts->ended_at) {
      attempt.ended_at = facts->ended_at;
    }
    attempt.node = facts->node;
    attempt.peak_memory_bytes = facts->peak_memory_bytes;
    attempt.cpu_seconds = facts->cpu_seconds;
    event.facts = *facts;
  }

  // Suspect nodes (core/node_health.hpp) go on every new job; a change of
  // them is said once.
  void avoid_suspect_nodes(std::vector<JobSpec>& specs) {
    if (!request_.avoid_nodes) {
      return;
    }
    untallied_.insert(plan_.touched().begin(), plan_.touched().end());
    for (const int trait : untallied_) {
      nodes_.recount(trait, plan_.recorded(trait));
    }
    untallied_.clear();
    auto suspects = suspect_nodes(nodes_.health(request_.node_health));
    if (suspects != avoided_ && !suspects.empty()) {
      BatchEvent avoided;
      avoided.kind = EventKind::NodeAvoided;
      avoided.nodes = suspects;
      avoided.message = "their mount or infrastructure failures are most of what they ran";
      observer_.on_event(avoided);
    }
    avoided_ = std::move(suspects);
    for (JobSpec& spec : specs) {
      spec.avoid_nodes = avoided_;
    }
  }

  // One listing for the whole cycle. A first listing that fails ends the
  // run (not logged in, a wrong project); later ones get a few cycles.
  bool look() {
    for (int failed = 1;; ++failed) {
      auto listing = call_with_retries(clock_, cancel_, request_.call_retry,
                                       [this] { return backend_.list_workloads(); });
      ++report_.listings;
      if (listing) {
        plan_.observe(*listing, clock_.now(), events_);
        flush_events();
        return true;
      }
      if (cancel_.stop_requested()) {
        report_.interrupted = true;  // Ctrl-C cut the call short: not a cluster failure
        return false;
      }
      // Once the batch is under way a failing cluster gets a few cycles; a
      // first listing that fails ends the run with its error at once.
      if (plan_.listings() == 0 || failed >= request_.plan.stage.max_failed_cycles) {
        report_.fatal = listing.error();
        return false;
      }
      BatchEvent event;
      event.kind = EventKind::ListingFailed;
      event.message = listing.error().message;
      event.again = true;
      observer_.on_event(event);
      if (!wait_for(request_.plan.poll_interval)) {
        return false;
      }
    }
  }

  // `traitctl cap N` from another terminal: applied once, at the next cycle.
  void take_cap_request() {
    if (!request_.poll_cap_request) {
      return;
    }
    auto requested = request_.poll_cap_request();
    if (!requested) {
      BatchEvent unreadable;
      unreadable.kind = EventKind::CapFileUnreadable;
      unreadable.message = requested.error().message;
      observer_.on_event(unreadable);
    } else if (*requested) {
      cap_changed(apply_cap_request(cap_, **requested, clock_.now(), request_.adaptive));
    }
  }

  // The cap controller's verdict on one finished attempt.
  void attempt_finished(int trait, bool mount_failure) {
    std::optional<TimePoint> submitted_at;
    const TraitRecord& record = plan_.recorded(trait);
    for (const auto& attempt : record.attempts) {
      if (attempt.number == current_attempt(record)) {
        submitted_at = attempt.submitted_at;
      }
    }
    cap_changed(
        observe_finish(cap_, FinishedAttempt{mount_failure, submitted_at}, clock_.now(), request_.adaptive));
  }

  void cap_changed(const CapDecision& decision) {
    if (decision.event == CapEvent::None) {
      return;
    }
    ledger_.cap = cap_;
    plan_.set_cap(effective_cap(cap_), cap_.maximum);
    BatchEvent changed;
    changed.kind = EventKind::CapChanged;
    changed.message = describe(decision);
    changed.cap = decision;
    observer_.on_event(changed);
  }

  // A job that exited 0 without its outputs did not complete. Where the
  // outputs cannot be seen from here, exit codes decide, and that is said once.
  void verify_outputs() {
    for (int trait : plan_.to_verify()) {
      const auto check = request_.find_outputs(trait);
      if (!check || check->kind == OutputCheck::Kind::FolderNotVisible) {
        BatchEvent unseen;
        unseen.kind = EventKind::OutputsNotVisible;
        unseen.message = check ? check->path : check.error().message;
        observer_.on_event(unseen);
        plan_.stop_checking_outputs(clock_.now(), events_);
        break;
      }
      const bool found = check->kind == OutputCheck::Kind::Found;
      plan_.outputs_checked(trait, found, found ? "" : "exited 0 without " + check->path, clock_.now(),
                            events_);
    }
    flush_events();
  }

  void classify_failures() {
    for (const auto& [trait, job] : plan_.to_classify()) {
      if (cancel_.stop_requested()) {
        return;  // the next run classifies the rest
      }
      auto evidence = call_with_retries(clock_, cancel_, request_.call_retry,
                                        [&, &failed = job] { return backend_.failure_evidence(failed); });
      if (evidence) {
        plan_.classified(trait, classify_failure(*evidence, request_.classifier), clock_.now(), events_);
      } else if (!cancel_.stop_requested()) {
        plan_.evidence_failed(trait, evidence.error(), clock_.now(), events_);
      }
      flush_events();
    }
  }

  // Intents are on disk before any delete is sent: a crash in between is
  // completed by the next run, never lost and never counted twice.
  bool delete_due() {
    const auto deletes = plan_.deletes_due(clock_.now(), events_);
    flush_events();
    if (deletes.empty()) {
      return true;
    }
    if (!save()) {
      return false;
    }
    for (const auto& [trait, job] : deletes) {
      const Result<DeleteOutcome> answer =
          cancel_.stop_requested()
              ? Result<DeleteOutcome>(make_error(ErrorKind::Interrupted, "not sent: interrupted"))
              : call_with_retries(clock_, cancel_, request_.call_retry,
                                  [&, &old = job] { return backend_.remove(old); });
      plan_.delete_answered(trait, answer, clock_.now(), events_);
      flush_events();
    }
    return true;  // the answers are saved with the next save: see wait_for
  }

  bool submit_due() {
    const auto orders = plan_.submissions_due(clock_.now());
    if (orders.empty()) {
      return true;
    }
    if (!save()) {  // every submission is recorded before it is sent
      return false;
    }
    std::vector<JobSpec> specs;
    specs.reserve(orders.size());
    for (const auto& order : orders) {
      TraitRecord& record = plan_.record(order.trait);
      if (!order.resubmission && is_first_job(record)) {
        record.oom_retries = starting_tier(record, ledger_.learned_memory_tier, top_tier());
      }
      specs.push_back(request_.job_for(order.trait, order.attempt, record));
      BatchEvent sending;
      sending.kind = order.resubmission ? EventKind::Resubmitting : EventKind::Submitting;
      sending.trait = order.trait;
      sending.job = specs.back().name;
      sending.attempt = order.attempt;
      sending.retry_number = order.retry_number;
      sending.retry_budget = order.retry_budget;
      sending.memory = specs.back().memory;
      sending.cpu = specs.back().cpu;
      const auto& pending = record.pending;
      sending.manual = pending && pending->kind == IntentKind::Manual;
      observer_.on_event(sending);
    }
    avoid_suspect_nodes(specs);
    if (plan_.oversized_alone()) {
      BatchEvent oversized;
      oversized.kind = EventKind::OversizedJob;
      oversized.trait = orders.front().trait;
      oversized.job = specs.front().name;
      oversized.cpu = specs.front().cpu;
      oversized.memory = specs.front().memory;
      observer_.on_event(oversized);
    }
    SequentialSubmitRunner sequential;
    SubmitRunner& runner = request_.submit_runner ? *request_.submit_runner : sequential;
    const auto answers = runner.run(specs, request_.parallel_submits, [this](const JobSpec& spec) {
      return submit_one(backend_, spec, clock_, cancel_, request_.call_retry);
    });
    for (std::size_t i = 0; i < orders.size(); ++i) {
      plan_.submit_answered(orders[i].trait, answers[i], specs[i], clock_.now(), events_);
    }
    flush_events();
    return true;  // the answers are saved with the next save: see wait_for
  }

  // False when the cycle's changes could not be saved (report_.fatal says why).
  bool wait_for_next_look() {
    const TimePoint now = clock_.now();
    const auto wait = std::chrono::duration_cast<Duration>(plan_.next_look(now) - now);
    if (wait > Duration::zero()) {
      return wait_for(wait);
    }
    return save_may_wait(now) > Duration::zero() || save();  // looking again at once
  }

  // Saves what changed since the last save, then sleeps until `wait` has
  // passed or the backend says something changed; the observer sees the
  // batch once, then every second of the wait. A wait that ends within
  // `unsaved_at_most` of the last save leaves the save to the next cycle's
  // first one: what was not saved yet are answers and observations, which
  // a crash loses at no cost (intents went to disk before their calls; the
  // next listing shows what the answers said), so a batch whose jobs end at
  // once commits once a cycle, not twice; a reader is never further behind.
  // False when the save failed (report_.fatal says why).
  bool wait_for(Duration wait) {
    WaitProgress progress = plan_.progress();
    progress.next_poll = wait;
    observer_.on_waiting(progress);
    const TimePoint started = clock_.now();
    if (const Duration grace = std::min(wait, save_may_wait(started));
        grace > Duration::zero() && backend_.wait_for_change(clock_, grace, cancel_)) {
      return true;
    }
    if (!save()) {
      return false;
    }
    const auto left = wait - std::chrono::duration_cast<Duration>(clock_.now() - started);
    if (left > Duration::zero()) {
      (void)sleep_in_ticks(
          clock_, left, cancel_,
          [&](Duration ticking) {
            progress.next_poll = ticking;
            observer_.on_wait_tick(progress);
          },
          [&](Duration slice) { return backend_.wait_for_change(clock_, slice, cancel_); });
    }
    return true;
  }

  // The store compares and writes the traits the plan touched since the
  // last save (and the batch row), nothing when nothing changed: a cycle's
  // cost follows what changed, not the size of the batch.
  bool save() {
    if (auto saved = store_changes(); !saved) {
      report_.fatal = saved.error();
      return false;
    }
    return true;
  }

  // How much longer the changes since the last save may stay unsaved.
  [[nodiscard]] Duration save_may_wait(TimePoint now) const {
    if (!last_save_) {
      return Duration::zero();
    }
    return std::max(Duration::zero(),
                    unsaved_at_most - std::chrono::duration_cast<Duration>(now - *last_save_));
  }

  Result<void> store_changes() {
    if (dry_run_) {
      return {};
    }
    last_save_ = clock_.now();
    if (auto saved = request_.save_ledger(ledger_, plan_.touched()); !saved) {
      return saved.error();
    }
    if (request_.avoid_nodes) {
      untallied_.insert(plan_.touched().begin(), plan_.touched().end());
    }
    plan_.forget_touched();
    return {};
  }

  void flush_events() {
    for (auto& event : events_) {
      add_facts(event);
      count(event);
      observer_.on_event(event);
    }
    events_.clear();
  }

  void count(const BatchEvent& event) {
    if (ends_or_classifies(event.kind)) {
      learning_stale_ = true;
    }
    switch (event.kind) {
      case EventKind::Submitted:
        report_.submitted.push_back(event.trait);
        remember_memory(event);
        break;
      case EventKind::Existing: report_.existing.push_back(event.trait); break;
      case EventKind::Resubmitted:
        (event.manual ? report_.resubmitted_manually : report_.retried).push_back(event.trait);
        remember_memory(event);
        break;
      case EventKind::Classified:
        ++report_.failed_found;
        ++report_.by_class[event.classification->failure];
        if (!event.ended_before_run) {
          attempt_finished(event.trait, event.classification->failure == FailureClass::Mount);
        }
        break;
      case EventKind::WouldRetry: report_.would_retry.push_back(event.trait); break;
      case EventKind::Completed: attempt_finished(event.trait, false); break;
      case EventKind::Vanished: report_.vanished.push_back(event.trait); break;
      default: break;
    }
  }

  // The learned tier reads the attempts' ends and classes, which change with
  // these events only: an end before the run's first listing is not
  // announced, but the tier is first worked out after that listing.
  static bool ends_or_classifies(EventKind kind) {
    return kind == EventKind::Completed || kind == EventKind::JobFailed || kind == EventKind::Stopped ||
           kind == EventKind::Classified;
  }

  void remember_memory(const BatchEvent& event) {
    if (!event.memory.empty()) {  // a submission learnt from a listing does not say
      report_.memory[event.trait] = event.memory;
    }
  }

  BatchReport finish();

  Backend& backend_;
  Clock& clock_;
  const CancelToken& cancel_;
  const BatchRequest& request_;
  bool dry_run_;
  Ledger dry_run_copy_;  // a dry run works on a copy: nothing it decides reaches the file
  Ledger& ledger_;
  BatchObserver& observer_;
  BatchPlan plan_;
  CapState cap_;
  Events events_;
  BatchReport report_;
  std::vector<std::string> avoided_;  // the suspect nodes new jobs avoid
  // The longest a quick cycle's changes wait for the next cycle's save.
  static constexpr Duration unsaved_at_most{500};
  std::optional<TimePoint> last_save_;  // when everything the plan had changed was saved
  bool learning_stale_ = true;          // an attempt ended or was classified since learn_memory looked
  NodeTally nodes_;                     // node health, recounted for the traits that changed
  std::set<int> untallied_;             // saved since nodes_ was brought up to date
};

BatchReport BatchLoop::finish() {
  flush_events();
  // What the last cycle changed, whatever ended the run (a failed save
  // again, but it does not replace the error that ended the run).
  if (auto saved = store_changes(); !saved && !report_.fatal) {
    report_.fatal = saved.error();
  }
  report_.submission_stop = plan_.submission_stop();
  report_.cap = cap_;
  add_final_stages(report_, plan_, request_.plan.stage.mode.submit_new && !dry_run_);
  return report_;
}

}  // namespace

BatchReport run_batch(Backend& backend, Clock& clock, const CancelToken& cancel, const BatchRequest& request,
                      Ledger& ledger, BatchObserver& observer) {
  return BatchLoop(backend, clock, cancel, request, ledger, observer).run();
}

}  // namespace traitctl
