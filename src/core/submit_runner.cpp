#include "traitctl/core/submit_runner.hpp"

namespace traitctl {

std::vector<SubmitAnswer> SequentialSubmitRunner::run(const std::vector<JobSpec>& specs, int /*parallelism*/,
                                                      const SubmitCall& submit) {
  std::vector<SubmitAnswer> answers;
  answers.reserve(specs.size());
  for (const JobSpec& spec : specs) {
    answers.push_back(submit(spec));
  }
  return answers;
}

}  // namespace traitctl
