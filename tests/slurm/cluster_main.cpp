// `slurm_test_cluster start|stop DIR`: the CTest fixture that starts one test
// cluster for all Slurm test programs and stops it after them.
#include <chrono>
#include <cstdio>
#include <string_view>

#include "cluster.hpp"

int main(int argc, char** argv) {
  using traitctl::slurm_test::SlurmCluster;
  const std::string_view command = argc == 3 ? argv[1] : "";
  if (command != "start" && command != "stop") {
    std::fprintf(stderr, "usage: slurm_test_cluster start|stop DIR\n");
    return 2;
  }
  const auto began = std::chrono::steady_clock::now();
  traitctl::Result<void> result;
  if (command == "start") {
    auto started = SlurmCluster::start(argv[2]);
    if (!started) {
      result = started.error();
    }
  } else {
    result = SlurmCluster::stop(argv[2]);
  }
  if (!result) {
    std::fprintf(stderr, "slurm_test_cluster %s: %s\n", argv[1], result.error().message.c_str());
    return 1;
  }
  const auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - began);
  std::printf("slurm_test_cluster %s %s: done in %lld ms\n", argv[1], argv[2],
              static_cast<long long>(elapsed.count()));
  return 0;
}
