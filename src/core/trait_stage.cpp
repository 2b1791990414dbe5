#include "traitctl/core/trait_stage.hpp"

#include <variant>

namespace traitctl {
namespace {

bool is_one_pass_retry(const BatchMode& mode) {
  return mode.retry_failures && !mode.watch && !mode.submit_new && mode.replace.empty();
}

void move_to(TraitProgress& progress, Stage stage, TimePoint now) {
  if (progress.stage != stage) {
    progress.stage = stage;
    progress.stage_since = now;
  }
}

void settle(TraitProgress& progress, Settlement why, TimePoint now) {
  move_to(progress, Stage::Settled, now);
  progress.settled = why;
}

BatchEvent event(EventKind kind, const TraitProgress& progress) {
  BatchEvent event;
  event.kind = kind;
  event.trait = progress.trait;
  event.job = progress.name;
  if (progress.job) {
    event.status = progress.job->status;
  }
  return event;
}

BatchEvent failure_event(EventKind kind, const TraitProgress& progress, std::string message, bool again) {
  BatchEvent failed = event(kind, progress);
  failed.message = std::move(message);
  failed.again = again;
  return failed;
}

// The job of a replacement's old attempt, told apart by id where the backend
// has ids (Slurm keeps an ended job listed beside its replacement).
bool is_replaced_job(const TraitRecord& record, const Workload& listed) {
  return record.pending && !record.pending->replaces_id.empty() && listed.id == record.pending->replaces_id;
}

// The job the last submission created, where ids tell it from an older one.
bool is_expected_job(const TraitProgress& progress, const TraitRecord& record, const Workload& listed) {
  if (is_replaced_job(record, listed)) {
    return false;
  }
  return progress.expected_id.empty() || listed.id.empty() || listed.id == progress.expected_id;
}

// The end of the trait's listed attempt, as the journal's trace of it: which
// attempt, what it asked for, and how long it took from its submission.
BatchEvent attempt_end_event(EventKind kind, const TraitProgress& progress, const TraitRecord& record) {
  BatchEvent ended = event(kind, progress);
  ended.attempt = listed_attempt(record);
  if (const AttemptRecord* attempt = find_attempt(record, ended.attempt)) {
    ended.memory = attempt->memory;
    ended.cpu = attempt->cpu;
    if (attempt->submitted_at && attempt->ended_at) {
      ended.duration = std::chrono::duration_cast<Duration>(*attempt->ended_at - *attempt->submitted_at);
    }
  }
  return ended;
}

void end_attempt(TraitRecord& record, AttemptEnd end, TimePoint now, const Workload& job) {
  AttemptRecord& attempt = attempt_record(record, current_attempt(record));
  if (!attempt.end) {
    attempt.end = end;
    attempt.ended_at = now;
  }
  if (attempt.job_id.empty()) {
    attempt.job_id = job.id;
  }
}

// The trait now has `listed` as its job: its stage follows the job's state.
// A job that had already ended before this run's first listing is not news:
// its end is recorded, not announced.
void adopt(TraitProgress& progress, TraitRecord& record, const Workload& listed, TimePoint now,
           const StageRules& rules, Events& events) {
  const bool news = progress.seen || progress.stage != Stage::Unsubmitted || !progress.first_listing;
  // An end names its attempt: the failure line points at that attempt's log.
  const auto announce = [&](EventKind kind) {
    if (news) {
      events.push_back(attempt_end_event(kind, progress, record));
    }
  };
  const bool same_job = progress.job && progress.job->id == listed.id && progress.job->name == listed.name;
  const bool was_failed = progress.stage == Stage::Failed || progress.stage == Stage::Backoff;
  progress.job = listed;
  progress.seen = true;
  if (!listed.id.empty()) {
    record.job_id = listed.id;
  }
  switch (listed.state) {
    case JobState::Succeeded:
      if (progress.stage == Stage::Completed && same_job) {
        return;
      }
      if (rules.check_outputs && progress.in_scope) {
        // Done only once its outputs are found (verify_outputs).
        progress.outputs_verified = false;
        progress.end_is_news = news;
      } else {
        end_attempt(record, AttemptEnd::Succeeded, now, listed);
        announce(EventKind::Completed);
      }
      move_to(progress, Stage::Completed, now);
      return;
    case JobState::Failed:
      if (was_failed && same_job) {
        return;  // still the failure being dealt with
      }
      if (progress.stage == Stage::Settled && same_job) {
        return;  // already decided this run
      }
      end_attempt(record, AttemptEnd::Failed, now, listed);
      announce(EventKind::JobFailed);
      progress.end_is_news = news;
      progress.failure.reset();
      move_to(progress, Stage::Failed, now);
      if (!rules.mode.retry_failures || !progress.in_scope) {
        settle(progress, Settlement::LeftAlone, now);
      }
      return;
    case JobState::Stopped:
      if (!(progress.stage == Stage::Settled && progress.settled == Settlement::Stopped)) {
        end_attempt(record, AttemptEnd::Stopped, now, listed);
        announce(EventKind::Stopped);
        settle(progress, Settlement::Stopped, now);
      }
      return;
    case JobState::Pending:
    case JobState::Running:
    case JobState::OtherActive:
    case JobState::Deleting:
    case JobState::Unknown: move_to(progress, Stage::Active, now); return;
  }
}

// What the attempt the event names was sent with, as the ledger recorded it.
void sent_with(BatchEvent& told, const TraitRecord& record) {
  if (const AttemptRecord* attempt = find_attempt(record, told.attempt)) {
    told.memory = attempt->memory;
    told.cpu = attempt->cpu;
  }
}

// A listing shows the job of a submission sent and not listed before: its
// Sent intent is done with. Whose the job is: an earlier traitctl's, where one
// sent it (existing for this run); this run's, where a call of this run may
// have created it unanswered (submitted or resubmitted, learnt from the
// listing).
void listed_after_sending(TraitProgress& progress, TraitRecord& record, const Workload& listed,
                          const StageRules& rules, Events& events) {
  if (sent_unlisted(record)) {
    record.pending.reset();
  }
  if (progress.inherited) {
    progress.inherited = false;
    progress.answer_lost = false;
    if (rules.mode.submit_new && !progress.created_by_us && !progress.existed) {
      BatchEvent existing = event(EventKind::Existing, progress);
      existing.status = listed.status;
      existing.message = "submitted by an earlier traitctl of the batch";
      events.push_back(existing);
      progress.existed = true;
    }
    return;
  }
  if (!progress.answer_lost || progress.existed) {
    return;
  }
  // The unanswered submission went through: this run created the job.
  const PendingIntent* intent = resubmission_intent(record);
  BatchEvent created = event(intent != nullptr ? EventKind::Resubmitted : EventKind::Submitted, progress);
  created.attempt = intent != nullptr ? intent->attempt : current_attempt(record);
  created.manual = intent != nullptr && intent->kind == IntentKind::Manual;
  created.message = "learnt from the listing";
  sent_with(created, record);
  events.push_back(created);
  if (intent != nullptr) {
    record_resubmitted(record);
    ++progress.resubmissions;
  } else {
    progress.created_by_us = true;
  }
  progress.answer_lost = false;
}

// A resubmission whose job turns up in a listing went through, whatever its
// answer was (a run that stopped, an answer lost).
void resubmission_seen(TraitProgress& progress, TraitRecord& record, const Workload& listed, TimePoint now,
                       const StageRules& rules, Events& events) {
  const PendingIntent* intent = resubmission_intent(record);
  BatchEvent seen = event(EventKind::Resubmitted, progress);
  seen.attempt = intent != nullptr ? intent->attempt : current_attempt(record);
  seen.manual = intent != nullptr && intent->kind == IntentKind::Manual;
  seen.message = "learnt from the listing";
  sent_with(seen, record);
  events.push_back(seen);
  record_resubmitted(record);
  ++progress.resubmissions;
  progress.answer_lost = false;
  progress.failed_cycles = 0;
  progress.failure.reset();
  adopt(progress, record, listed, now, rules, events);
}

// A job seen before is missing without a delete: it keeps its slot until a
// second listing agrees, then the trait starts over (or is reported).
void job_missing(TraitProgress& progress, TimePoint now, const StageRules& rules, Events& events) {
  if (!progress.seen || ++progress.missing < 2) {
    return;
  }
  events.push_back(failure_event(EventKind::Vanished, progress, "deleted by someone else", false));
  progress.job.reset();
  progress.missing = 0;
  progress.seen = false;
  progress.failure.reset();
  if (rules.mode.submit_new) {
    move_to(progress, Stage::Unsubmitted, now);
  } else {
    settle(progress, Settlement::Vanished, now);
  }
}

void observe_sent(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                  const StageRules& rules, Events& events) {
  if (listed != nullptr && is_expected_job(progress, record, *listed)) {
    listed_after_sending(progress, record, *listed, rules, events);
    progress.answer_lost = false;
    progress.failed_cycles = 0;
    adopt(progress, record, *listed, now, rules, events);
    return;
  }
  if (now - progress.stage_since < rules.unlisted_grace) {
    return;
  }
  if (progress.existed) {
    // Someone else's job holds the name but no listing shows it: ask again.
    progress.existed = false;
    move_to(progress, Stage::Unsubmitted, now);
    return;
  }
  // No listing has shown it for the grace period: the CLI lost it. Tried
  // again; an "already exists" then is this run's own job.
  progress.answer_lost = true;
  const bool resubmission = resubmission_intent(record) != nullptr;
  const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
  events.push_back(failure_event(resubmission ? EventKind::ResubmitFailed : EventKind::SubmitFailed, progress,
                                 "no listing has shown the submitted job", again));
  if (!again) {
    if (sent_unlisted(record)) {
      record.pending.reset();  // given up: a later run looks afresh
    }
    settle(progress, resubmission ? Settlement::ReplaceFailed : Settlement::SubmitFailed, now);
  } else {
    move_to(progress, resubmission ? Stage::ResubmitDue : Stage::Unsubmitted, now);
  }
}

void old_job_gone(TraitProgress& progress, TraitRecord& record, TimePoint now, Events& events) {
  if (record.pending) {
    record.pending->old_job_gone = true;
  }
  events.push_back(event(EventKind::Gone, progress));
  progress.job.reset();
  progress.delete_errored = false;
  progress.failed_cycles = 0;
  move_to(progress, Stage::ResubmitDue, now);
}

void observe_replacement(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                         std::uint64_t listing, const StageRules& rules, Events& events) {
  if (listed == nullptr) {
    progress.job.reset();
    if (record.pending) {
      old_job_gone(progress, record, now, events);
    } else {
      progress.decided_at_listing = 0;  // nothing to delete: the replacement may go ahead now
    }
    return;
  }
  if (record.pending && !record.pending->replaces_id.empty() && !is_replaced_job(record, *listed)) {
    resubmission_seen(progress, record, *listed, now, rules, events);  // a newer job than the one replaced
    return;
  }
  // Still as it was when the replacement was decided: failed, or succeeded
  // without its outputs.
  const bool still_failed = listed->state == progress.decided_state || listed->state == JobState::Deleting;
  if (record.pending) {
    if (still_failed || record.pending->forced) {
      progress.job = *listed;  // the delete of a run that stopped goes ahead
    } else {
      // Not failed any more with an intent on record: the resubmission of a
      // run that stopped went through.
      resubmission_seen(progress, record, *listed, now, rules, events);
    }
    return;
  }
  if (progress.replace_kind == IntentKind::Automatic && !still_failed) {
    // Nothing that changed since it was classified is ever deleted.
    events.push_back(event(EventKind::ChangedBeforeDelete, progress));
    progress.decided_at_listing = listing;
    adopt(progress, record, *listed, now, rules, events);
    return;
  }
  progress.job = *listed;
}

void observe_deleting(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                      const StageRules& rules, Events& events) {
  const bool gone = listed == nullptr ||
                    (!rules.unique_names && (!is_replaced_job(record, *listed) || has_ended(listed->state)));
  if (gone) {
    if (listed != nullptr && !is_replaced_job(record, *listed) && record.pending &&
        !record.pending->replaces_id.empty()) {
      resubmission_seen(progress, record, *listed, now, rules, events);
      return;
    }
    old_job_gone(progress, record, now, events);
    return;
  }
  progress.job = *listed;
  if (listed->state == JobState::Deleting) {
    progress.delete_errored = false;
    progress.stage_since = now;  // the delete took: its grace runs from the last sighting
    return;
  }
  if (record.pending && record.pending->old_job_gone) {
    // The name was free once: whatever holds it now is a new job.
    resubmission_seen(progress, record, *listed, now, rules, events);
    return;
  }
  // The old job is listed unchanged: the delete did not take, or the listing lags.
  if (progress.delete_errored || now - progress.stage_since >= rules.delete_grace) {
    move_to(progress, Stage::ReplaceDue, now);
    progress.decided_at_listing = 0;
  }
}

}  // namespace

std::string_view to_string(Stage stage) {
  switch (stage) {
    case Stage::Unsubmitted: return "unsubmitted";
    case Stage::SubmitSent: return "submit-sent";
    case Stage::Active: return "active";
    case Stage::Failed: return "failed";
    case Stage::Backoff: return "backoff";
    case Stage::ReplaceDue: return "replace-due";
    case Stage::Deleting: return "deleting";
    case Stage::ResubmitDue: return "resubmit-due";
    case Stage::Completed: return "completed";
    case Stage::Settled: return "settled";
  }
  return "unsubmitted";
}

TraitProgress start_trait(int trait, std::string name, const TraitRecord& record, const StageRules& rules,
                          TimePoint now) {
  TraitProgress progress;
  progress.trait = trait;
  progress.name = std::move(name);
  progress.stage_since = now;
  const bool named = rules.mode.replace.contains(trait);
  if (sent_unlisted(record) && !rules.mode.dry_run && !named) {
    // Sent by an earlier traitctl, not listed then: it holds its slot, and is
    // not sent again, until a listing shows it or the grace has passed.
    progress.inherited = true;
    progress.expected_id = record.job_id;
    move_to(progress, Stage::SubmitSent, now);
    progress.stage_since = std::min(now, record.pending->recorded_at);
  } else if (resubmission_intent(record) != nullptr && !rules.mode.dry_run) {
    progress.replace_kind = record.pending->kind;
    progress.answer_lost = record.pending->submit_sent;
    move_to(progress, record.pending->old_job_gone ? Stage::ResubmitDue : Stage::ReplaceDue, now);
  } else if (named) {
    progress.replace_kind = IntentKind::Manual;
    move_to(progress, Stage::ReplaceDue, now);
  }
  return progress;
}

void observe_job(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                 std::uint64_t listing, const StageRules& rules, Events& events) {
  const bool first_listing = listing == 1;
  progress.first_listing = first_listing;
  if (sent_unlisted(record) && progress.stage != Stage::SubmitSent && progress.stage != Stage::Unsubmitted) {
    record.pending.reset();  // a Sent intent belongs to a submission under way only
  }
  progress.listed = listed != nullptr;
  if (listed != nullptr) {
    progress.missing = 0;
  }
  // A one-pass retry deals with the failures its first listing shows, and
  // with resubmissions under way.
  if (first_listing && is_one_pass_retry(rules.mode)) {
    progress.in_scope =
        resubmission_intent(record) != nullptr || (listed != nullptr && listed->state == JobState::Failed);
  }
  switch (progress.stage) {
    case Stage::Unsubmitted:
      if (listed != nullptr && !is_replaced_job(record, *listed)) {
        if (progress.answer_lost || sent_unlisted(record)) {
          // Tried again after a call that may have created it: the job is this run's.
          listed_after_sending(progress, record, *listed, rules, events);
        } else if (rules.mode.submit_new && !progress.created_by_us) {
          BatchEvent existing = event(EventKind::Existing, progress);
          existing.status = listed->status;
          events.push_back(existing);
          progress.existed = true;
        }
        adopt(progress, record, *listed, now, rules, events);
      }
      return;
    case Stage::SubmitSent: observe_sent(progress, record, listed, now, rules, events); return;
    case Stage::ReplaceDue:
      if (first_listing && !record.pending && listed != nullptr && !rules.mode.force &&
          holds_slot(listed->state)) {
        progress.job = *listed;
        events.push_back(failure_event(EventKind::NotRetryable, progress,
                                       "its job is active: resubmit it with --force", false));
        settle(progress, Settlement::Refused, now);
        return;
      }
      if (first_listing && !record.pending && listed != nullptr && !rules.mode.force &&
          listed->state == JobState::Succeeded) {
        progress.job = *listed;
        events.push_back(failure_event(EventKind::NotRetryable, progress,
                                       "its job completed: resubmit it with --force", false));
        settle(progress, Settlement::Refused, now);
        return;
      }
      if (rules.mode.dry_run) {
        BatchEvent would = event(EventKind::WouldRetry, progress);
        would.manual = true;
        would.status = listed != nullptr ? listed->status : "";  // the plan shows what it would replace
        events.push_back(would);
        settle(progress, Settlement::WouldRetry, now);
        return;
      }
      observe_replacement(progress, record, listed, now, listing, rules, events);
      return;
    case Stage::Deleting: observe_deleting(progress, record, listed, now, rules, events); return;
    case Stage::ResubmitDue:
      if (listed != nullptr && !is_replaced_job(record, *listed) && record.pending &&
          record.pending->old_job_gone) {
        resubmission_seen(progress, record, *listed, now, rules, events);
      }
      return;
    case Stage::Active:
    case Stage::Failed:
    case Stage::Backoff:
      if (listed == nullptr) {
        job_missing(progress, now, rules, events);
      } else {
        adopt(progress, record, *listed, now, rules, events);
      }
      return;
    case Stage::Completed:
    case Stage::Settled:
      // A job that changed after the run settled it (a person resubmitted
      // it, say) is watched again; one that was cleaned up changes nothing.
      if (listed != nullptr &&
          (!progress.job || progress.job->state != listed->state || progress.job->id != listed->id) &&
          rules.mode.watch && progress.settled != Settlement::Refused) {
        progress.settled = Settlement::None;
        adopt(progress, record, *listed, now, rules, events);
      }
      return;
  }
}

bool listing_changes_nothing(const TraitProgress& progress, const Workload* listed, std::uint64_t listing) {
  if (listing <= 2) {
    return false;  // the first listing's own rules (news, scope) end with the second
  }
  if (listed == nullptr) {
    return !progress.listed && progress.stage == Stage::Unsubmitted;
  }
  if (!progress.listed || !progress.job || !(*progress.job == *listed)) {
    return false;
  }
  // The job adopt() saw last time: adopt() would leave these as they are.
  // (A Sent intent is never left beside them: a listing that shows the job
  // of a submission removes it.)
  switch (progress.stage) {
    case Stage::Active: return holds_slot(listed->state);
    case Stage::Completed: return listed->state == JobState::Succeeded;
    case Stage::Failed:
    case Stage::Backoff: return listed->state == JobState::Failed;
    case Stage::Settled: return true;  // watched again only once its job changes
    case Stage::Unsubmitted:
    case Stage::SubmitSent:
    case Stage::ReplaceDue:
    case Stage::Deleting:
    case Stage::ResubmitDue: return false;  // their rules also follow the clock and the ledger
  }
  return false;
}

void apply_classification(TraitProgress& progress, TraitRecord& record, const Classification& classification,
                          TimePoint now, std::uint64_t listing, const StageRules& rules, Events& events) {
  progress.failure = classification;
  progress.failed_cycles = 0;
  record_failure_seen(record, classification.failure, now);
  AttemptRecord& attempt = attempt_record(record, current_attempt(record));
  attempt.failure = classification.failure;
  attempt.exit_code = classification.exit_code;
  attempt.evidence = classification.evidence;
  if (classification.failure == FailureClass::Incomplete) {
    attempt.end = AttemptEnd::Incomplete;
  }
  BatchEvent classified = event(EventKind::Classified, progress);
  classified.classification = classification;
  classified.ended_before_run = !progress.end_is_news;
  events.push_back(classified);
  progress.retry_class = classification.failure;
  decide_next(progress, record, now, listing, rules, events);
}

void apply_evidence_failure(TraitProgress& progress, TraitRecord& record, const Error& error, TimePoint now,
                            std::uint64_t listing, const StageRules& rules, Events& events) {
  const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
  events.push_back(failure_event(EventKind::EvidenceFailed, progress, error.message, again));
  if (!again) {
    Classification unknown;
    unknown.evidence = "the backend gave no evidence: " + error.message;
    apply_classification(progress, record, unknown, now, listing, rules, events);
  }
}

void decide_next(TraitProgress& progress, TraitRecord& record, TimePoint now, std::uint64_t listing,
                 const StageRules& rules, Events& events) {
  const FailureClass failure = progress.retry_class;
  const RetryDecision decision = decide_retry(record, failure, rules.policy, now);
  BatchEvent decided = event(EventKind::NotRetryable, progress);
  decided.classification = progress.failure;
  decided.retry_budget = retry_budget(failure, rules.policy);
  if (std::holds_alternative<NotRetryable>(decision)) {
    decided.message = std::string(failure_reason(failure));
    events.push_back(decided);
    settle(progress, Settlement::NotRetryable, now);
    return;
  }
  if (const auto* out = std::get_if<OutOfRetries>(&decision)) {
    record_out_of_retries(record);
    decided.kind = EventKind::OutOfRetries;
    decided.retry_number = out->retries_used;
    events.push_back(decided);
    settle(progress, Settlement::OutOfRetries, now);
    return;
  }
  if (const auto* wait = std::get_if<WaitUntil>(&decision)) {
    decided.retry_number = wait->retry_number;
    decided.eligible_at = wait->eligible_at;
    progress.eligible_at = wait->eligible_at;
    progress.retry_number = wait->retry_number;
    if (rules.mode.dry_run) {
      decided.kind = EventKind::WouldRetry;
      settle(progress, Settlement::WouldRetry, now);
    } else if (!rules.mode.wait_for_backoff) {
      decided.kind = EventKind::Deferred;
      settle(progress, Settlement::Deferred, now);
    } else {
      decided.kind = EventKind::Backoff;
      if (progress.stage != Stage::Backoff) {
        move_to(progress, Stage::Backoff, now);
        events.push_back(decided);
      }
    }
    if (decided.kind != EventKind::Backoff) {
      events.push_back(decided);
    }
    return;
  }
  const auto& retry = std::get<RetryNow>(decision);
  progress.retry_number = retry.retry_number;
  progress.eligible_at.reset();
  if (rules.mode.dry_run) {
    decided.kind = EventKind::WouldRetry;
    decided.retry_number = retry.retry_number;
    events.push_back(decided);
    settle(progress, Settlement::WouldRetry, now);
    return;
  }
  progress.replace_kind = IntentKind::Automatic;
  progress.decided_at_listing = listing;
  progress.decided_state = progress.job ? progress.job->state : JobState::Failed;
  move_to(progress, Stage::ReplaceDue, now);
}

std::optional<Workload> begin_replacement(TraitProgress& progress, TraitRecord& record, TimePoint now,
                                          const StageRules& rules, Events& events) {
  const bool first_intent = resubmission_intent(record) == nullptr;
  const PendingIntent intent = record_intent(record, progress.replace_kind, progress.retry_class, now);
  if (first_intent) {
    record.pending->forced = rules.mode.force && progress.replace_kind == IntentKind::Manual;
    if (progress.job) {
      record.pending->replaces_id = progress.job->id;
    }
  }
  progress.failed_cycles = first_intent ? 0 : progress.failed_cycles;
  if (!progress.job || (!rules.unique_names && has_ended(progress.job->state))) {
    // Nothing listed to delete, or a backend whose ended jobs need none.
    old_job_gone(progress, record, now, events);
    return std::nullopt;
  }
  BatchEvent deleting = event(EventKind::Deleting, progress);
  deleting.attempt = intent.attempt;
  deleting.manual = intent.kind == IntentKind::Manual;
  events.push_back(deleting);
  move_to(progress, Stage::Deleting, now);
  progress.delete_errored = false;
  return progress.job;
}

void apply_delete_answer(TraitProgress& progress, const Result<DeleteOutcome>& answer, TimePoint now,
                         const StageRules& rules, Events& events) {
  progress.stage_since = now;
  if (answer) {
    return;  // deleted or not found: the next complete listing decides
  }
  progress.delete_errored = true;
  progress.error = answer.error().message;
  const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
  events.push_back(failure_event(EventKind::DeleteFailed, progress, answer.error().message, again));
  if (!again) {
    settle(progress, Settlement::ReplaceFailed, now);  // the intent stays: a later run completes it
  }
}

int begin_submission(TraitProgress& progress, TraitRecord& record, TimePoint now) {
  move_to(progress, Stage::SubmitSent, now);
  progress.stage_since = now;
  if (PendingIntent* intent = resubmission_intent(record)) {
    intent->submit_sent = true;
    return intent->attempt;
  }
  // Recorded before it is sent: a later traitctl of the batch holds its slot.
  PendingIntent sent;
  sent.kind = IntentKind::Sent;
  sent.attempt = current_attempt(record);
  sent.recorded_at = now;
  sent.submit_sent = true;
  record.pending = sent;
  return sent.attempt;
}

namespace {

// The attempt as it was sent: its memory tier and size, and when.
void record_sent(TraitRecord& record, int attempt, const JobSpec& spec, const std::string& id, TimePoint now) {
  AttemptRecord& entry = attempt_record(record, attempt);
  entry.submitted_at = now;
  entry.job_id = id;
  entry.cpu = spec.cpu;
  entry.memory = spec.memory;
  if (!id.empty()) {
    record.job_id = id;
  }
}

// The submission created the job (answered, or "already exists" after a try
// that may have created it): it holds its slot, under a Sent intent, until a
// listing shows it.
void submission_went_through(TraitProgress& progress, TraitRecord& record, const SubmitAnswer& answer,
                             const JobSpec& spec, int attempt, Ledger& ledger, TimePoint now) {
  const bool resubmission = resubmission_intent(record) != nullptr;
  progress.expected_id = answer.id;
  progress.answer_lost = false;
  progress.inherited = false;
  progress.failed_cycles = 0;
  progress.stage_since = now;
  progress.job.reset();
  progress.seen = false;
  record_sent(record, attempt, spec, answer.id, now);
  if (resubmission) {
    record_resubmitted(record);
    ++progress.resubmissions;
    PendingIntent sent;
    sent.kind = IntentKind::Sent;
    sent.attempt = attempt;
    sent.recorded_at = now;
    sent.submit_sent = true;
    record.pending = sent;
  } else {
    progress.created_by_us = true;
    record_batch_started(ledger, now);
  }
}

// Refused, or never sent: back to waiting for the next try. The intent stays
// sent only where a call may have created the job (answer_lost).
void back_to_due(TraitProgress& progress, TraitRecord& record, bool again, TimePoint now) {
  if (PendingIntent* intent = resubmission_intent(record)) {
    intent->submit_sent = progress.answer_lost;
    if (again) {
      move_to(progress, Stage::ResubmitDue, now);
    }
    return;
  }
  if (sent_unlisted(record) && (!progress.answer_lost || !again)) {
    record.pending.reset();  // nothing to hold, or given up: a later run looks afresh
  }
  if (again) {
    move_to(progress, Stage::Unsubmitted, now);
  }
}

}  // namespace

void apply_submit_answer(TraitProgress& progress, TraitRecord& record, const SubmitAnswer& answer,
                         const JobSpec& spec, Ledger& ledger, TimePoint now, const StageRules& rules,
                         Events& events) {
  PendingIntent* intent = resubmission_intent(record);
  const bool resubmission = intent != nullptr;
  const int attempt = resubmission ? intent->attempt : current_attempt(record);
  // While no listing has shown the name since the submission was decided, a
  // job of the name after a try that may have created it is this run's; a
  // resubmission is only ever sent once a complete listing showed the old job
  // gone. An earlier traitctl's unlisted submission holds it otherwise.
  const bool maybe_ours = answer.may_have_created || (progress.answer_lost && !progress.inherited);
  const bool ours_after_all = answer.kind == SubmitAnswer::Kind::AlreadyExists && maybe_ours &&
                              (!resubmission || intent->old_job_gone);
  BatchEvent told = event(resubmission ? EventKind::Resubmitted : EventKind::Submitted, progress);
  told.attempt = attempt;
  told.calls = answer.calls;
  told.manual = resubmission && intent->kind == IntentKind::Manual;
  told.memory = spec.memory;
  told.cpu = spec.cpu;
  if (answer.kind == SubmitAnswer::Kind::Created || ours_after_all) {
    if (ours_after_all) {
      told.message = "an earlier try was not answered but created it";
    }
    submission_went_through(progress, record, answer, spec, attempt, ledger, now);
    events.push_back(told);
    return;
  }
  if (answer.may_have_created || answer.kind == SubmitAnswer::Kind::Unanswered) {
    progress.answer_lost = true;
    record_sent(record, attempt, spec, "", now);  // the tier it was sent with, should it have been created
  }
  switch (answer.kind) {
    case SubmitAnswer::Kind::AlreadyExists:
      if (resubmission) {
        // The old job still holds the name: wait until a listing shows it gone.
        intent->old_job_gone = false;
        intent->submit_sent = false;
        events.push_back(event(EventKind::NameHeld, progress));
        move_to(progress, Stage::Deleting, now);
        progress.delete_errored = true;  // delete it again if it stays listed unchanged
        return;
      }
      if (progress.created_by_us) {
        return;  // this run's own job, missed by two listings: it holds a slot until one shows it
      }
      if (sent_unlisted(record)) {
        record.pending.reset();  // someone else's job: a listing will show it
      }
      progress.existed = true;
      progress.inherited = false;
      events.push_back(event(EventKind::Existing, progress));
      return;  // SubmitSent: it holds a slot until a listing shows it
    case SubmitAnswer::Kind::Unanswered: {
      const bool again = progress.failed_cycles + 1 < rules.max_failed_cycles;
      events.push_back(failure_event(EventKind::SubmitUnconfirmed, progress, answer.error, again));
      return;  // SubmitSent: holds a slot until listed, or tried again after the grace
    }
    case SubmitAnswer::Kind::Refused: {
      const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
      events.push_back(failure_event(resubmission ? EventKind::ResubmitFailed : EventKind::SubmitFailed,
                                     progress, answer.error, again));
      progress.error = answer.error;
      back_to_due(progress, record, again, now);
      if (!again) {
        settle(progress, resubmission ? Settlement::ReplaceFailed : Settlement::SubmitFailed, now);
      }
      return;
    }
    case SubmitAnswer::Kind::NotSent: back_to_due(progress, record, true, now); return;
    case SubmitAnswer::Kind::Created: return;
  }
}

void apply_output_check(TraitProgress& progress, TraitRecord& record, bool found, const std::string& evidence,
                        TimePoint now, std::uint64_t listing, const StageRules& rules, Events& events) {
  progress.outputs_verified = true;
  const Workload job = progress.job.value_or(Workload{progress.name, JobState::Succeeded, "", "", ""});
  if (found) {
    end_attempt(record, AttemptEnd::Succeeded, now, job);
    if (progress.end_is_news) {
      events.push_back(attempt_end_event(EventKind::Completed, progress, record));
    }
    return;
  }
  end_attempt(record, AttemptEnd::Incomplete, now, job);
  Classification incomplete;
  incomplete.failure = FailureClass::Incomplete;
  incomplete.exit_code = 0;
  incomplete.evidence = evidence;
  apply_classification(progress, record, incomplete, now, listing, rules, events);
}

bool is_open(const TraitProgress& progress, const StageRules& rules) {
  if (!progress.in_scope) {
    return false;
  }
  switch (progress.stage) {
    case Stage::Unsubmitted: return rules.mode.submit_new && !rules.mode.dry_run;
    case Stage::SubmitSent:
      // An earlier traitctl's submission is waited for where this one submits:
      // the report says it exists once a listing shows it.
      return rules.mode.watch || progress.answer_lost || (progress.inherited && rules.mode.submit_new);
    case Stage::Active: return rules.mode.watch;
    case Stage::Failed: return rules.mode.retry_failures && !rules.mode.dry_run;
    case Stage::Backoff: return rules.mode.wait_for_backoff;
    case Stage::ReplaceDue:
    case Stage::Deleting:
    case Stage::ResubmitDue: return !rules.mode.dry_run;
    case Stage::Completed: return !progress.outputs_verified;
    case Stage::Settled: return false;
  }
  return false;
}

bool holds_unlisted_slot(const TraitProgress& progress) {
  if (progress.listed) {
    return false;  // counted from the listing
  }
  if (progress.stage == Stage::SubmitSent) {
    return true;
  }
  return progress.missing > 0 && progress.job && holds_slot(progress.job->state);
}

}  // namespace traitctl
