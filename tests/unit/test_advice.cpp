#include <gtest/gtest.h>

#include "traitctl/cli/advice.hpp"

namespace traitctl::advice_tests {
namespace {

using namespace std::chrono_literals;

// 2024-05-01 12:00:00 UTC.
const TimePoint noon = TimePoint{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}} + 12h;

TraitRow failed(int trait, std::optional<FailureClass> failure, Attention attention) {
  TraitRow row;
  row.status.trait = trait;
  row.status.job = "b-" + std::to_string(trait);
  row.status.state = TraitState::Failed;
  row.status.failure = failure;
  row.attention = attention;
  row.memory = "32G";
  return row;
}

const AdviceContext runai{"runai", "32G"};
const AdviceContext local{"local", "32G"};

TEST(NextStep, AConfigurationErrorNeedsItsInputsFixed) {
  const TraitRow row = failed(5, FailureClass::Config, Attention::Failed);
  EXPECT_EQ(next_step(row, runai, noon), "fix the inputs (`traitctl logs 5`), then `traitctl resubmit 5`");
  EXPECT_EQ(next_step(row, local, noon),
            "fix the inputs (`traitctl logs 5 --backend local`), then `traitctl cleanup --failed --traits 5 "
            "--backend local` and run the batch again");
}

TEST(NextStep, ARetryableFailureNamesTheRetryToCome) {
  TraitRow row = failed(5, FailureClass::Mount, Attention::Retryable);
  row.retries_used = 1;
  row.retry_budget = 3;
  EXPECT_EQ(next_step(row, runai, noon), "`traitctl retry` retries it (retry 2/3)");
  EXPECT_EQ(next_step(row, local, noon), "`traitctl run --backend local -- COMMAND` retries it (retry 2/3)");
  row.attention = Attention::Backoff;
  row.planned = PlannedRetry{noon + 30min, 2, 3, false};
  EXPECT_EQ(next_step(row, runai, noon), "retried automatically (retry 2/3 at 12:30:00 UTC)");
  EXPECT_EQ(next_step(row, runai, noon + 1h), "retried automatically (retry 2/3, due now)");
  row.planned->deferred = true;
  EXPECT_EQ(next_step(row, runai, noon), "`traitctl retry` retries it (retry 2/3, not before 12:30:00 UTC)");
  EXPECT_EQ(next_step(row, runai, noon + 1h),
            "`traitctl retry` retries it (retry 2/3, eligible since 12:30:00 UTC)");
}

TEST(NextStep, OutOfMemoryPointsAtTheLadder) {
  TraitRow row = failed(7, FailureClass::Oom, Attention::Failed);
  EXPECT_EQ(next_step(row, runai, noon),
            "add a MEMORY_LADDER tier larger than 32G (or raise MEMORY), then `traitctl resubmit 7`");
  row.attention = Attention::Retryable;
  row.retries_used = 0;
  row.retry_budget = 2;
  row.next_memory = "64G";
  EXPECT_EQ(next_step(row, runai, noon), "`traitctl retry` retries it with 64G (memory retry 1/2)");
  row.attention = Attention::OutOfRetries;
  row.retries_used = 2;
  row.memory = "96G";
  row.next_memory.clear();
  EXPECT_EQ(next_step(row, runai, noon),
            "add a MEMORY_LADDER tier larger than 96G, then `traitctl resubmit 7`");
}

TEST(NextStep, OutOfRetriesAndOtherClasses) {
  TraitRow row = failed(3, FailureClass::Mount, Attention::OutOfRetries);
  row.retries_used = 3;
  row.retry_budget = 3;
  EXPECT_EQ(next_step(row, runai, noon), "`traitctl resubmit 3` to run it again (retry 3/3 used)");
  EXPECT_EQ(next_step(failed(3, FailureClass::Unknown, Attention::Failed), runai, noon),
            "look at `traitctl logs 3`, then `traitctl resubmit 3`");
  EXPECT_EQ(
      next_step(failed(3, FailureClass::Timeout, Attention::Failed), local, noon),
      "it ran too long: raise --job-timeout, then `traitctl cleanup --failed --traits 3 --backend local` "
      "and run the batch again");
  TraitRow incomplete = failed(3, FailureClass::Incomplete, Attention::Incomplete);
  incomplete.retry_budget = 1;
  EXPECT_EQ(next_step(incomplete, runai, noon), "`traitctl retry` retries it (incomplete retry 1/1)");
  EXPECT_EQ(next_step(failed(3, std::nullopt, Attention::Failed), runai, noon),
            "not classified yet: `traitctl retry` classifies it and retries what a retry can fix; "
            "`traitctl describe 3` shows why");
}

TEST(NextStep, StoppedPendingAndNothingToDo) {
  TraitRow row = failed(7, std::nullopt, Attention::Stopped);
  row.status.state = TraitState::Stopped;
  EXPECT_EQ(next_step(row, runai, noon), "`traitctl resubmit 7` to run it again");
  EXPECT_EQ(next_step(row, local, noon),
            "`traitctl cleanup --stopped --traits 7 --backend local` and run the batch again");
  row.attention = Attention::ResubmissionPending;
  row.pending_attempt = 3;
  EXPECT_EQ(
      next_step(row, runai, noon),
      "the next `traitctl retry`, `resubmit` or `run` of the batch completes its resubmission (attempt 3)");
  row.attention = Attention::None;
  EXPECT_EQ(next_step(row, runai, noon), "");
}

TEST(LogHint, NamesTheCommandThatPrintsTheLog) {
  EXPECT_EQ(logs_command(5, 0, "runai"), "traitctl logs 5");
  EXPECT_EQ(logs_command(5, 2, "local"), "traitctl logs 5 --attempt 2 --backend local");
  EXPECT_EQ(log_hint(5, 1, "runai"), "log: traitctl logs 5 --attempt 1");
}

TEST(TimeOfDay, InUtc) {
  EXPECT_EQ(format_time_of_day(noon + 3h + 4min + 5s + 600ms), "15:04:05 UTC");
  EXPECT_EQ(format_time_of_day(TimePoint{} - 1s), "23:59:59 UTC");
}

}  // namespace
}  // namespace traitctl::advice_tests
