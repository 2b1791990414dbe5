// The checks of `validate` that size a batch: MEMORY against the memory the
// dataset needs, the ladders of later attempts, and the outputs that prove a
// trait done. Pure functions of the settings and what check_settings
// measured; check_settings calls them in its fixed order.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/config/checks.hpp"

namespace traitctl {

// GENOTYPE_FILE measured: its header columns after HapMap's 11 fixed ones,
// and its rows.
struct DatasetSize {
  std::uint64_t samples = 0;
  std::uint64_t snps = 0;
  friend bool operator==(const DatasetSize&, const DatasetSize&) = default;
};

struct MeasuredGenotype {
  std::optional<DatasetSize> size;
  std::string
      why_not;  // when size is nullopt: for people, e.g. "GENOTYPE_FILE is not readable on this machine"
};

// GENOTYPE_FILE (its /data path under DATA_PATH_HOST) read whole where this
// machine can, for the estimate: estimated_peak_bytes(size->samples,
// size->snps). Reads a 2.6-million-row file in about a second.
[[nodiscard]] MeasuredGenotype measure_genotype(const BatchSettings& settings, const FileProbe& probe);

// MEMORY: a valid quantity (parse_memory), then compared with the estimated
// peak (core/memory_estimate.hpp) for `dataset`: warn when below, naming the
// smallest MEMORY_LADDER tier that covers it or the request that would.
// Without a dataset, a warning that says why (`unmeasured`). Sets
// estimated_gib when there is an estimate.
[[nodiscard]] Check check_memory(const BatchSettings& settings, const std::optional<DatasetSize>& dataset,
                                 std::string_view unmeasured);

// MEMORY_LADDER's tiers, each against the estimate when there is one: warn
// when none covers it.
[[nodiscard]] Check check_memory_ladder(const BatchSettings& settings,
                                        const std::optional<DatasetSize>& dataset);
[[nodiscard]] Check check_cpu_ladder(const BatchSettings& settings);

// EXPECTED_OUTPUT: ok with the path the first trait's output must match;
// warn when the pattern names no trait, or when OUTPUT_PATH_HOST is not
// visible here (completion is then judged by exit codes only).
[[nodiscard]] Check check_expected_output(const BatchSettings& settings, const std::vector<int>& traits,
                                          const FileProbe& probe);

// "samples": GENOTYPE_FILE's samples against PHENOTYPE_FILE's rows
// (`phenotype_rows`, nullopt when not read): warn when one is more than
// twice the other.
[[nodiscard]] Check check_samples(const DatasetSize& dataset, std::optional<std::uint64_t> phenotype_rows);

}  // namespace traitctl
