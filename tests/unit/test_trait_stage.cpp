// One trait's stages and the truth rules that move it, driven step by step
// with listings, answers and times the test chooses: no backend, no clock.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <optional>

#include "traitctl/core/trait_stage.hpp"

namespace traitctl::trait_stage_tests {
namespace {

using std::chrono::milliseconds;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kName = "x-3";

Workload job(JobState state, std::string id = "") {
  return Workload{kName, state, std::string(to_string(state)), std::move(id), ""};
}

Classification classified(FailureClass failure, int exit_code) {
  Classification classification;
  classification.failure = failure;
  classification.exit_code = exit_code;
  classification.evidence = "exit code " + std::to_string(exit_code);
  return classification;
}

SubmitAnswer answer_of(SubmitAnswer::Kind kind) {
  SubmitAnswer answer;
  answer.kind = kind;
  answer.calls = 1;
  if (kind == SubmitAnswer::Kind::Refused || kind == SubmitAnswer::Kind::Unanswered) {
    answer.error = "runai said no";
  }
  return answer;
}

// `run`'s rules unless a test changes them: submit, retry, watch.
class TraitStageTest : public ::testing::Test {
 protected:
  TraitStageTest() {
    rules.mode.submit_new = true;
    rules.mode.retry_failures = true;
    rules.mode.watch = true;
    rules.unlisted_grace = Duration{10'000};
    rules.delete_grace = Duration{5'000};
    rules.policy.retry_delay = Duration{30'000};
    restart();
  }

  // The trait as a new run starts it, from the ledger record as it is.
  void restart() {
    listing = 0;
    progress = start_trait(3, kName, record, rules, now);
  }
  void later(milliseconds duration) { now += duration; }

  // A complete listing that shows `listed` as the trait's job (none: no job of its name).
  std::vector<EventKind> observe(const std::optional<Workload>& listed) {
    events.clear();
    observe_job(progress, record, listed ? &*listed : nullptr, now, ++listing, rules, events);
    return kinds();
  }
  std::vector<EventKind> submit(const SubmitAnswer& answer) {
    events.clear();
    sent_attempt = begin_submission(progress, record, now);
    JobSpec spec;
    spec.name = kName;
    spec.memory = "32G";
    apply_submit_answer(progress, record, answer, spec, ledger, now, rules, events);
    return kinds();
  }
  std::vector<EventKind> classify(FailureClass failure, int exit_code) {
    events.clear();
    apply_classification(progress, record, classified(failure, exit_code), now, listing, rules, events);
    return kinds();
  }
  std::vector<EventKind> decide() {
    events.clear();
    decide_next(progress, record, now, listing, rules, events);
    return kinds();
  }
  std::optional<Workload> replace() {
    events.clear();
    return begin_replacement(progress, record, now, rules, events);
  }
  std::vector<EventKind> delete_answered(const Result<DeleteOutcome>& answer) {
    events.clear();
    apply_delete_answer(progress, answer, now, rules, events);
    return kinds();
  }
  std::vector<EventKind> outputs_found(bool found) {
    events.clear();
    apply_output_check(progress, record, found, found ? "" : "no GAPIT results", now, listing, rules, events);
    return kinds();
  }

  [[nodiscard]] std::vector<EventKind> kinds() const {
    std::vector<EventKind> seen;
    for (const auto& event : events) {
      seen.push_back(event.kind);
    }
    return seen;
  }
  [[nodiscard]] bool holds_slot_unlisted() const { return holds_unlisted_slot(progress); }
  [[nodiscard]] bool open() const { return is_open(progress, rules); }

  // Submitted, answered and listed Running: this run's job holds its slot.
  void run_listed() {
    observe(std::nullopt);
    submit(answer_of(SubmitAnswer::Kind::Created));
    observe(job(JobState::Running));
    ASSERT_EQ(progress.stage, Stage::Active);
  }
  // Listed failed and classified as a mount failure: its replacement is due.
  void failed_for_a_retry() {
    run_listed();
    observe(job(JobState::Failed));
    classify(FailureClass::Mount, 2);
    ASSERT_EQ(progress.stage, Stage::ReplaceDue);
  }
  // The replacement's delete sent: the old job is deleting.
  void deleting() {
    failed_for_a_retry();
    ASSERT_TRUE(replace().has_value());
    ASSERT_EQ(progress.stage, Stage::Deleting);
  }
  // The old job gone from a listing: the resubmission waits for a slot.
  void resubmit_due() {
    deleting();
    ASSERT_TRUE(delete_answered(DeleteOutcome::Deleted).empty());
    observe(std::nullopt);
    ASSERT_EQ(progress.stage, Stage::ResubmitDue);
  }

  StageRules rules;
  TimePoint now{std::chrono::hours{24 * 365 * 50}};
  Ledger ledger;
  TraitRecord record;
  TraitProgress progress;
  Events events;
  std::uint64_t listing = 0;
  int sent_attempt = 0;
};

// --- the start of a run ---

TEST_F(TraitStageTest, ANewTraitStartsUnsubmittedAndOpenWhereTheCommandSubmits) {
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  EXPECT_EQ(progress.name, kName);
  EXPECT_TRUE(open());
  EXPECT_FALSE(holds_slot_unlisted());
  rules.mode.dry_run = true;
  EXPECT_FALSE(open());
  rules.mode = {};
  rules.mode.retry_failures = true;
  EXPECT_FALSE(open()) << "a retry submits nothing new";
}

TEST_F(TraitStageTest, APendingIntentIsContinuedAtItsPhase) {
  record.pending = PendingIntent{};
  record.pending->kind = IntentKind::Manual;
  record.pending->attempt = 2;
  restart();
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_EQ(progress.replace_kind, IntentKind::Manual);
  EXPECT_FALSE(progress.answer_lost);

  record.pending->old_job_gone = true;
  record.pending->submit_sent = true;
  restart();
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_TRUE(progress.answer_lost) << "the resubmission was sent before the run stopped";
}

TEST_F(TraitStageTest, ATraitNamedForResubmitIsDueForAManualReplacement) {
  rules.mode = {};
  rules.mode.replace = {3};
  restart();
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_EQ(progress.replace_kind, IntentKind::Manual);
}

TEST_F(TraitStageTest, AJobAlreadyThereIsExistingNeverSubmitted) {
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Existing));
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_TRUE(progress.existed);
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_FALSE(holds_slot_unlisted()) << "the listing counts it";
  EXPECT_FALSE(ledger.first_submitted_at.has_value());
}

TEST_F(TraitStageTest, AJobThatEndedBeforeTheRunIsRecordedNotAnnounced) {
  EXPECT_THAT(observe(job(JobState::Succeeded)), ElementsAre(EventKind::Existing));
  EXPECT_EQ(progress.stage, Stage::Completed);
  EXPECT_FALSE(open());
  ASSERT_EQ(record.attempts.size(), 1U);
  EXPECT_EQ(record.attempts[0].end, AttemptEnd::Succeeded);
}

// --- first submissions ---

TEST_F(TraitStageTest, ACreatedJobHoldsASlotUntilAListingShowsIt) {
  observe(std::nullopt);
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Created)), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(sent_attempt, 1);
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_TRUE(progress.created_by_us);
  EXPECT_EQ(ledger.first_submitted_at, now);
  EXPECT_TRUE(holds_slot_unlisted());

  later(milliseconds{1'000});
  EXPECT_THAT(observe(std::nullopt), IsEmpty()) << "a lagging listing changes nothing";
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_TRUE(holds_slot_unlisted());

  EXPECT_THAT(observe(job(JobState::Pending)), IsEmpty()) << "no second Submitted";
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(holds_slot_unlisted()) << "now the listing counts it";
}

TEST_F(TraitStageTest, AnUnansweredSubmitHoldsASlotAndIsLearntFromTheListing) {
  observe(std::nullopt);
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Unanswered)), ElementsAre(EventKind::SubmitUnconfirmed));
  EXPECT_TRUE(progress.answer_lost);
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_TRUE(holds_slot_unlisted());
  EXPECT_TRUE(open());

  later(milliseconds{9'999});
  EXPECT_THAT(observe(std::nullopt), IsEmpty()) << "within the grace it still holds its slot";
  EXPECT_TRUE(holds_slot_unlisted());

  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(events[0].message, "learnt from the listing");
  EXPECT_TRUE(progress.created_by_us);
  EXPECT_FALSE(progress.answer_lost);
  EXPECT_EQ(progress.stage, Stage::Active);
}

TEST_F(TraitStageTest, AnUnlistedSubmitIsTriedAgainAfterTheGraceAndItsAlreadyExistsIsOurs) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Unanswered));
  later(milliseconds{10'000});
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::SubmitFailed));
  EXPECT_TRUE(events[0].again);
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  EXPECT_FALSE(holds_slot_unlisted()) << "the slot is given up after the grace";

  // The lost try did create it: the name is taken by this run's own job.
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(events[0].message, "an earlier try was not answered but created it");
  EXPECT_TRUE(progress.created_by_us);
  EXPECT_FALSE(progress.existed);
}

TEST_F(TraitStageTest, AnEarlierUnansweredTryMakesAlreadyExistsASuccess) {
  observe(std::nullopt);
  SubmitAnswer answer = answer_of(SubmitAnswer::Kind::AlreadyExists);
  answer.may_have_created = true;
  answer.calls = 2;
  EXPECT_THAT(submit(answer), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(events[0].calls, 2);
  EXPECT_TRUE(progress.created_by_us);
}

TEST_F(TraitStageTest, ASubmitNeverListedGivesUpAfterItsCycles) {
  observe(std::nullopt);
  for (int cycle = 1; cycle <= rules.max_failed_cycles; ++cycle) {
    submit(answer_of(SubmitAnswer::Kind::Unanswered));
    later(rules.unlisted_grace);
    EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::SubmitFailed));
    EXPECT_EQ(events[0].again, cycle < rules.max_failed_cycles);
  }
  EXPECT_EQ(progress.stage, Stage::Settled);
  EXPECT_EQ(progress.settled, Settlement::SubmitFailed);
  EXPECT_FALSE(open());
}

TEST_F(TraitStageTest, AFirstAlreadyExistsIsSomeoneElsesJobNotASubmission) {
  observe(std::nullopt);
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Existing));
  EXPECT_TRUE(progress.existed);
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_FALSE(ledger.first_submitted_at.has_value()) << "this run started nothing";
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_TRUE(holds_slot_unlisted()) << "whoever's it is, it runs";

  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty()) << "listed later: still not ours";
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_EQ(progress.stage, Stage::Active);
}

TEST_F(TraitStageTest, ANameTakenButNeverListedIsAskedAgainWithoutAFailure) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::AlreadyExists));
  later(milliseconds{10'000});
  EXPECT_THAT(observe(std::nullopt), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  EXPECT_FALSE(progress.existed);
  EXPECT_EQ(progress.failed_cycles, 0);
}

TEST_F(TraitStageTest, ARefusedSubmitIsTriedAgainThenGivenUp) {
  observe(std::nullopt);
  for (int cycle = 1; cycle < rules.max_failed_cycles; ++cycle) {
    EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Refused)), ElementsAre(EventKind::SubmitFailed));
    EXPECT_TRUE(events[0].again);
    EXPECT_EQ(progress.stage, Stage::Unsubmitted);
    EXPECT_FALSE(holds_slot_unlisted()) << "a refused submit created nothing";
  }
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Refused)), ElementsAre(EventKind::SubmitFailed));
  EXPECT_FALSE(events[0].again);
  EXPECT_EQ(progress.settled, Settlement::SubmitFailed);
  EXPECT_EQ(progress.error, "runai said no");
}

TEST_F(TraitStageTest, ASubmitNotSentLeavesTheTraitAsItWas) {
  observe(std::nullopt);
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::NotSent)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  EXPECT_FALSE(holds_slot_unlisted());
}

// --- what listings show of a running job ---

TEST_F(TraitStageTest, AJobMissingFromOneListingKeepsItsSlotUntilASecondAgrees) {
  run_listed();
  EXPECT_THAT(observe(std::nullopt), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_TRUE(holds_slot_unlisted()) << "pages may have shifted: still counted";

  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty());
  EXPECT_EQ(progress.missing, 0) << "seen again: the count starts over";
  observe(std::nullopt);
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::Vanished));
  EXPECT_EQ(progress.stage, Stage::Unsubmitted) << "run submits it again";
  EXPECT_FALSE(holds_slot_unlisted());
}

TEST_F(TraitStageTest, AJobDeletedBySomeoneElseSettlesWhereNothingIsSubmitted) {
  run_listed();
  rules.mode.submit_new = false;
  observe(std::nullopt);
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::Vanished));
  EXPECT_EQ(progress.settled, Settlement::Vanished);
}

TEST_F(TraitStageTest, AMissingJobThatHadEndedHoldsNoSlot) {
  run_listed();
  observe(job(JobState::Failed));
  observe(std::nullopt);
  EXPECT_FALSE(holds_slot_unlisted());
}

TEST_F(TraitStageTest, AStoppedJobIsSettledAsStoppedNeverCompleted) {
  run_listed();
  EXPECT_THAT(observe(job(JobState::Stopped)), ElementsAre(EventKind::Stopped));
  EXPECT_EQ(progress.stage, Stage::Settled);
  EXPECT_EQ(progress.settled, Settlement::Stopped);
  EXPECT_FALSE(open());
  ASSERT_FALSE(record.attempts.empty());
  EXPECT_EQ(record.attempts.back().end, AttemptEnd::Stopped);
  EXPECT_THAT(observe(job(JobState::Stopped)), IsEmpty()) << "announced once";
}

TEST_F(TraitStageTest, ASucceededJobIsCompletedAndAnnouncedOnce) {
  run_listed();
  EXPECT_THAT(observe(job(JobState::Succeeded)), ElementsAre(EventKind::Completed));
  EXPECT_EQ(progress.stage, Stage::Completed);
  EXPECT_FALSE(open());
  EXPECT_THAT(observe(job(JobState::Succeeded)), IsEmpty());
}

TEST_F(TraitStageTest, ASettledJobThatChangesIsWatchedAgain) {
  run_listed();
  observe(job(JobState::Stopped));
  EXPECT_THAT(observe(job(JobState::Running, "resumed")), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_EQ(progress.settled, Settlement::None);
}

TEST_F(TraitStageTest, TheOutputsDecideWhetherASucceededJobIsDone) {
  rules.check_outputs = true;
  run_listed();
  EXPECT_THAT(observe(job(JobState::Succeeded)), IsEmpty()) << "not announced before its outputs are found";
  EXPECT_EQ(progress.stage, Stage::Completed);
  EXPECT_FALSE(progress.outputs_verified);
  EXPECT_TRUE(open());
  EXPECT_THAT(outputs_found(true), ElementsAre(EventKind::Completed));
  EXPECT_FALSE(open());
  EXPECT_EQ(record.attempts.back().end, AttemptEnd::Succeeded);
}

TEST_F(TraitStageTest, ASucceededJobWithoutItsOutputsIsAnIncompleteAttemptRetried) {
  rules.check_outputs = true;
  run_listed();
  observe(job(JobState::Succeeded));
  EXPECT_THAT(outputs_found(false), ElementsAre(EventKind::Classified));
  EXPECT_EQ(record.attempts.back().end, AttemptEnd::Incomplete);
  EXPECT_EQ(record.attempts.back().failure, FailureClass::Incomplete);
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_EQ(progress.decided_state, JobState::Succeeded);
}

// --- failures and the retry decision ---

TEST_F(TraitStageTest, AFailedJobIsClassifiedAndARetryIsDueAtOnce) {
  run_listed();
  EXPECT_THAT(observe(job(JobState::Failed)), ElementsAre(EventKind::JobFailed));
  EXPECT_EQ(progress.stage, Stage::Failed);
  EXPECT_TRUE(open());
  EXPECT_EQ(record.attempts.back().end, AttemptEnd::Failed);
  EXPECT_THAT(observe(job(JobState::Failed)), IsEmpty()) << "the same failure, once";

  EXPECT_THAT(classify(FailureClass::Mount, 2), ElementsAre(EventKind::Classified));
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_EQ(progress.decided_at_listing, listing);
  EXPECT_EQ(progress.decided_state, JobState::Failed);
  EXPECT_EQ(record.attempts.back().failure, FailureClass::Mount);
  EXPECT_EQ(record.attempts.back().exit_code, 2);
  EXPECT_EQ(record.automatic_retries, 0) << "counted with the intent, not the decision";
}

TEST_F(TraitStageTest, AFailureTheCommandDoesNotRetryIsLeftAlone) {
  rules.mode.retry_failures = false;
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_EQ(progress.settled, Settlement::LeftAlone);
  EXPECT_FALSE(open());
}

TEST_F(TraitStageTest, AConfigurationErrorIsNotRetried) {
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_THAT(classify(FailureClass::Config, 1), ElementsAre(EventKind::Classified, EventKind::NotRetryable));
  EXPECT_EQ(progress.settled, Settlement::NotRetryable);
}

TEST_F(TraitStageTest, AClassWhoseBudgetIsUsedIsOutOfRetries) {
  record.automatic_retries = rules.policy.max_retries;
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_THAT(classify(FailureClass::Mount, 2), ElementsAre(EventKind::Classified, EventKind::OutOfRetries));
  EXPECT_EQ(progress.settled, Settlement::OutOfRetries);
  EXPECT_TRUE(record.out_of_retries);
}

TEST_F(TraitStageTest, ALaterRetryWaitsItsBackoffThenIsDue) {
  record.automatic_retries = 1;
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_THAT(classify(FailureClass::Mount, 2), ElementsAre(EventKind::Classified, EventKind::Backoff));
  EXPECT_EQ(progress.stage, Stage::Backoff);
  EXPECT_EQ(progress.eligible_at, now + rules.policy.retry_delay);
  EXPECT_TRUE(open());

  later(milliseconds{1'000});
  EXPECT_THAT(decide(), IsEmpty()) << "still waiting: Backoff told once";
  EXPECT_EQ(progress.stage, Stage::Backoff);
  later(rules.policy.retry_delay);
  decide();
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_FALSE(progress.eligible_at.has_value());
}

TEST_F(TraitStageTest, WithoutWaitingABackoffIsDeferredToALaterRun) {
  rules.mode.wait_for_backoff = false;
  record.automatic_retries = 1;
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_THAT(classify(FailureClass::Mount, 2), ElementsAre(EventKind::Classified, EventKind::Deferred));
  EXPECT_EQ(progress.settled, Settlement::Deferred);
}

TEST_F(TraitStageTest, ADryRunDecidesButReplacesNothing) {
  rules.mode.dry_run = true;
  run_listed();
  observe(job(JobState::Failed));
  EXPECT_THAT(classify(FailureClass::Mount, 2), ElementsAre(EventKind::Classified, EventKind::WouldRetry));
  EXPECT_EQ(progress.settled, Settlement::WouldRetry);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, AOnePassRetryTakesOnlyTheFailuresOfItsFirstListing) {
  rules.mode = {};
  rules.mode.retry_failures = true;
  restart();
  observe(job(JobState::Running));
  EXPECT_FALSE(progress.in_scope);
  EXPECT_FALSE(open());

  restart();
  observe(job(JobState::Failed));
  EXPECT_TRUE(progress.in_scope);
  EXPECT_TRUE(open());
}

TEST_F(TraitStageTest, EvidenceThatCannotBeHadIsAskedAgainThenUnknown) {
  run_listed();
  observe(job(JobState::Failed));
  for (int cycle = 1; cycle < rules.max_failed_cycles; ++cycle) {
    events.clear();
    apply_evidence_failure(progress, record, Error{ErrorKind::Timeout, "describe timed out"}, now, listing,
                           rules, events);
    EXPECT_THAT(kinds(), ElementsAre(EventKind::EvidenceFailed));
    EXPECT_EQ(progress.stage, Stage::Failed);
  }
  events.clear();
  apply_evidence_failure(progress, record, Error{ErrorKind::Timeout, "describe timed out"}, now, listing,
                         rules, events);
  EXPECT_THAT(kinds(),
              ElementsAre(EventKind::EvidenceFailed, EventKind::Classified, EventKind::NotRetryable));
  EXPECT_EQ(record.attempts.back().failure, FailureClass::Unknown);
}

// --- replacing a job ---

TEST_F(TraitStageTest, TheIntentIsCountedOnceBeforeTheDelete) {
  failed_for_a_retry();
  const auto to_delete = replace();
  ASSERT_TRUE(to_delete.has_value());
  EXPECT_EQ(to_delete->state, JobState::Failed);
  EXPECT_THAT(kinds(), ElementsAre(EventKind::Deleting));
  EXPECT_EQ(events[0].attempt, 2);
  EXPECT_EQ(progress.stage, Stage::Deleting);
  ASSERT_TRUE(record.pending.has_value());
  EXPECT_EQ(record.pending->attempt, 2);
  EXPECT_FALSE(record.pending->old_job_gone);
  EXPECT_EQ(record.automatic_retries, 1);

  // Deleting again (the first delete did not take) counts nothing more.
  ASSERT_TRUE(replace().has_value());
  EXPECT_EQ(record.automatic_retries, 1);
  EXPECT_EQ(record.pending->attempt, 2);
}

TEST_F(TraitStageTest, AJobThatChangedBeforeItsDeleteIsLeftAlone) {
  failed_for_a_retry();
  EXPECT_THAT(observe(job(JobState::Running, "someone-resubmitted")),
              ElementsAre(EventKind::ChangedBeforeDelete));
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, ANamedTraitWhoseJobIsActiveIsRefusedWithoutForce) {
  rules.mode = {};
  rules.mode.replace = {3};
  restart();
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::NotRetryable));
  EXPECT_EQ(progress.settled, Settlement::Refused);

  restart();
  EXPECT_THAT(observe(job(JobState::Succeeded)), ElementsAre(EventKind::NotRetryable));
  EXPECT_EQ(progress.settled, Settlement::Refused);

  rules.mode.force = true;
  restart();
  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  ASSERT_TRUE(replace().has_value());
  EXPECT_TRUE(record.pending->forced);
  EXPECT_EQ(record.manual_resubmissions, 1);
}

TEST_F(TraitStageTest, NothingListedToDeleteMakesTheResubmissionDueAtOnce) {
  rules.mode = {};
  rules.mode.replace = {3};
  restart();
  observe(std::nullopt);
  EXPECT_FALSE(replace().has_value());
  EXPECT_THAT(kinds(), ElementsAre(EventKind::Gone));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_TRUE(record.pending->old_job_gone);
}

TEST_F(TraitStageTest, AnEndedJobOfABackendWithRepeatingNamesNeedsNoDelete) {
  rules.unique_names = false;
  failed_for_a_retry();
  EXPECT_FALSE(replace().has_value());
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
}

TEST_F(TraitStageTest, TheResubmissionWaitsForAListingWithoutTheOldJobDeletingIncluded) {
  deleting();
  EXPECT_THAT(delete_answered(DeleteOutcome::Deleted), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Deleting);
  for (int i = 0; i < 3; ++i) {
    later(rules.delete_grace);
    EXPECT_THAT(observe(job(JobState::Deleting)), IsEmpty());
    EXPECT_EQ(progress.stage, Stage::Deleting) << "a Deleting job still holds the name";
    EXPECT_FALSE(record.pending->old_job_gone);
  }
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::Gone));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_TRUE(record.pending->old_job_gone);
  EXPECT_TRUE(open());
}

TEST_F(TraitStageTest, ALostDeleteAnswerKeepsTheIntentUntilAListingProvesTheJobGone) {
  deleting();
  // The delete took effect server-side but answered a client timeout.
  EXPECT_THAT(delete_answered(make_error(ErrorKind::Timeout, "context deadline exceeded")),
              ElementsAre(EventKind::DeleteFailed));
  EXPECT_TRUE(events[0].again);
  EXPECT_TRUE(progress.delete_errored);
  EXPECT_EQ(progress.stage, Stage::Deleting);
  ASSERT_TRUE(record.pending.has_value());

  // The listing shows it Deleting: the delete took, nothing to send again.
  EXPECT_THAT(observe(job(JobState::Deleting)), IsEmpty());
  EXPECT_FALSE(progress.delete_errored);
  EXPECT_EQ(progress.stage, Stage::Deleting);

  // A retried delete says "no workload was found": still not proof of a free name.
  EXPECT_THAT(delete_answered(DeleteOutcome::NotFound), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Deleting);
  EXPECT_THAT(observe(job(JobState::Deleting)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Deleting);
  ASSERT_TRUE(record.pending.has_value()) << "the intent stays until the name is free";
  EXPECT_FALSE(record.pending->old_job_gone);

  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::Gone));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_TRUE(record.pending.has_value());
}

TEST_F(TraitStageTest, ADeleteThatFailedWithTheJobUnchangedIsSentAgain) {
  deleting();
  delete_answered(make_error(ErrorKind::Backend, "permission denied"));
  EXPECT_THAT(observe(job(JobState::Failed)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  EXPECT_EQ(progress.decided_at_listing, 0U) << "no newer listing needed: it was decided";
}

TEST_F(TraitStageTest, AnAnsweredDeleteThatDidNotTakeIsSentAgainAfterTheGrace) {
  deleting();
  delete_answered(DeleteOutcome::Deleted);
  later(rules.delete_grace - milliseconds{1});
  observe(job(JobState::Failed));
  EXPECT_EQ(progress.stage, Stage::Deleting) << "the listing may lag";
  later(milliseconds{1});
  observe(job(JobState::Failed));
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
}

TEST_F(TraitStageTest, DeletesThatKeepFailingGiveUpAndKeepTheIntent) {
  deleting();
  for (int cycle = 1; cycle < rules.max_failed_cycles; ++cycle) {
    delete_answered(make_error(ErrorKind::Backend, "denied"));
    observe(job(JobState::Failed));
    ASSERT_EQ(progress.stage, Stage::ReplaceDue);
    ASSERT_TRUE(replace().has_value());
  }
  EXPECT_THAT(delete_answered(make_error(ErrorKind::Backend, "denied")),
              ElementsAre(EventKind::DeleteFailed));
  EXPECT_FALSE(events[0].again);
  EXPECT_EQ(progress.settled, Settlement::ReplaceFailed);
  EXPECT_TRUE(record.pending.has_value()) << "a later run completes it";
}

// --- resubmissions ---

TEST_F(TraitStageTest, ACreatedResubmissionCompletesTheIntent) {
  resubmit_due();
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Created)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(sent_attempt, 2);
  EXPECT_EQ(events[0].attempt, 2);
  EXPECT_EQ(resubmission_intent(record), nullptr);
  EXPECT_TRUE(sent_unlisted(record)) << "held for a later traitctl until a listing shows it";
  EXPECT_EQ(record.pending->attempt, 2);
  EXPECT_EQ(progress.resubmissions, 1);
  EXPECT_TRUE(holds_slot_unlisted());
  observe(job(JobState::Pending));
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, AlreadyExistsOverADeletedJobMeansWaitAndTryAgain) {
  resubmit_due();
  // The listing said gone, but the old job still holds the name.
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::NameHeld));
  EXPECT_EQ(progress.stage, Stage::Deleting);
  ASSERT_TRUE(record.pending.has_value()) << "never counted as the resubmission";
  EXPECT_FALSE(record.pending->old_job_gone);
  EXPECT_FALSE(record.pending->submit_sent);
  EXPECT_EQ(progress.resubmissions, 0);
  EXPECT_TRUE(progress.delete_errored) << "deleted again if it stays listed unchanged";

  EXPECT_THAT(observe(job(JobState::Deleting)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Deleting);
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::Gone));
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Created)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(resubmission_intent(record), nullptr);
}

TEST_F(TraitStageTest, AlreadyExistsAfterAnUnansweredResubmissionIsTheResubmission) {
  resubmit_due();
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Unanswered)), ElementsAre(EventKind::SubmitUnconfirmed));
  EXPECT_TRUE(record.pending->submit_sent);
  later(rules.unlisted_grace);
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::ResubmitFailed));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(resubmission_intent(record), nullptr);
  EXPECT_EQ(progress.resubmissions, 1);
}

TEST_F(TraitStageTest, AnUnansweredResubmissionIsLearntFromTheListingOnce) {
  resubmit_due();
  submit(answer_of(SubmitAnswer::Kind::Unanswered));
  EXPECT_TRUE(holds_slot_unlisted());
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(events[0].message, "learnt from the listing");
  EXPECT_FALSE(record.pending.has_value());
  EXPECT_EQ(progress.resubmissions, 1);
  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty());
}

TEST_F(TraitStageTest, AResubmissionSentBeforeACrashIsFoundNotRepeated) {
  resubmit_due();
  begin_submission(progress, record, now);
  ASSERT_TRUE(record.pending->submit_sent);
  restart();  // the run stopped before the answer: the ledger says sent
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Resubmitted));
  EXPECT_FALSE(record.pending.has_value());
  EXPECT_EQ(progress.stage, Stage::Active);
}

TEST_F(TraitStageTest, ARefusedResubmissionKeepsItsIntent) {
  resubmit_due();
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::Refused)), ElementsAre(EventKind::ResubmitFailed));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  EXPECT_TRUE(record.pending.has_value());
  EXPECT_FALSE(record.pending->submit_sent);
  submit(answer_of(SubmitAnswer::Kind::Refused));
  submit(answer_of(SubmitAnswer::Kind::Refused));
  EXPECT_EQ(progress.settled, Settlement::ReplaceFailed);
  EXPECT_TRUE(record.pending.has_value());
}

TEST_F(TraitStageTest, ANewerJobSeenDuringTheDeleteIsTheResubmissionOfAnEarlierRun) {
  rules.unique_names = false;  // ids tell the jobs of one name apart (Slurm)
  observe(std::nullopt);
  SubmitAnswer created = answer_of(SubmitAnswer::Kind::Created);
  created.id = "100";
  submit(created);
  observe(job(JobState::Running, "100"));
  observe(job(JobState::Failed, "100"));
  classify(FailureClass::Mount, 2);
  ASSERT_FALSE(replace().has_value()) << "an ended job of repeating names needs no delete";
  EXPECT_EQ(record.pending->replaces_id, "100");
  // The old job is listed beside nothing new: not the resubmission.
  EXPECT_THAT(observe(job(JobState::Failed, "100")), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  // A job of another id is the resubmission, sent by a run that stopped.
  EXPECT_THAT(observe(job(JobState::Pending, "101")), ElementsAre(EventKind::Resubmitted));
  EXPECT_FALSE(record.pending.has_value());
}

// --- answers lost: a call that may have created the job ---

// The CLI said the submit failed, but it may have created the job.
SubmitAnswer failed_but_maybe_created() {
  SubmitAnswer answer = answer_of(SubmitAnswer::Kind::Refused);
  answer.error = "context deadline exceeded (Client.Timeout exceeded while awaiting headers)";
  answer.may_have_created = true;
  return answer;
}

TEST_F(TraitStageTest, AFirstSubmissionIsRecordedBeforeItIsSentAndHeldUntilListed) {
  observe(std::nullopt);
  begin_submission(progress, record, now);
  ASSERT_TRUE(sent_unlisted(record)) << "on record before the call";
  EXPECT_EQ(record.pending->attempt, 1);
  EXPECT_TRUE(record.pending->submit_sent);
  EXPECT_EQ(record.pending->recorded_at, now);
  EXPECT_EQ(resubmission_intent(record), nullptr) << "not a resubmission";
  EXPECT_EQ(listed_attempt(record), 1);

  apply_submit_answer(progress, record, answer_of(SubmitAnswer::Kind::Created), JobSpec{}, ledger, now, rules,
                      events);
  EXPECT_TRUE(sent_unlisted(record)) << "answered, not listed: a later traitctl still holds it";
  later(milliseconds{1'000});
  observe(std::nullopt);
  EXPECT_TRUE(sent_unlisted(record));
  observe(job(JobState::Pending));
  EXPECT_FALSE(record.pending.has_value()) << "listed: nothing left to hold";
}

TEST_F(TraitStageTest, ARefusedFirstSubmissionLeavesNoIntent) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Refused));
  EXPECT_FALSE(record.pending.has_value());
  submit(answer_of(SubmitAnswer::Kind::NotSent));
  EXPECT_FALSE(record.pending.has_value());
  submit(answer_of(SubmitAnswer::Kind::AlreadyExists));
  EXPECT_FALSE(record.pending.has_value()) << "someone else's job: the listing will show it";
}

TEST_F(TraitStageTest, AFailedAnswerThatMayHaveCreatedTheJobMakesItsAlreadyExistsOurs) {
  observe(std::nullopt);
  EXPECT_THAT(submit(failed_but_maybe_created()), ElementsAre(EventKind::SubmitFailed));
  EXPECT_TRUE(events[0].again);
  EXPECT_TRUE(progress.answer_lost);
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  EXPECT_TRUE(sent_unlisted(record)) << "it may exist: a later traitctl holds it";
  ASSERT_NE(find_attempt(record, 1), nullptr);
  EXPECT_EQ(find_attempt(record, 1)->memory, "32G") << "the tier it was sent with";

  later(milliseconds{2'000});
  EXPECT_THAT(observe(std::nullopt), IsEmpty()) << "the listing lags";
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(events[0].message, "an earlier try was not answered but created it");
  EXPECT_TRUE(progress.created_by_us);
  EXPECT_FALSE(progress.existed);
  EXPECT_EQ(ledger.first_submitted_at, now);
  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty()) << "counted once";
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, AJobListedAfterAFailedAnswerIsSubmittedByThisRunNotExisting) {
  observe(std::nullopt);
  submit(failed_but_maybe_created());
  later(milliseconds{2'000});
  EXPECT_THAT(observe(job(JobState::Pending)), ElementsAre(EventKind::Submitted));
  EXPECT_EQ(events[0].message, "learnt from the listing");
  EXPECT_EQ(events[0].memory, "32G");
  EXPECT_TRUE(progress.created_by_us);
  EXPECT_FALSE(progress.existed);
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, WithoutACallThatMayHaveCreatedItAJobListedLaterIsExisting) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Refused));
  EXPECT_FALSE(progress.answer_lost);
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Existing));
  EXPECT_FALSE(progress.created_by_us);
}

TEST_F(TraitStageTest, AResubmissionWhoseAnswerWasLostIsAdoptedNeverDeleted) {
  resubmit_due();
  ASSERT_EQ(record.automatic_retries, 1);
  EXPECT_THAT(submit(failed_but_maybe_created()), ElementsAre(EventKind::ResubmitFailed));
  EXPECT_EQ(progress.stage, Stage::ResubmitDue);
  ASSERT_NE(resubmission_intent(record), nullptr);
  EXPECT_TRUE(record.pending->submit_sent) << "it may have been created";
  EXPECT_TRUE(record.pending->old_job_gone);

  // The next try finds the name taken: the old job was gone, so it is the new attempt.
  later(milliseconds{2'000});
  EXPECT_THAT(observe(std::nullopt), IsEmpty());
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(events[0].attempt, 2);
  EXPECT_EQ(events[0].message, "an earlier try was not answered but created it");
  EXPECT_EQ(progress.stage, Stage::SubmitSent) << "adopted, not deleted";
  EXPECT_EQ(progress.resubmissions, 1);
  EXPECT_EQ(record.automatic_retries, 1) << "counted once";
  EXPECT_EQ(resubmission_intent(record), nullptr);
  ASSERT_NE(find_attempt(record, 2), nullptr);
  EXPECT_EQ(find_attempt(record, 2)->memory, "32G");

  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty()) << "no second Resubmitted, no delete";
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(record.pending.has_value());
  EXPECT_EQ(listed_attempt(record), 2);
}

TEST_F(TraitStageTest, AnAlreadyExistsWithinOneResubmissionAfterATimeoutIsTheNewAttempt) {
  resubmit_due();
  SubmitAnswer answer = answer_of(SubmitAnswer::Kind::AlreadyExists);
  answer.may_have_created = true;  // the first try timed out, the second found the name taken
  answer.calls = 2;
  EXPECT_THAT(submit(answer), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_EQ(record.automatic_retries, 1);
  EXPECT_THAT(observe(job(JobState::Pending)), IsEmpty());
  EXPECT_EQ(progress.stage, Stage::Active);
}

TEST_F(TraitStageTest, AResubmissionListedAfterAFailedAnswerIsLearntOnce) {
  resubmit_due();
  submit(failed_but_maybe_created());
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Resubmitted));
  EXPECT_EQ(events[0].message, "learnt from the listing");
  EXPECT_EQ(events[0].memory, "32G");
  EXPECT_EQ(progress.resubmissions, 1);
  EXPECT_EQ(record.automatic_retries, 1);
  EXPECT_FALSE(record.pending.has_value());
  EXPECT_THAT(observe(job(JobState::Running)), IsEmpty());
}

// --- a submission sent by an earlier traitctl of the batch ---

TEST_F(TraitStageTest, ASubmissionAnEarlierTraitctlSentHoldsItsSlotAndIsNotSentAgain) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Created));
  ASSERT_TRUE(sent_unlisted(record));
  later(milliseconds{500});
  restart();  // `run` right after `submit`: no listing has shown the job yet
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_TRUE(progress.inherited);
  EXPECT_TRUE(holds_slot_unlisted());
  EXPECT_TRUE(open()) << "waited for, to be reported";

  later(milliseconds{1'000});
  EXPECT_THAT(observe(std::nullopt), IsEmpty()) << "the listing lags: still held, nothing sent";
  EXPECT_EQ(progress.stage, Stage::SubmitSent);

  EXPECT_THAT(observe(job(JobState::Pending)), ElementsAre(EventKind::Existing));
  EXPECT_EQ(events[0].message, "submitted by an earlier traitctl of the batch");
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_EQ(progress.stage, Stage::Active);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, AnEarlierTraitctlsSubmissionNeverListedIsTriedAgainAfterTheGrace) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Unanswered));
  later(milliseconds{4'000});
  restart();
  EXPECT_EQ(progress.stage_since, now - milliseconds{4'000}) << "the grace runs from when it was sent";
  later(milliseconds{5'999});
  EXPECT_THAT(observe(std::nullopt), IsEmpty());
  later(milliseconds{1});
  EXPECT_THAT(observe(std::nullopt), ElementsAre(EventKind::SubmitFailed));
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  // The name is taken after all: the earlier traitctl's job, not this run's.
  EXPECT_THAT(submit(answer_of(SubmitAnswer::Kind::AlreadyExists)), ElementsAre(EventKind::Existing));
  EXPECT_FALSE(progress.created_by_us);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, AResubmissionAnEarlierTraitctlSentIsExistingForALaterOne) {
  resubmit_due();
  submit(answer_of(SubmitAnswer::Kind::Created));
  restart();
  EXPECT_EQ(progress.stage, Stage::SubmitSent);
  EXPECT_THAT(observe(job(JobState::Running)), ElementsAre(EventKind::Existing));
  EXPECT_EQ(record.automatic_retries, 1);
  EXPECT_EQ(listed_attempt(record), 2);
  EXPECT_FALSE(record.pending.has_value());
}

TEST_F(TraitStageTest, ADryRunAndAResubmitOfTheTraitIgnoreASentIntent) {
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Created));
  rules.mode.dry_run = true;
  restart();
  EXPECT_EQ(progress.stage, Stage::Unsubmitted);
  rules.mode = {};
  rules.mode.replace = {3};
  restart();
  EXPECT_EQ(progress.stage, Stage::ReplaceDue);
  observe(job(JobState::Failed));
  EXPECT_FALSE(record.pending.has_value()) << "the job is listed: the Sent intent is done with";
}

// --- what is open, what holds a slot ---

TEST_F(TraitStageTest, WhatIsOpenFollowsTheCommand) {
  run_listed();
  EXPECT_TRUE(open()) << "watching an active job";
  rules.mode.watch = false;
  EXPECT_FALSE(open()) << "submit does not wait for a job that runs";

  restart();
  observe(std::nullopt);
  submit(answer_of(SubmitAnswer::Kind::Created));
  EXPECT_FALSE(open()) << "submit is done with an answered submission";
  submit(answer_of(SubmitAnswer::Kind::Unanswered));
  EXPECT_TRUE(open()) << "but not with an unconfirmed one";

  progress.in_scope = false;
  EXPECT_FALSE(open());
}

}  // namespace
}  // namespace traitctl::trait_stage_tests
