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

void NodeTally::add(const Counted& attempt, int sign) {
  NodeHealth& node = by_name_[attempt.node];
  node.name = attempt.node;
  node.attempts += sign;
  node.finished += attempt.finished ? sign : 0;
  if (attempt.failure) {
    if ((node.failures[*attempt.failure] += sign) == 0) {
      node.failures.erase(*attempt.failure);  // classes with none are absent
    }
  }
  if (node.attempts == 0) {
    by_name_.erase(attempt.node);
  }
}

void NodeTally::recount(int trait, const TraitRecord& record) {
  std::vector<Counted>& counted = by_trait_[trait];
  for (const Counted& attempt : counted) {
    add(attempt, -1);
  }
  counted.clear();
  for (const AttemptRecord& attempt : record.attempts) {
    if (attempt.node && !attempt.node->empty()) {
      counted.push_back({*attempt.node, attempt.end.has_value(), attempt.failure});
      add(counted.back(), 1);
    }
  }
  if (counted.empty()) {
    by_trait_.erase(trait);
  }
}

std::vector<NodeHealth> NodeTally::health(const NodeHealthPolicy& policy) const {
  std::vector<NodeHealth> nodes;
  nodes.reserve(by_name_.size());
  for (const auto& [name, node] : by_name_) {
    nodes.push_back(node);
    nodes.back().suspect = is_suspect(node, policy);
  }
  return nodes;
}

std::vector<NodeHealth> node_health(const Ledger& ledger, const NodeHealthPolicy& policy) {
  NodeTally tally;
  for (const auto& [trait, record] : ledger.traits) {
    tally.recount(trait, record);
  }
  return tally.health(policy);
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
