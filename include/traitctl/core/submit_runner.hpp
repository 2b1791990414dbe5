// How a round of submissions is carried out, like ninja's CommandRunner: the
// loop (core/batch_engine.hpp) decides which specs go out and how many calls
// may run at once, hands them to a runner and gets the answers back in order.
// The core has no threads: SequentialSubmitRunner makes one call after
// another; adapters/parallel_submitter runs several at once.
#pragma once

#include <functional>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/trait_stage.hpp"

namespace traitctl {

// One spec's submission, all its tries (core/backend_calls.hpp: submit_one).
using SubmitCall = std::function<SubmitAnswer(const JobSpec& spec)>;

class SubmitRunner {
 public:
  virtual ~SubmitRunner() = default;
  // Calls `submit` once for every spec, at most `parallelism` calls at once,
  // and returns when every call has answered: answers[i] is specs[i]'s.
  // `submit` may be called from several threads at once.
  [[nodiscard]] virtual std::vector<SubmitAnswer> run(const std::vector<JobSpec>& specs, int parallelism,
                                                      const SubmitCall& submit) = 0;
};

// One call after another, whatever the parallelism: for tests of the core,
// and wherever no other runner is given.
class SequentialSubmitRunner final : public SubmitRunner {
 public:
  [[nodiscard]] std::vector<SubmitAnswer> run(const std::vector<JobSpec>& specs, int parallelism,
                                              const SubmitCall& submit) override;
};

}  // namespace traitctl
