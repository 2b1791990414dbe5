#include "traitctl/core/node_health.hpp"

namespace traitctl {

int node_failures(const NodeHealth& node) {
  int count = 0;
  for (FailureClass blamed : {FailureClass::Mount, FailureClass::Infrastructure}) {
    if (auto found = node.failures.find(blamed); found != node.failures.end()) {
      count += found->second;
    }
  }
  return count;
}

bool is_suspect(const NodeHealth& node, const NodeHealthPolicy& policy) {
  const int failures = node_failures(node);
  return failures >= policy.min_failures && static_cast<double>(failures) > policy.share * node.finished;
}

std::vector<NodeHealth> node_health(const Ledger& ledger, const NodeHealthPolicy& policy) {
  std::map<std::string, NodeHealth> by_name;
  for (const auto& [trait, record] : ledger.traits) {
    for (const AttemptRecord& attempt : record.attempts) {
      if (!attempt.node || attempt.node->empty()) {
        continue;
      }
      NodeHealth& node = by_name[*attempt.node];
      node.name = *attempt.node;
      ++node.attempts;
      if (attempt.end) {
        ++node.finished;
      }
      if (attempt.failure) {
        ++node.failures[*attempt.failure];
      }
    }
  }
  std::vector<NodeHealth> nodes;
  nodes.reserve(by_name.size());
  for (auto& [name, node] : by_name) {
    node.suspect = is_suspect(node, policy);
    nodes.push_back(std::move(node));
  }
  return nodes;
}

std::vector<std::string> suspect_nodes(const std::vector<NodeHealth>& nodes) {
  std::vector<std::string> names;
  for (const NodeHealth& node : nodes) {
    if (node.suspect) {
      names.push_back(node.name);
    }
  }
  return names;
}

}  // namespace traitctl
