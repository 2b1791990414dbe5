// read_table_shape on a synthetic HapMap genotype file of the lab's size:
// 2.64 million SNP rows, 200 samples (about 1.7 GB). Target: a few seconds.
// The file is written once into a temporary folder and removed at the end.
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "traitctl/config/table_shape.hpp"

namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kSnps = 2'640'000;
constexpr int kSamples = 200;

// The HapMap layout: 11 fixed columns, then one two-letter call per sample.
class SyntheticHapMap {
 public:
  SyntheticHapMap() {
    std::string pattern = (fs::temp_directory_path() / "traitctl-bench-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::exit(1);
    }
    folder_ = pattern;
    path_ = folder_ / "all_chromosomes_binary.hmp.txt";
    std::FILE* out = std::fopen(path_.c_str(), "w");
    std::string header =
        "rs#\talleles\tchrom\tpos\tstrand\tassembly#\tcenter\tprotLSID\tassayLSID\tpanelLSID\tQCcode";
    std::string calls;
    const char* genotypes[] = {"AA", "GG", "AG", "NN"};
    for (int sample = 0; sample < kSamples; ++sample) {
      header += fmt::format("\tACC{:05}", sample);
      calls += fmt::format("\t{}", genotypes[sample % 4]);
    }
    std::fputs((header + "\n").c_str(), out);
    for (std::uint64_t snp = 0; snp < kSnps; ++snp) {
      const std::uint64_t chromosome = 1 + snp * 5 / kSnps;
      const std::string row = fmt::format("S{}_{}\tA/G\t{}\t{}\t+\tNA\tNA\tNA\tNA\tNA\tNA{}\n", chromosome,
                                          snp * 11, chromosome, snp * 11, calls);
      std::fwrite(row.data(), 1, row.size(), out);
    }
    std::fclose(out);
    bytes_ = fs::file_size(path_);
  }
  SyntheticHapMap(const SyntheticHapMap&) = delete;
  SyntheticHapMap& operator=(const SyntheticHapMap&) = delete;
  ~SyntheticHapMap() { fs::remove_all(folder_); }

  [[nodiscard]] const fs::path& path() const { return path_; }
  [[nodiscard]] std::uint64_t bytes() const { return bytes_; }

  // Drops this file's pages from the page cache, so the next read comes from disk.
  void evict() const {
    const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
    ::close(fd);
  }

 private:
  fs::path folder_;
  fs::path path_;
  std::uint64_t bytes_ = 0;
};

const SyntheticHapMap& hapmap() {
  static const SyntheticHapMap file;
  return file;
}

void measure(benchmark::State& state, bool cold) {
  const SyntheticHapMap& file = hapmap();
  for (auto _ : state) {
    if (cold) {
      state.PauseTiming();
      file.evict();
      state.ResumeTiming();
    }
    auto shape = traitctl::read_table_shape(file.path());
    if (!shape || shape->rows != kSnps ||
        traitctl::count_columns(shape->header) != traitctl::hapmap_fixed_columns + kSamples) {
      state.SkipWithError("the file was not measured as written");
      break;
    }
    benchmark::DoNotOptimize(shape);
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kSnps));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(file.bytes()));
}

// The file in the page cache, as on a second `validate`.
void BM_HapMapShapeCached(benchmark::State& state) { measure(state, false); }
// Each read from the disk, as on the first.
void BM_HapMapShapeFromDisk(benchmark::State& state) { measure(state, true); }

BENCHMARK(BM_HapMapShapeCached)->Unit(benchmark::kMillisecond)->Iterations(5);
BENCHMARK(BM_HapMapShapeFromDisk)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace
