#include "traitctl/core/memory_learning.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace traitctl {

std::optional<LearnedTier> learn_memory_tier(const Ledger& ledger,
                                             const std::vector<std::string>& tier_memory,
                                             const MemoryLearningPolicy& policy) {
  const int top = static_cast<int>(tier_memory.size()) - 1;
  if (!policy.enabled || top < 1) {
    return std::nullopt;
  }
  std::vector<int> finished(tier_memory.size(), 0);
  std::vector<int> failures(tier_memory.size(), 0);
  for (const auto& [trait, record] : ledger.traits) {
    for (const AttemptRecord& attempt : record.attempts) {
      const auto tier = std::find(tier_memory.begin(), tier_memory.end(), attempt.memory);
      if (tier == tier_memory.end() || !attempt.end || attempt.end == AttemptEnd::Stopped) {
        continue;
      }
      const auto index = static_cast<std::size_t>(tier - tier_memory.begin());
      ++finished[index];
      if (attempt.failure == FailureClass::Oom) {
        ++failures[index];
      }
    }
  }
  const int learned = ledger.learned_memory_tier.value_or(0);
  std::optional<LearnedTier> result;
  for (int tier = learned; tier < top; ++tier) {
    const auto index = static_cast<std::size_t>(tier);
    if (failures[index] >= std::max(policy.min_failures, 1) &&
        static_cast<double>(failures[index]) >= policy.share * finished[index]) {
      result = LearnedTier{tier + 1, tier_memory[index + 1], failures[index], finished[index],
                           fmt::format("{} of {} attempts finished at {} ran out of memory", failures[index],
                                       finished[index], tier_memory[index])};
    }
  }
  return result;
}

int starting_tier(const TraitRecord& record, std::optional<int> learned, int top) {
  return std::max(record.oom_retries, std::clamp(learned.value_or(0), 0, std::max(top, 0)));
}

}  // namespace traitctl
