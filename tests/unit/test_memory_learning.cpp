#include <gtest/gtest.h>

#include "traitctl/core/memory_learning.hpp"

namespace traitctl::memory_learning_tests {
namespace {

const std::vector<std::string> ladder{"32G", "64G", "96G"};

AttemptRecord ended(const std::string& memory, std::optional<FailureClass> failure,
                    AttemptEnd end = AttemptEnd::Failed) {
  AttemptRecord attempt;
  attempt.memory = memory;
  attempt.end = failure ? end : AttemptEnd::Succeeded;
  attempt.failure = failure;
  return attempt;
}

// One trait per attempt.
Ledger with(const std::vector<AttemptRecord>& attempts) {
  Ledger ledger;
  int trait = 1;
  for (const AttemptRecord& attempt : attempts) {
    ledger.traits[trait++].attempts.push_back(attempt);
  }
  return ledger;
}

TEST(MemoryLearning, AClearShareOfOutOfMemoryFailuresAtATierTeachesTheNext) {
  const auto oom = ended("32G", FailureClass::Oom);
  const auto done = ended("32G", std::nullopt);
  auto learned = learn_memory_tier(with({oom, oom, oom, done, done, done, done, done}), ladder, {});
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->tier, 1);
  EXPECT_EQ(learned->memory, "64G");
  EXPECT_EQ(learned->failures, 3);
  EXPECT_EQ(learned->finished, 8);
  EXPECT_EQ(learned->evidence, "3 of 8 attempts finished at 32G ran out of memory");
}

TEST(MemoryLearning, TooFewFailuresOrTooSmallAShareTeachNothing) {
  const auto oom = ended("32G", FailureClass::Oom);
  const auto done = ended("32G", std::nullopt);
  EXPECT_FALSE(learn_memory_tier(with({oom, oom}), ladder, {}));  // one or two bad traits are theirs
  std::vector<AttemptRecord> mostly_fine(13, done);
  mostly_fine.insert(mostly_fine.end(), 3, oom);  // 3 of 16 < 25%
  EXPECT_FALSE(learn_memory_tier(with(mostly_fine), ladder, {}));
  EXPECT_TRUE(learn_memory_tier(with(mostly_fine), ladder, MemoryLearningPolicy{true, 3, 0.15}));
  EXPECT_FALSE(learn_memory_tier(with({oom, oom, oom}), ladder, MemoryLearningPolicy{false, 3, 0.25}));
  EXPECT_FALSE(learn_memory_tier(with({oom, oom, oom}), {"32G"}, {}));  // no ladder
}

TEST(MemoryLearning, OtherFailuresRunningAndStoppedAttemptsAreNotOutOfMemory) {
  const auto oom = ended("32G", FailureClass::Oom);
  AttemptRecord running;
  running.memory = "32G";
  const auto stopped = ended("32G", FailureClass::Oom, AttemptEnd::Stopped);
  const auto mount = ended("32G", FailureClass::Mount);
  // 3 OOM of 4 finished (the mount failure counts as finished, the others not).
  auto learned = learn_memory_tier(with({oom, oom, oom, mount, running, stopped, stopped}), ladder, {});
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->finished, 4);
  // Attempts at a memory off the ladder say nothing.
  EXPECT_FALSE(learn_memory_tier(with({ended("40G", FailureClass::Oom), ended("40G", FailureClass::Oom),
                                       ended("40G", FailureClass::Oom)}),
                                 ladder, {}));
}

TEST(MemoryLearning, TheTierOnlyRisesAndNeverPastTheLadder) {
  const auto oom32 = ended("32G", FailureClass::Oom);
  const auto oom64 = ended("64G", FailureClass::Oom);
  const auto oom96 = ended("96G", FailureClass::Oom);
  Ledger ledger = with({oom32, oom32, oom32});
  ledger.learned_memory_tier = 1;
  EXPECT_FALSE(learn_memory_tier(ledger, ladder, {}));  // already there
  ledger = with({oom32, oom32, oom32, oom64, oom64, oom64, oom96, oom96, oom96});
  auto learned = learn_memory_tier(ledger, ladder, {});
  ASSERT_TRUE(learned);
  EXPECT_EQ(learned->tier, 2);  // the top: 96G failures teach nothing more
  EXPECT_EQ(learned->memory, "96G");
}

TEST(MemoryLearning, ATraitStartsAtTheHigherOfItsTierAndTheLearnedOne) {
  TraitRecord record;
  EXPECT_EQ(starting_tier(record, std::nullopt, 2), 0);
  EXPECT_EQ(starting_tier(record, 1, 2), 1);
  EXPECT_EQ(starting_tier(record, 5, 2), 2);  // never above the ladder
  record.oom_retries = 2;
  EXPECT_EQ(starting_tier(record, 1, 2), 2);  // never below its own failures
  EXPECT_EQ(starting_tier(record, 1, 0), 2);  // nor by a shorter ladder
}

}  // namespace
}  // namespace traitctl::memory_learning_tests
