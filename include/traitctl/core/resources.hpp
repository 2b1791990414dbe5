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
