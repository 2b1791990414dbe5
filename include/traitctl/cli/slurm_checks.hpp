// What `traitctl validate --backend slurm` checks of the cluster before a
// batch: sbatch runs, the controller answers, whether finished jobs outlive
// MinJobAge (accounting), the partition exists, and the batch can be listed.
#pragma once

#include <vector>

#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/config/checks.hpp"

namespace traitctl {

[[nodiscard]] std::vector<Check> check_slurm(const BackendOptions& options, const BatchContext& context,
                                             Clock& clock, const CancelToken& cancel);

}  // namespace traitctl
