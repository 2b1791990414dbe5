#include "traitctl/core/stage_steps.hpp"

namespace traitctl::steps {

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

}  // namespace traitctl::steps
