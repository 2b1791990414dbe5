// One trait's JobSpec, exactly as the bash submit script built it.
#pragma once

#include "traitctl/config/settings.hpp"
#include "traitctl/core/job_spec.hpp"

namespace traitctl {

// `attempt` 1 is the first submission; later attempts add
// TRAITCTL_ATTEMPT=<attempt> after the script's variables.
[[nodiscard]] JobSpec build_job_spec(const BatchSettings& settings, int trait, int attempt);

}  // namespace traitctl
