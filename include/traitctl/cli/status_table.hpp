// The traits `status` names below its counts — by default those that need
// attention — as a table for people and as JSON rows (docs/status-json.md).
// Pure.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "traitctl/cli/advice.hpp"
#include "traitctl/core/trait_view.hpp"

namespace traitctl {

// Which rows are shown: `states` (--state words, --failed) when given, else
// every row with `all`, else those that need attention.
struct RowFilter {
  bool all = false;
  std::vector<std::string> states;
};

[[nodiscard]] std::vector<const TraitRow*> select_rows(const std::vector<TraitRow>& rows,
                                                       const RowFilter& filter);

// A title naming what is shown ("Need attention: 2 of 9 traits ..."), the
// table (trait, job, status, class, reason, attempts, memory, exit code,
// next step) and a note on classes that status found itself.
[[nodiscard]] std::vector<std::string> row_table(const std::vector<const TraitRow*>& shown, std::size_t total,
                                                 const RowFilter& filter, const AdviceContext& advice,
                                                 TimePoint now);

// One row as JSON: trait, job, status, state, attention, class, classified_by,
// reason, attempts, memory, exit_code, retries {used, budget}, eligible_at,
// next_step; null where a value is unknown.
[[nodiscard]] nlohmann::json row_json(const TraitRow& row, const AdviceContext& advice, TimePoint now);

// The class cell: the failure class, "unclassified" for a failure without
// one, "-" for a trait that has not failed.
[[nodiscard]] std::string class_cell(const TraitRow& row);

}  // namespace traitctl
