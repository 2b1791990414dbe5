#include "traitctl/core/trait_stage.hpp"

#include "traitctl/core/stage_steps.hpp"

namespace traitctl {
namespace {

bool is_one_pass_retry(const BatchMode& mode) {
  return mode.retry_failures && !mode.watch && !mode.submit_new && mode.replace.empty();
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

// The trait now has `listed` as its job: its stage follows the job's state.
// A job that had already ended before this run's first listing is not news:
// its end is recorded, not announced.
void adopt(TraitProgress& progress, TraitRecord& record, const Workload& listed, TimePoint now,
           const StageRules& rules, Events& events) {
  const bool news = progress.seen || progress.stage != Stage::Unsubmitted || !progress.first_listing;
  // An end names its attempt: the failure line points at that attempt's log.
  const auto announce = [&](EventKind kind) {
    if (news) {
      events.push_back(steps::attempt_end_event(kind, progress, record));
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
        steps::end_attempt(record, AttemptEnd::Succeeded, now, listed);
        announce(EventKind::Completed);
      }
      steps::move_to(progress, Stage::Completed, now);
      return;
    case JobState::Failed:
      if (was_failed && same_job) {
        return;  // still the failure being dealt with
      }
      if (progress.stage == Stage::Settled && same_job) {
        return;  // already decided this run
      }
      steps::end_attempt(record, AttemptEnd::Failed, now, listed);
      announce(EventKind::JobFailed);
      progress.end_is_news = news;
      progress.failure.reset();
      steps::move_to(progress, Stage::Failed, now);
      if (!rules.mode.retry_failures || !progress.in_scope) {
        steps::settle(progress, Settlement::LeftAlone, now);
      }
      return;
    case JobState::Stopped:
      if (!(progress.stage == Stage::Settled && progress.settled == Settlement::Stopped)) {
        steps::end_attempt(record, AttemptEnd::Stopped, now, listed);
        announce(EventKind::Stopped);
        steps::settle(progress, Settlement::Stopped, now);
      }
      return;
    case JobState::Pending:
    case JobState::Running:
    case JobState::OtherActive:
    case JobState::Deleting:
    case JobState::Unknown: steps::move_to(progress, Stage::Active, now); return;
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
      BatchEvent existing = steps::event(EventKind::Existing, progress);
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
  BatchEvent created = steps::event(intent != nullptr ? EventKind::Resubmitted : EventKind::Submitted, progress);
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
  BatchEvent seen = steps::event(EventKind::Resubmitted, progress);
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
  events.push_back(steps::failure_event(EventKind::Vanished, progress, "deleted by someone else", false));
  progress.job.reset();
  progress.missing = 0;
  progress.seen = false;
  progress.failure.reset();
  if (rules.mode.submit_new) {
    steps::move_to(progress, Stage::Unsubmitted, now);
  } else {
    steps::settle(progress, Settlement::Vanished, now);
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
    steps::move_to(progress, Stage::Unsubmitted, now);
    return;
  }
  // No listing has shown it for the grace period: the CLI lost it. Tried
  // again; an "already exists" then is this run's own job.
  progress.answer_lost = true;
  const bool resubmission = resubmission_intent(record) != nullptr;
  const bool again = ++progress.failed_cycles < rules.max_failed_cycles;
  events.push_back(steps::failure_event(resubmission ? EventKind::ResubmitFailed : EventKind::SubmitFailed, progress,
                                 "no listing has shown the submitted job", again));
  if (!again) {
    if (sent_unlisted(record)) {
      record.pending.reset();  // given up: a later run looks afresh
    }
    steps::settle(progress, resubmission ? Settlement::ReplaceFailed : Settlement::SubmitFailed, now);
  } else {
    steps::move_to(progress, resubmission ? Stage::ResubmitDue : Stage::Unsubmitted, now);
  }
}

void observe_replacement(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                         std::uint64_t listing, const StageRules& rules, Events& events) {
  if (listed == nullptr) {
    progress.job.reset();
    if (record.pending) {
      steps::old_job_gone(progress, record, now, events);
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
    events.push_back(steps::event(EventKind::ChangedBeforeDelete, progress));
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
    steps::old_job_gone(progress, record, now, events);
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
    steps::move_to(progress, Stage::ReplaceDue, now);
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
    steps::move_to(progress, Stage::SubmitSent, now);
    progress.stage_since = std::min(now, record.pending->recorded_at);
  } else if (resubmission_intent(record) != nullptr && !rules.mode.dry_run) {
    progress.replace_kind = record.pending->kind;
    progress.answer_lost = record.pending->submit_sent;
    steps::move_to(progress, record.pending->old_job_gone ? Stage::ResubmitDue : Stage::ReplaceDue, now);
  } else if (named) {
    progress.replace_kind = IntentKind::Manual;
    steps::move_to(progress, Stage::ReplaceDue, now);
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
          BatchEvent existing = steps::event(EventKind::Existing, progress);
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
        events.push_back(steps::failure_event(EventKind::NotRetryable, progress,
                                       "its job is active: resubmit it with --force", false));
        steps::settle(progress, Settlement::Refused, now);
        return;
      }
      if (first_listing && !record.pending && listed != nullptr && !rules.mode.force &&
          listed->state == JobState::Succeeded) {
        progress.job = *listed;
        events.push_back(steps::failure_event(EventKind::NotRetryable, progress,
                                       "its job completed: resubmit it with --force", false));
        steps::settle(progress, Settlement::Refused, now);
        return;
      }
      if (rules.mode.dry_run) {
        BatchEvent would = steps::event(EventKind::WouldRetry, progress);
        would.manual = true;
        would.status = listed != nullptr ? listed->status : "";  // the plan shows what it would replace
        events.push_back(would);
        steps::settle(progress, Settlement::WouldRetry, now);
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
