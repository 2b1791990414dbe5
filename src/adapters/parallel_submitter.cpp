#include "traitctl/adapters/parallel_submitter.hpp"

#include <algorithm>
#include <atomic>
#include <thread>

namespace traitctl {

std::vector<SubmitAnswer> ParallelSubmitter::run(const std::vector<JobSpec>& specs, int parallelism,
                                                 const SubmitCall& submit) {
  std::vector<SubmitAnswer> answers(specs.size());
  std::atomic<std::size_t> next{0};
  auto worker = [&] {
    for (std::size_t index = next++; index < specs.size(); index = next++) {
      answers[index] = submit(specs[index]);
    }
  };
  const auto workers = std::min(static_cast<std::size_t>(std::max(1, parallelism)), specs.size());
  {
    std::vector<std::jthread> threads;
    for (std::size_t i = 1; i < workers; ++i) {
      threads.emplace_back(worker);
    }
    worker();
  }  // joins every worker before the answers are read
  return answers;
}

}  // namespace traitctl
