#include "traitctl/config/sizing_checks.hpp"

#include <fmt/ranges.h>

#include <cmath>

#include "traitctl/core/memory_estimate.hpp"
#include "traitctl/core/output_pattern.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

// Phenotype rows and genotype samples this far apart are two different panels.
constexpr std::uint64_t samples_disagreement_factor = 2;

// 2640000 -> "2,640,000": counts of SNPs are read by people.
std::string grouped(std::uint64_t number) {
  const std::string digits = std::to_string(number);
  std::string text;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) {
      text.push_back(',');
    }
    text.push_back(digits[i]);
  }
  return text;
}

std::string estimate_text(std::uint64_t needed, const DatasetSize& dataset) {
  return fmt::format("the estimated peak of {:.1f} GiB ({} samples x {} SNPs)", to_gib(needed),
                     grouped(dataset.samples), grouped(dataset.snps));
}

std::string memory_fix(const BatchSettings& settings, std::uint64_t needed) {
  if (settings.memory_ladder.empty()) {
    return fmt::format("set MEMORY to at least {}, or add a MEMORY_LADDER that reaches it",
                       memory_covering(needed));
  }
  if (auto tier = smallest_tier_covering(settings.memory_ladder, needed)) {
    return fmt::format(
        "the MEMORY_LADDER tier {} covers it: set MEMORY to {}, or leave the ladder to raise it "
        "after an out-of-memory failure",
        *tier, *tier);
  }
  return fmt::format("no MEMORY_LADDER tier covers it either: add a tier of at least {}",
                     memory_covering(needed));
}

}  // namespace

MeasuredGenotype measure_genotype(const BatchSettings& settings, const FileProbe& probe) {
  const auto host = host_path_of(settings.gapit.genotype_file, settings.data_path_host);
  if (!host || !std::filesystem::path(settings.data_path_host).is_absolute() ||
      probe.kind(*host) != FileProbe::Kind::File) {
    return {std::nullopt, "GENOTYPE_FILE is not readable on this machine"};
  }
  auto shape = probe.table_shape(*host);
  if (!shape) {
    return {std::nullopt, fmt::format("GENOTYPE_FILE could not be read: {}", shape.error().message)};
  }
  const std::size_t columns = count_columns(shape->header);
  if (columns <= hapmap_fixed_columns) {
    return {std::nullopt,
            fmt::format("GENOTYPE_FILE {} is not a HapMap file: its header has {} columns, and HapMap has {} "
                        "before the first sample",
                        host->string(), columns, hapmap_fixed_columns)};
  }
  return {DatasetSize{columns - hapmap_fixed_columns, shape->rows}, ""};
}

Check check_memory(const BatchSettings& settings, const std::optional<DatasetSize>& dataset,
                   std::string_view unmeasured) {
  auto bytes = parse_memory(settings.memory);
  if (!bytes) {
    return make_check("MEMORY", CheckStatus::Fail, settings.memory, bytes.error().message);
  }
  if (!dataset) {
    return make_check("MEMORY", CheckStatus::Warn, settings.memory,
                      fmt::format("not compared with an estimate: {}", unmeasured));
  }
  const std::uint64_t needed = estimated_peak_bytes(dataset->samples, dataset->snps);
  Check check = *bytes >= needed
                    ? make_check("MEMORY", CheckStatus::Ok, settings.memory,
                                 "covers " + estimate_text(needed, *dataset))
                    : make_check("MEMORY", CheckStatus::Warn, settings.memory,
                                 fmt::format("is below {}: GAPIT is likely to be killed for memory; {}",
                                             estimate_text(needed, *dataset), memory_fix(settings, needed)));
  constexpr double hundredths = 100.0;
  check.estimated_gib = std::round(to_gib(needed) * hundredths) / hundredths;
  return check;
}

Check check_memory_ladder(const BatchSettings& settings, const std::optional<DatasetSize>& dataset) {
  const std::string value = fmt::format("{}", fmt::join(settings.memory_ladder, ","));
  if (settings.memory_ladder.empty()) {
    return make_check("MEMORY_LADDER", CheckStatus::Ok, value,
                      "not set: a job killed for memory is not tried again with more");
  }
  if (!dataset) {
    return make_check("MEMORY_LADDER", CheckStatus::Ok, value,
                      fmt::format("{} tiers, smallest first", settings.memory_ladder.size()));
  }
  const std::uint64_t needed = estimated_peak_bytes(dataset->samples, dataset->snps);
  std::vector<std::string> verdicts;
  for (const std::string& tier : settings.memory_ladder) {
    auto bytes = parse_memory(tier);
    const bool covers = bytes && *bytes >= needed;
    verdicts.push_back(fmt::format("{} {}", tier, covers ? "covers it" : "too small"));
  }
  const bool any_covers = smallest_tier_covering(settings.memory_ladder, needed).has_value();
  const std::string message =
      fmt::format("{}: {}", estimate_text(needed, *dataset), fmt::join(verdicts, ", "));
  if (!any_covers) {
    return make_check("MEMORY_LADDER", CheckStatus::Warn, value,
                      fmt::format("{}; add a larger tier, of at least {}", message, memory_covering(needed)));
  }
  return make_check("MEMORY_LADDER", CheckStatus::Ok, value, message);
}

Check check_cpu_ladder(const BatchSettings& settings) {
  const std::string value = fmt::format("{}", fmt::join(settings.cpu_ladder, ","));
  if (settings.cpu_ladder.empty()) {
    return make_check("CPU_LADDER", CheckStatus::Ok, value, "not set: every attempt asks for CPU");
  }
  return make_check("CPU_LADDER", CheckStatus::Ok, value,
                    fmt::format("{} tiers, smallest first", settings.cpu_ladder.size()));
}

Check check_expected_output(const BatchSettings& settings, const std::vector<int>& traits,
                            const FileProbe& probe) {
  const std::string& pattern = settings.expected_output;
  if (pattern.empty()) {
    return make_check("EXPECTED_OUTPUT", CheckStatus::Ok, pattern,
                      "off: completion is judged by exit codes only");
  }
  const int first = traits.empty() ? settings.start_trait : traits.front();
  auto expanded = expand_output_pattern(pattern, first);
  auto next = expand_output_pattern(pattern, first + 1);
  if (!expanded || !next) {
    return make_check("EXPECTED_OUTPUT", CheckStatus::Fail, pattern,
                      fmt::format("EXPECTED_OUTPUT: {}", (expanded ? next : expanded).error().message));
  }
  if (*expanded == *next) {
    return make_check(
        "EXPECTED_OUTPUT", CheckStatus::Warn, pattern,
        "names no trait, so one file would prove every trait done: put {trait} or {trait:03} in it");
  }
  if (probe.kind(settings.output_path_host) != FileProbe::Kind::Directory) {
    return make_check(
        "EXPECTED_OUTPUT", CheckStatus::Warn, pattern,
        fmt::format("OUTPUT_PATH_HOST {} is not visible on this machine: completion will be judged "
                    "by exit codes only",
                    settings.output_path_host));
  }
  return make_check(
      "EXPECTED_OUTPUT", CheckStatus::Ok, pattern,
      fmt::format("trait {} is done when {}/{} exists", first, settings.output_path_host, *expanded));
}

Check check_samples(const DatasetSize& dataset, std::optional<std::uint64_t> phenotype_rows) {
  const std::string value = std::to_string(dataset.samples);
  const std::string genotype = fmt::format("GENOTYPE_FILE has {} sample columns", grouped(dataset.samples));
  if (!phenotype_rows) {
    return make_check("samples", CheckStatus::Ok, value, genotype);
  }
  const std::uint64_t larger = std::max(dataset.samples, *phenotype_rows);
  const std::uint64_t smaller = std::min(dataset.samples, *phenotype_rows);
  const std::string both = fmt::format("{}, PHENOTYPE_FILE {} rows", genotype, grouped(*phenotype_rows));
  if (larger > smaller * samples_disagreement_factor) {
    return make_check("samples", CheckStatus::Warn, value,
                      fmt::format("{}: GAPIT analyses only the accessions in both; check that the two files "
                                  "describe the same panel (the memory estimate counts the genotype's)",
                                  both));
  }
  return make_check("samples", CheckStatus::Ok, value, both);
}

}  // namespace traitctl
