// `slurm_allocate MIB SECONDS`: holds MIB mebibytes, every byte written so
// that all of it is resident, for SECONDS; a job that goes over its --mem.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: slurm_allocate MIB SECONDS\n");
    return 2;
  }
  const std::size_t mebibytes = std::stoul(argv[1]);
  const std::vector<char> block(mebibytes << 20U, 1);
  std::printf("holding %zu MiB\n", block.size() >> 20U);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::seconds(std::stoul(argv[2])));
  return block.back() == 1 ? 0 : 1;
}
