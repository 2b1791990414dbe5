// parse_listing_table on a 10,000-row v2.20 table (target: under 20 ms).
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "traitctl/adapters/runai_listing.hpp"

namespace {

constexpr int kRows = 10'000;

// The v2.18-2.20 shape from FORMATS.md: mixed-case headers, a U+2500
// underline, space-padded cells; every fourth row another user's job.
std::string v220_table(int rows) {
  std::string text = fmt::format("{:<23}{:<12}{:<12}{:<12}{:<17}{:<27}{}\n", "Workload", "Type", "Status",
                                 "Project", "Preemptible", "Running/Requested Pods", "GPU Allocation");
  for (int i = 0; i < 113; ++i) {
    text += "─";
  }
  text += '\n';
  const char* statuses[] = {"Running", "Pending", "Completed", "Failed"};
  for (int i = 0; i < rows; ++i) {
    const std::string name = i % 4 == 3 ? fmt::format("alice-{}", i) : fmt::format("gapit3-trait-{}", i);
    text += fmt::format("{:<23}{:<12}{:<12}{:<12}{:<17}{:<27}{}\n", name, "Workspace", statuses[i % 4],
                        "team-a", "No", i % 4 == 0 ? "1/1" : "0/1", "0.00");
  }
  return text;
}

void BM_ParseListingTableV220(benchmark::State& state) {
  const std::string table = v220_table(kRows);
  for (auto _ : state) {
    auto page = traitctl::parse_listing_table(table);
    if (!page || page->workloads.size() != static_cast<std::size_t>(kRows)) {
      state.SkipWithError("the table did not parse into every row");
      break;
    }
    benchmark::DoNotOptimize(page);
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(table.size()));
}
BENCHMARK(BM_ParseListingTableV220)->Unit(benchmark::kMillisecond);

}  // namespace
