// A trait's stage rules for what the loop learnt by asking (core/trait_stage.hpp):
// a failure's class, a delete's or a submit's answer, the outputs check, and
// what comes after a failure.
#include "traitctl/core/trait_stage.hpp"

#include <variant>

#include "traitctl/core/stage_steps.hpp"

namespace traitctl {

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
  BatchEvent classified = steps::event(EventKind::Classified, progress);
  classified.classification = classification;
  classified.ended_before_run = !progress.end_is_news;
  events.push_back(classified);
  progress.retry_class = classification.failure;
  decide_next(progress, record, now, listing, rules, events);
}

void apply_evidence_failure(TraitProgress& progress, TraitRecord& record, const Error& error, TimePoint now,
                            std::uint64_t listing, const StageRules& rules, Events& events) {
  const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
  events.push_back(steps::failure_event(EventKind::EvidenceFailed, progress, error.message, again));
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
  BatchEvent decided = steps::event(EventKind::NotRetryable, progress);
  decided.classification = progress.failure;
  decided.retry_budget = retry_budget(failure, rules.policy);
  if (std::holds_alternative<NotRetryable>(decision)) {
    decided.message = std::string(failure_reason(failure));
    events.push_back(decided);
    steps::settle(progress, Settlement::NotRetryable, now);
    return;
  }
  if (const auto* out = std::get_if<OutOfRetries>(&decision)) {
    record_out_of_retries(record);
    decided.kind = EventKind::OutOfRetries;
    decided.retry_number = out->retries_used;
    events.push_back(decided);
    steps::settle(progress, Settlement::OutOfRetries, now);
    return;
  }
  if (const auto* wait = std::get_if<WaitUntil>(&decision)) {
    decided.retry_number = wait->retry_number;
    decided.eligible_at = wait->eligible_at;
    progress.eligible_at = wait->eligible_at;
    progress.retry_number = wait->retry_number;
    if (rules.mode.dry_run) {
      decided.kind = EventKind::WouldRetry;
      steps::settle(progress, Settlement::WouldRetry, now);
    } else if (!rules.mode.wait_for_backoff) {
      decided.kind = EventKind::Deferred;
      steps::settle(progress, Settlement::Deferred, now);
    } else {
      decided.kind = EventKind::Backoff;
      if (progress.stage != Stage::Backoff) {
        steps::move_to(progress, Stage::Backoff, now);
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
    steps::settle(progress, Settlement::WouldRetry, now);
    return;
  }
  progress.replace_kind = IntentKind::Automatic;
  progress.decided_at_listing = listing;
  progress.decided_state = progress.job ? progress.job->state : JobState::Failed;
  steps::move_to(progress, Stage::ReplaceDue, now);
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
    steps::old_job_gone(progress, record, now, events);
    return std::nullopt;
  }
  BatchEvent deleting = steps::event(EventKind::Deleting, progress);
  deleting.attempt = intent.attempt;
  deleting.manual = intent.kind == IntentKind::Manual;
  events.push_back(deleting);
  steps::move_to(progress, Stage::Deleting, now);
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
  events.push_back(steps::failure_event(EventKind::DeleteFailed, progress, answer.error().message, again));
  if (!again) {
    steps::settle(progress, Settlement::ReplaceFailed, now);  // the intent stays: a later run completes it
  }
}

int begin_submission(TraitProgress& progress, TraitRecord& record, TimePoint now) {
  steps::move_to(progress, Stage::SubmitSent, now);
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
      steps::move_to(progress, Stage::ResubmitDue, now);
    }
    return;
  }
  if (sent_unlisted(record) && (!progress.answer_lost || !again)) {
    record.pending.reset();  // nothing to hold, or given up: a later run looks afresh
  }
  if (again) {
    steps::move_to(progress, Stage::Unsubmitted, now);
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
  BatchEvent told = steps::event(resubmission ? EventKind::Resubmitted : EventKind::Submitted, progress);
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
        events.push_back(steps::event(EventKind::NameHeld, progress));
        steps::move_to(progress, Stage::Deleting, now);
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
      events.push_back(steps::event(EventKind::Existing, progress));
      return;  // SubmitSent: it holds a slot until a listing shows it
    case SubmitAnswer::Kind::Unanswered: {
      const bool again = progress.failed_cycles + 1 < rules.max_failed_cycles;
      events.push_back(steps::failure_event(EventKind::SubmitUnconfirmed, progress, answer.error, again));
      return;  // SubmitSent: holds a slot until listed, or tried again after the grace
    }
    case SubmitAnswer::Kind::Refused: {
      const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
      events.push_back(steps::failure_event(resubmission ? EventKind::ResubmitFailed : EventKind::SubmitFailed,
                                     progress, answer.error, again));
      progress.error = answer.error;
      back_to_due(progress, record, again, now);
      if (!again) {
        steps::settle(progress, resubmission ? Settlement::ReplaceFailed : Settlement::SubmitFailed, now);
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
    steps::end_attempt(record, AttemptEnd::Succeeded, now, job);
    if (progress.end_is_news) {
      events.push_back(steps::attempt_end_event(EventKind::Completed, progress, record));
    }
    return;
  }
  steps::end_attempt(record, AttemptEnd::Incomplete, now, job);
  Classification incomplete;
  incomplete.failure = FailureClass::Incomplete;
  incomplete.exit_code = 0;
  incomplete.evidence = evidence;
  apply_classification(progress, record, incomplete, now, listing, rules, events);
}

}  // namespace traitctl
