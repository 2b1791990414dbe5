// One trait's way through a batch run: an explicit stage and the pure rules
// that move it, from what a complete listing shows and what the backend
// answered. Each truth rule lives here, once:
// - every submission is recorded (a Sent intent) before it is sent; a name
//   traitctl tried to submit holds a slot from the attempt until a listing
//   shows it, or until listings have not shown it for a grace period (then it
//   is tried again) -- in a later traitctl of the batch too, which does not
//   send it again meanwhile and reports the job it then finds as existing;
// - a call may have created the job unanswered when it got no answer or the
//   CLI said it failed (FORMATS.md: "a submit that says failed may have
//   created the job"). Then, while no listing of this run has shown the name,
//   a job of the name that turns up (listed, or "already exists" on a later
//   try) is this run's: a first submission is reported as submitted by this
//   run; a resubmission (always sent after a complete listing showed the old
//   job gone) is the new attempt, adopted -- never deleted, counted once, its
//   memory tier the one it was sent with;
// - otherwise "already exists" is someone else's job for a first submission,
//   and for a resubmission it means the old job still holds the name: wait
//   for it to go and try again;
// - after any delete (answered, unanswered or "not found") a resubmission is
//   sent only once a complete listing shows the old job gone;
// - a job seen before and now missing without a delete still holds its slot
//   until a second listing agrees it is gone (pages shift between calls);
// - "submitted" is a job this run created, never an "already exists" probe;
// - Stopped is not completed.
// The loop (core/batch_engine.hpp) makes the calls; the plan
// (core/batch_plan.hpp) holds one TraitProgress per trait and the gate.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/batch_event.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl {

// What a command lets the loop do.
struct BatchMode {
  bool submit_new = false;       // submit traits that have no job (submit, run)
  bool retry_failures = false;   // classify failed jobs and retry what a retry can fix (retry, run)
  bool watch = false;            // keep going until every trait is settled (run, retry --watch)
  std::set<int> replace;         // resubmit: replace these traits' jobs
  bool force = false;            // resubmit --force: also jobs that are active or completed
  bool dry_run = false;          // decide and report; change nothing
  bool wait_for_backoff = true;  // false (retry --no-wait): leave traits in backoff for a later run
};

struct StageRules {
  BatchMode mode;
  RetryPolicy policy;
  bool unique_names = true;
  // A submitted name no listing has shown for this long is tried again.
  Duration unlisted_grace{300'000};
  // A deleted job still listed unchanged (not Deleting) this long is deleted again.
  Duration delete_grace{60'000};
  // A call for a trait that fails this many cycles in a row gives the trait up.
  int max_failed_cycles = 3;
  // A job that succeeded is done only once its expected outputs are found.
  bool check_outputs = false;
};

enum class Stage {
  Unsubmitted,  // no job yet
  SubmitSent,   // submitted, not yet listed: holds a slot
  Active,       // listed, holding a slot
  Failed,       // listed failed; to be classified where the command retries
  Backoff,      // a retry decided, waiting until eligible_at
  ReplaceDue,   // the job is to be replaced: its delete (where one is needed) is due
  Deleting,     // the delete was sent: waiting for a listing without the old job
  ResubmitDue,  // the old job is gone: the resubmission waits for a slot
  Completed,    // succeeded
  Settled,      // nothing more for this run to do (`settled` says why)
};

enum class Settlement {
  None,
  LeftAlone,      // outside what the command does (a failure `submit` does not retry, ...)
  NotRetryable,   // a person must fix it
  OutOfRetries,   // its class's budget is used up
  Stopped,        // stopped or cancelled: never completed
  SubmitFailed,   // the first submission kept failing
  ReplaceFailed,  // the delete or the resubmission kept failing (the intent stays for a later run)
  Vanished,       // someone else removed its job
  Deferred,       // --no-wait: in backoff
  WouldRetry,     // dry run: would be retried
  Refused,        // resubmit without --force of a job that is active or completed
};

[[nodiscard]] std::string_view to_string(Stage stage);

struct TraitProgress {
  int trait = 0;
  std::string name;  // PREFIX-<trait>
  Stage stage = Stage::Unsubmitted;
  Settlement settled = Settlement::None;
  TimePoint stage_since;
  std::optional<Workload> job;  // as the latest listing showed it
  bool listed = false;          // the latest listing showed the trait's job
  // In what this run does: every trait when watching; in a one-pass retry,
  // those failed at the start; in resubmit, those named.
  bool in_scope = true;
  bool seen = false;           // a listing has shown it at least once
  bool first_listing = false;  // the latest listing is the run's first
  int missing = 0;             // listings in a row without a job seen before, traitctl not having deleted it
  bool answer_lost = false;    // a submission of this attempt may have created the job unanswered
  bool inherited = false;      // an earlier traitctl of the batch sent its submission, not yet listed
  std::string expected_id;     // of the job the last submission created, where the backend has ids
  bool created_by_us = false;  // this run created its first job
  bool existed = false;        // its first submission found the name taken
  int failed_cycles = 0;       // cycles in a row whose call for this trait failed
  std::optional<Classification> failure;  // of the current failed job
  FailureClass retry_class = FailureClass::Unknown;
  IntentKind replace_kind = IntentKind::Automatic;
  std::optional<TimePoint> eligible_at;
  int retry_number = 0;
  std::uint64_t decided_at_listing = 0;       // ReplaceDue: delete only after a newer listing
  JobState decided_state = JobState::Failed;  // ReplaceDue: the job's state when it was decided
  bool outputs_verified = true;               // Completed: its outputs were found (or are not checked)
  bool end_is_news = false;                   // Completed: its end happened during this run
  bool delete_errored = false;
  std::string error;      // the last failed call's message
  int resubmissions = 0;  // by this run
};

using Events = std::vector<BatchEvent>;

// The stage a trait starts this run at, from the ledger: a pending intent is
// continued; a trait named for `resubmit` is to be replaced.
[[nodiscard]] TraitProgress start_trait(int trait, std::string name, const TraitRecord& record,
                                        const StageRules& rules, TimePoint now);

// What a complete listing shows of the trait's job: `listed` is the newest
// job of its name, nullptr when there is none. `listing` numbers the listing.
void observe_job(TraitProgress& progress, TraitRecord& record, const Workload* listed, TimePoint now,
                 std::uint64_t listing, const StageRules& rules, Events& events);

// Whether observe_job would change nothing with listing number `listing`,
// told from the progress alone (no record): once a listing after the first
// has been observed, the listing shows the very job the trait holds, unchanged, in a stage only a
// change of that job moves; or shows no job of a trait not yet submitted
// that it did not show last time either.
[[nodiscard]] bool listing_changes_nothing(const TraitProgress& progress, const Workload* listed,
                                           std::uint64_t listing);

// The class of the failed job, and the retry decision that follows.
void apply_classification(TraitProgress& progress, TraitRecord& record, const Classification& classification,
                          TimePoint now, std::uint64_t listing, const StageRules& rules, Events& events);
// Whether a succeeded job's expected outputs exist: if not, the attempt was
// incomplete (`evidence` says what is missing) and is decided as a failure.
void apply_output_check(TraitProgress& progress, TraitRecord& record, bool found, const std::string& evidence,
                        TimePoint now, std::uint64_t listing, const StageRules& rules, Events& events);
// The backend could not give evidence: asked again, then classified unknown.
void apply_evidence_failure(TraitProgress& progress, TraitRecord& record, const Error& error, TimePoint now,
                            std::uint64_t listing, const StageRules& rules, Events& events);

// The retry decision for the trait's failure: settled, in backoff, or due for
// replacement. Called once classified, and again when a backoff has ended.
void decide_next(TraitProgress& progress, TraitRecord& record, TimePoint now, std::uint64_t listing,
                 const StageRules& rules, Events& events);

// Records the intent (counted now, saved before any delete) and moves the
// trait to Deleting, or straight to ResubmitDue where the old job needs no
// delete. Returns the job to delete, if any.
[[nodiscard]] std::optional<Workload> begin_replacement(TraitProgress& progress, TraitRecord& record,
                                                        TimePoint now, const StageRules& rules,
                                                        Events& events);
void apply_delete_answer(TraitProgress& progress, const Result<DeleteOutcome>& answer, TimePoint now,
                         const StageRules& rules, Events& events);

// What a submission's calls came to.
struct SubmitAnswer {
  enum class Kind { Created, AlreadyExists, Refused, Unanswered, NotSent };
  Kind kind = Kind::NotSent;
  std::string id;                        // Created: the new job's id, where the backend tells it
  std::string error;                     // Refused, Unanswered
  // A try may have created the job without saying so: no answer came, or the
  // CLI said it failed (not a refusal before any call: a missing program, a
  // bad setting). With AlreadyExists: a try before the last one.
  bool may_have_created = false;
  int calls = 0;
};

// The trait's submission is sent now: Unsubmitted or ResubmitDue to
// SubmitSent, the intent marked sent (a first submission's recorded as a Sent
// intent): save the ledger before sending. Returns the attempt number it carries.
int begin_submission(TraitProgress& progress, TraitRecord& record, TimePoint now);
void apply_submit_answer(TraitProgress& progress, TraitRecord& record, const SubmitAnswer& answer,
                         const JobSpec& spec, Ledger& ledger, TimePoint now, const StageRules& rules,
                         Events& events);

// Whether the run still has something to do or watch for this trait.
[[nodiscard]] bool is_open(const TraitProgress& progress, const StageRules& rules);
// Whether the trait takes a slot the listing does not show: a submission not
// listed yet, or a job seen active and missing from one listing.
[[nodiscard]] bool holds_unlisted_slot(const TraitProgress& progress);

}  // namespace traitctl
