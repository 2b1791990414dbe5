// What the batch database holds when the loop saves only the traits it
// touched (BatchRequest::save_ledger, adapters/ledger_store.hpp): the batch
// row and the touched traits' records are copied, nothing else. Each save
// then checks that the copy equals the loop's ledger, so that a record
// changed without BatchPlan::record (a change the database would never get)
// fails the test that made it, naming the trait.
#pragma once

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "traitctl/core/ledger.hpp"

namespace traitctl::testing {

// The traits whose records differ between `a` and `b`, as "3 5".
inline std::string differing_traits(const Ledger& a, const Ledger& b) {
  std::set<int> traits;
  for (const auto* ledger : {&a, &b}) {
    for (const auto& [trait, record] : ledger->traits) {
      const Ledger& other = ledger == &a ? b : a;
      const auto found = other.traits.find(trait);
      if (found == other.traits.end() || found->second != record) {
        traits.insert(trait);
      }
    }
  }
  std::string text;
  for (const int trait : traits) {
    text += (text.empty() ? "" : " ") + std::to_string(trait);
  }
  return text;
}

inline void save_touched(Ledger& saved, const Ledger& ledger, const std::set<int>& touched) {
  saved.project = ledger.project;
  saved.prefix = ledger.prefix;
  saved.first_submitted_at = ledger.first_submitted_at;
  saved.cap = ledger.cap;
  saved.learned_memory_tier = ledger.learned_memory_tier;
  for (const int trait : touched) {
    if (const auto found = ledger.traits.find(trait); found != ledger.traits.end()) {
      saved.traits[trait] = found->second;
    } else {
      saved.traits.erase(trait);
    }
  }
  EXPECT_EQ(differing_traits(saved, ledger), "") << "records changed without being touched";
}

}  // namespace traitctl::testing
