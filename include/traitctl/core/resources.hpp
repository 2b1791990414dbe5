// What a job asks for: CPU cores and memory, written as the .env writes them
// (Kubernetes quantities such as 12, 0.5, 32G, 1.5Gi), and the forms each
// backend takes. Pure parsing; messages name the bad text and the fix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/result.hpp"

namespace traitctl {

// Bytes of a memory quantity: a positive number and one of the units k M G T P
// (powers of 1000) or Ki Mi Gi Ti Pi (powers of 1024), case-sensitive as in
// Kubernetes ("m" would be milli). Config error naming `what` (e.g. MEMORY),
// the text and the accepted forms.
[[nodiscard]] Result<std::uint64_t> parse_memory(std::string_view text, std::string_view what = "MEMORY");

// Cores of a CPU request: a positive decimal such as 12 or 0.5. Config error
// naming `what` and the text.
[[nodiscard]] Result<double> parse_cpu(std::string_view text, std::string_view what = "CPU");

// A memory ladder, "64G,96G,160G": at least one tier, each a valid quantity,
// every tier larger than the one before. Config error naming `what`, the bad
// tier and the fix.
[[nodiscard]] Result<std::vector<std::string>> parse_memory_ladder(std::string_view text,
                                                                   std::string_view what = "MEMORY_LADDER");

// The same for a CPU ladder, "12,16,24".
[[nodiscard]] Result<std::vector<std::string>> parse_cpu_ladder(std::string_view text,
                                                                std::string_view what = "CPU_LADDER");

// What a job asks for at one tier of the memory ladder.
struct ResourceTier {
  std::string cpu;
  std::string memory;
  friend bool operator==(const ResourceTier&, const ResourceTier&) = default;
};

// The tiers an out-of-memory trait climbs, one per OOM failure: CPU and
// MEMORY first, then each memory ladder tier larger than MEMORY (a ladder
// may list MEMORY itself: 64G,96G,160G with MEMORY=64G climbs to 96G, then
// 160G). A CPU ladder steps CPU alongside: its entry at the same position as
// the memory tier, its last past its end; without one CPU stays. Config
// error naming a tier that does not parse.
[[nodiscard]] Result<std::vector<ResourceTier>> resource_tiers(std::string_view cpu, std::string_view memory,
                                                               const std::vector<std::string>& memory_ladder,
                                                               const std::vector<std::string>& cpu_ladder);

// "29.8 GiB", "512 MiB": bytes for people, in the largest binary unit that
// keeps a whole part.
[[nodiscard]] std::string format_bytes(std::uint64_t bytes);

// Slurm's --mem argument for a quantity. Slurm reads K, M, G and T as powers
// of 1024 and takes whole numbers only: a whole amount keeps its number and
// unit letter (32G and 32Gi both give 32G, as a Slurm user writes it); any
// other amount becomes whole mebibytes, rounded up (1.5Gi gives 1536M).
[[nodiscard]] Result<std::string> slurm_memory(std::string_view text);

// Slurm's --cpus-per-task: a whole number of cores, at least 1. Config error
// naming the text for a fraction such as 0.5.
[[nodiscard]] Result<int> slurm_cpus(std::string_view text);

}  // namespace traitctl
