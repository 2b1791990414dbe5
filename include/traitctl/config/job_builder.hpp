// One trait's JobSpec, exactly as the bash submit script built it.
#pragma once

#include "traitctl/config/settings.hpp"
#include "traitctl/core/job_spec.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {

// `attempt` 1 is the first submission; later attempts add
// TRAITCTL_ATTEMPT=<attempt> after the script's variables. The job asks for
// `tier`'s CPU and memory (its BLAS and OpenMP threads follow the CPU).
[[nodiscard]] JobSpec build_job_spec(const BatchSettings& settings, int trait, int attempt,
                                     const ResourceTier& tier);
// At CPU and MEMORY.
[[nodiscard]] JobSpec build_job_spec(const BatchSettings& settings, int trait, int attempt);

}  // namespace traitctl
