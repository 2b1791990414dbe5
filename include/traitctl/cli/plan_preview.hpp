// The plan `submit --dry-run` and `run --dry-run` show before anything is
// submitted: what exists, what would be submitted, the peak at the cap and
// the exact first command.
#pragma once

#include <functional>

#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/common.hpp"
#include "traitctl/core/backend.hpp"

namespace traitctl {

// Lists once and prints the plan on stdout (JSON with `json`): `job_of`
// gives each trait's next job as the run would submit it (its memory tier
// from the ledger). `learned_memory` is the memory the batch has learned to
// start at ("" when none). Returns the exit code: 0, or that of a failed listing.
[[nodiscard]] int print_submission_plan(const BatchContext& context, const BackendOptions& backend_options,
                                        Backend& backend, int max_concurrent, bool json,
                                        const std::function<JobSpec(int trait)>& job_of,
                                        const std::string& learned_memory = "");

}  // namespace traitctl
