#include "traitctl/cli/batch_health.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "traitctl/core/parse.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {

std::string tier_memory(const BatchSettings& settings, int tier) {
  auto tiers = resource_tiers(settings.cpu, settings.memory, settings.memory_ladder, settings.cpu_ladder);
  if (!tiers || tier < 0 || static_cast<std::size_t>(tier) >= tiers->size()) {
    return "";
  }
  return (*tiers)[static_cast<std::size_t>(tier)].memory;
}

BatchHealth batch_health(const Ledger& ledger, const BatchSettings& settings, const std::string& backend) {
  BatchHealth health;
  health.backend = backend;
  health.learned_tier = ledger.learned_memory_tier;
  if (health.learned_tier) {
    health.learned_memory = tier_memory(settings, *health.learned_tier);
  }
  health.nodes = node_health(ledger);
  health.sizing = right_sizing(ledger, settings.memory);
  return health;
}

nlohmann::json learned_tier_json(const BatchHealth& health) {
  if (!health.learned_tier || *health.learned_tier == 0) {
    return nullptr;
  }
  // The tier's memory comes from the ladder this command was given; without
  // one (no MEMORY_LADDER in its settings) it is unknown here.
  return {{"tier", *health.learned_tier},
          {"memory", health.learned_memory.empty() ? nlohmann::json(nullptr) : nlohmann::json(health.learned_memory)}};
}

nlohmann::json nodes_json(const std::vector<NodeHealth>& nodes) {
  nlohmann::json list = nlohmann::json::array();
  for (const NodeHealth& node : nodes) {
    nlohmann::json failures = nlohmann::json::object();
    for (const auto& [failure, count] : node.failures) {
      failures[std::string(to_string(failure))] = count;
    }
    list.push_back({{"name", node.name},
                    {"attempts", node.attempts},
                    {"failures", std::move(failures)},
                    {"suspect", node.suspect}});
  }
  return list;
}

nlohmann::json right_sizing_json(const std::optional<RightSizing>& sizing) {
  if (!sizing) {
    return nullptr;
  }
  return {{"highest_peak_bytes", sizing->highest_peak_bytes},
          {"median_peak_bytes", sizing->median_peak_bytes},
          {"traits", sizing->traits},
          {"asked", sizing->asked},
          {"covering", sizing->covering},
          {"covering_bytes", sizing->covering_bytes},
          {"headroom", sizing->headroom},
          {"advice", sizing->advice}};
}

std::vector<std::string> health_lines(const BatchHealth& health, const std::string& backend) {
  std::vector<std::string> lines;
  if (health.learned_tier && *health.learned_tier > 0) {
    lines.push_back(health.learned_memory.empty()
                        ? fmt::format("Memory tier learned: traits not yet submitted start at tier {} of "
                                      "the memory ladder (give MEMORY_LADDER to see its size)",
                                      *health.learned_tier)
                        : fmt::format("Memory tier learned: traits not yet submitted start at {} (tier {})",
                                      printable(health.learned_memory), *health.learned_tier));
  }
  if (health.sizing) {
    lines.push_back(fmt::format("Memory used: {}", printable(health.sizing->advice)));
  }
  const auto suspects = suspect_nodes(health.nodes);
  if (suspects.empty()) {
    return lines;
  }
  lines.emplace_back("Nodes:");
  for (const NodeHealth& node : health.nodes) {
    if (!node.suspect) {
      continue;
    }
    std::vector<std::string> failures;
    for (const auto& [failure, count] : node.failures) {
      failures.push_back(fmt::format("{} {}", to_string(failure), count));
    }
    lines.push_back(fmt::format("  {} is suspect: {} failures ({}) of {} attempts", printable(node.name),
                                node_failures(node), fmt::join(failures, ", "), node.attempts));
  }
  if (backend == "slurm") {
    lines.push_back(fmt::format("  New jobs exclude {} (--exclude; --no-avoid-nodes turns it off).",
                                fmt::join(suspects, ",")));
  } else if (backend == "runai") {
    lines.push_back(fmt::format(
        "  Tell the cluster's admins: jobs on {} fail their mounts or the node. Run:ai's CLI has no "
        "per-workload way to avoid a node, so retries may land there again.",
        fmt::join(suspects, ", ")));
  }
  return lines;
}

}  // namespace traitctl
