// The environment of a job that runs on a host rather than in the Run:ai
// container (a local process, a Slurm job): the container's variables with
// /data and /outputs replaced by the host paths they stand for.
#pragma once

#include "traitctl/adapters/process.hpp"
#include "traitctl/core/job_spec.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// The container saw the host paths mounted at /data and /outputs; a host job
// sees the host paths themselves, in DATA_PATH/OUTPUT_PATH and in every value
// that names a file below them (GENOTYPE_FILE=/data/genotype/...). Absolute,
// so that a job which changes folder still finds them. TRAITCTL_ATTEMPT is
// always set: a Run:ai job gets it from its second attempt on only, so that
// first submissions stay those of the old scripts. CPU and MEMORY say what
// the attempt asks for (its memory tier), for a job that sizes itself.
[[nodiscard]] EnvironmentOverrides host_job_environment(const JobSpec& spec, int attempt);

// The attempt a spec carries: its TRAITCTL_ATTEMPT, 1 without one. Parse
// error for a value that is not a number.
[[nodiscard]] Result<int> job_attempt(const JobSpec& spec);

}  // namespace traitctl
