// The submission runner of the acting commands: up to --parallel submit calls
// at once, each on its own thread, the answers handed back in order
// (core/submit_runner.hpp). Backend::submit is safe to call from several
// threads; a call's deadline and Ctrl-C are the backend's and the cancel
// token's, as for one call alone.
#pragma once

#include "traitctl/core/submit_runner.hpp"

namespace traitctl {

class ParallelSubmitter final : public SubmitRunner {
 public:
  [[nodiscard]] std::vector<SubmitAnswer> run(const std::vector<JobSpec>& specs, int parallelism,
                                              const SubmitCall& submit) override;
};

}  // namespace traitctl
