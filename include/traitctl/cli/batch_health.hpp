// What status, describe and the plan say about the batch as a whole from its
// ledger: the memory tier it learned (core/memory_learning.hpp), what its
// jobs used against what they asked (core/right_sizing.hpp), and the health
// of the nodes they ran on (core/node_health.hpp).
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/config/settings.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/node_health.hpp"
#include "traitctl/core/right_sizing.hpp"

namespace traitctl {

struct BatchHealth {
  std::optional<int> learned_tier;  // as the ledger has it
  std::string learned_memory;       // that tier's memory; "" when none is learned or it is off the ladder
  std::vector<NodeHealth> nodes;
  std::optional<RightSizing> sizing;
  std::string backend;  // runai, slurm or local: what to do about a suspect node
};

[[nodiscard]] BatchHealth batch_health(const Ledger& ledger, const BatchSettings& settings,
                                       const std::string& backend = "");

// The memory of ladder tier `tier` (0 is MEMORY); "" when the settings have no such tier.
[[nodiscard]] std::string tier_memory(const BatchSettings& settings, int tier);

// {"tier", "memory"} or null.
[[nodiscard]] nlohmann::json learned_tier_json(const BatchHealth& health);
// [{"name", "attempts", "failures": {class: n}, "suspect"}]
[[nodiscard]] nlohmann::json nodes_json(const std::vector<NodeHealth>& nodes);
// {"highest_peak_bytes", "median_peak_bytes", "traits", "asked", "covering", "covering_bytes",
// "headroom", "advice"} or null.
[[nodiscard]] nlohmann::json right_sizing_json(const std::optional<RightSizing>& sizing);

// Plain lines: the learned tier, the right-sizing advice, and a Nodes block
// only when a node is suspect, with what to do about it on `backend`.
[[nodiscard]] std::vector<std::string> health_lines(const BatchHealth& health, const std::string& backend);

}  // namespace traitctl
