// Node health: per node (where the cluster ran each attempt), how many
// attempts it ran, how they ended and which of them failed for what, and
// whether the node is suspect. A suspect node is one whose mount or
// infrastructure failures are several and most of what it finished: one bad
// job is not a bad node, and a node where everything fails for the job's own
// reasons (config, out of memory) is not the node's fault. Pure arithmetic
// over the ledger's attempts (those with a known node).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/failure.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

struct NodeHealthPolicy {
  int min_failures = 3;  // mount or infrastructure failures, at least
  double share = 0.5;    // and more than this share of the node's finished attempts
  friend bool operator==(const NodeHealthPolicy&, const NodeHealthPolicy&) = default;
};

struct NodeHealth {
  std::string name;
  int attempts = 0;                      // every attempt the node ran, running ones included
  int finished = 0;                      // of those, the ones that ended (any AttemptEnd)
  std::map<FailureClass, int> failures;  // classified failures by class; classes with none absent
  bool suspect = false;
  friend bool operator==(const NodeHealth&, const NodeHealth&) = default;
};

// Mount plus infrastructure failures: what the node, not the job, is blamed for.
[[nodiscard]] int node_failures(const NodeHealth& node);

// The rule: node_failures >= min_failures and node_failures > share × finished.
[[nodiscard]] bool is_suspect(const NodeHealth& node, const NodeHealthPolicy& policy = {});

// The counts of node_health kept trait by trait, for the batch loop: a
// trait's attempts are counted again when its record changed, so that the
// suspects of a running batch cost what changed, not the whole ledger.
class NodeTally {
 public:
  // Replaces what `trait` counted before with what `record` holds now.
  void recount(int trait, const TraitRecord& record);
  // One entry per node named by a counted attempt, sorted by name; suspect set.
  [[nodiscard]] std::vector<NodeHealth> health(const NodeHealthPolicy& policy = {}) const;

 private:
  struct Counted {  // one attempt with a node, as it was counted
    std::string node;
    bool finished = false;
    std::optional<FailureClass> failure;
  };
  void add(const Counted& attempt, int sign);

  std::map<std::string, NodeHealth> by_name_;
  std::map<int, std::vector<Counted>> by_trait_;
};

// One entry per node named by any attempt, sorted by name; suspect set by is_suspect.
[[nodiscard]] std::vector<NodeHealth> node_health(const Ledger& ledger, const NodeHealthPolicy& policy = {});

// The names of the suspect nodes among `nodes`, in their order.
[[nodiscard]] std::vector<std::string> suspect_nodes(const std::vector<NodeHealth>& nodes);

}  // namespace traitctl
