// The batch learns its memory tier. All traits of a batch load the same
// genotype matrix: when a clear share of the attempts that finished at a
// memory tier ran out of memory there, most traits not yet submitted would
// too, so they start one tier up instead of each failing once to learn it.
//
// The rule, for each tier t of the ladder (0 is MEMORY): with F the attempts
// that finished at t (succeeded, failed or incomplete; stopped ones say
// nothing) and O those of them that ran out of memory, the batch's tier
// becomes t + 1 once O >= min_failures and O >= share × F. The learned tier
// only rises, never past the ladder's top, and a trait's own failures keep
// their tier: a trait starts at max(its tier, the learned one). Pure.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/ledger.hpp"

namespace traitctl {

struct MemoryLearningPolicy {
  bool enabled = true;
  int min_failures = 3;  // out-of-memory failures at a tier, at least (--learn-memory-min)
  double share = 0.25;   // and at least this share of the attempts finished there (--learn-memory-share)
  friend bool operator==(const MemoryLearningPolicy&, const MemoryLearningPolicy&) = default;
};

struct LearnedTier {
  int tier = 0;          // the batch's new starting tier
  std::string memory;    // what that tier asks for
  int failures = 0;      // out-of-memory failures at the tier below
  int finished = 0;      // attempts finished at the tier below
  std::string evidence;  // "4 of 8 attempts finished at 32G ran out of memory"
  friend bool operator==(const LearnedTier&, const LearnedTier&) = default;
};

// A tier above ledger.learned_memory_tier (0 when unset) when the rule says
// so, else nullopt. `tier_memory` is what each tier asks for, MEMORY first;
// attempts are placed on a tier by the memory they asked for.
[[nodiscard]] std::optional<LearnedTier> learn_memory_tier(const Ledger& ledger,
                                                           const std::vector<std::string>& tier_memory,
                                                           const MemoryLearningPolicy& policy);

// The tier a trait's first job starts at: max(its own, the learned one), the
// learned one never past `top` (the ladder's last tier).
[[nodiscard]] int starting_tier(const TraitRecord& record, std::optional<int> learned, int top);

}  // namespace traitctl
