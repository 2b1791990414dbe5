#include "traitctl/adapters/runai_describe.hpp"

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/ledger.hpp"

namespace traitctl {
namespace {

using nlohmann::json;

// How deep to look for the "pods" array: the workload object may be wrapped
// ({"workload": {...}}), but a pod is never far down.
constexpr int max_pods_depth = 4;

// The first of `keys` that `object` has with a non-null value.
const json* member(const json* object, std::initializer_list<const char*> keys) {
  if (object == nullptr || !object->is_object()) {
    return nullptr;
  }
  for (const char* key : keys) {
    if (const auto found = object->find(key); found != object->end() && !found->is_null()) {
      return &*found;
    }
  }
  return nullptr;
}

std::optional<int> integer(const json* value) {
  if (value == nullptr || !value->is_number_integer()) {
    return std::nullopt;
  }
  if (value->is_number_unsigned()) {
    const auto number = value->get<std::uint64_t>();
    return number <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())
               ? std::optional{static_cast<int>(number)}
               : std::nullopt;
  }
  const auto number = value->get<std::int64_t>();
  return number >= std::numeric_limits<int>::min() ? std::optional{static_cast<int>(number)} : std::nullopt;
}

std::optional<std::string> text(const json* value) {
  if (value == nullptr || !value->is_string() || value->get_ref<const std::string&>().empty()) {
    return std::nullopt;
  }
  return value->get<std::string>();
}

struct ContainerEnd {
  std::string name;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::optional<std::string> reason;

  [[nodiscard]] bool revealed() const { return exit_code || signal || reason; }
  void fill_from(const ContainerEnd& other) {
    exit_code = exit_code ? exit_code : other.exit_code;
    signal = signal ? signal : other.signal;
    reason = reason ? reason : other.reason;
  }
};

// A container object of either shape: Kubernetes' status with state and
// lastState, or one that carries its exit code itself.
ContainerEnd end_of(const json& container) {
  ContainerEnd end;
  end.name = text(member(&container, {"name"})).value_or("");
  const json* terminated = member(member(&container, {"state"}), {"terminated"});
  if (terminated == nullptr) {
    terminated = member(member(&container, {"lastState", "last_state"}), {"terminated"});
  }
  const json* source = terminated != nullptr ? terminated : &container;
  end.exit_code = integer(member(source, {"exitCode", "exit_code"}));
  end.signal = integer(member(source, {"signal"}));
  end.reason = text(member(source, {"reason"}));
  return end;
}

// Every non-init container of a pod, one entry per name.
std::vector<ContainerEnd> containers_of(const json& pod) {
  const json* status = member(&pod, {"status"});
  std::vector<ContainerEnd> containers;
  for (const json* list : {member(&pod, {"containers"}), member(&pod, {"containerStatuses"}),
                           member(status, {"containerStatuses"})}) {
    if (list == nullptr || !list->is_array()) {
      continue;
    }
    for (const json& container : *list) {
      if (!container.is_object()) {
        continue;
      }
      ContainerEnd end = end_of(container);
      const auto same = std::find_if(containers.begin(), containers.end(), [&](const ContainerEnd& known) {
        return !end.name.empty() && known.name == end.name;
      });
      if (same == containers.end()) {
        containers.push_back(std::move(end));
      } else {
        same->fill_from(end);
      }
    }
  }
  return containers;
}

std::optional<ContainerEnd> main_container(const json& pod, std::string_view workload_name) {
  std::vector<ContainerEnd> containers = containers_of(pod);
  const auto named = std::find_if(containers.begin(), containers.end(), [&](const ContainerEnd& container) {
    return container.name == workload_name;
  });
  if (named != containers.end()) {
    return *named;
  }
  if (containers.size() == 1) {
    return containers.front();
  }
  return std::nullopt;
}

// "Evicted", "DisruptionTarget: PreemptionByScheduler", both joined by "; ",
// or nullopt for a pod that nothing outside it ended.
std::optional<std::string> disruption_of(const json& pod) {
  const json* status = member(&pod, {"status"});
  std::string reason = text(member(&pod, {"reason"})).value_or(text(member(status, {"reason"})).value_or(""));
  const json* conditions = member(&pod, {"conditions"});
  if (conditions == nullptr) {
    conditions = member(status, {"conditions"});
  }
  if (conditions != nullptr && conditions->is_array()) {
    for (const json& condition : *conditions) {
      const bool disrupted = text(member(&condition, {"type"})) == "DisruptionTarget" &&
                             text(member(&condition, {"status"})).value_or("True") == "True";
      if (disrupted) {
        const auto why = text(member(&condition, {"reason"}));
        reason += reason.empty() ? "" : "; ";
        reason += why ? "DisruptionTarget: " + *why : "DisruptionTarget";
        break;
      }
    }
  }
  return reason.empty() ? std::nullopt : std::optional{reason};
}

const json* find_pods(const json& node, int depth) {
  if (depth > max_pods_depth || !(node.is_object() || node.is_array())) {
    return nullptr;
  }
  if (const json* pods = member(&node, {"pods"}); pods != nullptr && pods->is_array()) {
    return pods;
  }
  for (const json& child : node) {
    if (const json* pods = find_pods(child, depth + 1)) {
      return pods;
    }
  }
  return nullptr;
}

bool looks_like_a_pod(const json& document) {
  return member(&document, {"containers", "containerStatuses"}) != nullptr ||
         member(member(&document, {"status"}), {"containerStatuses"}) != nullptr;
}

// The pods of a describe document: its "pods" array, or the document itself
// when it is one pod.
std::vector<const json*> pods_of(const json& document) {
  std::vector<const json*> pods;
  if (const json* listed = find_pods(document, 0)) {
    for (const json& pod : *listed) {
      if (pod.is_object()) {
        pods.push_back(&pod);
      }
    }
  } else if (looks_like_a_pod(document)) {
    pods.push_back(&document);
  }
  return pods;
}

std::optional<TimePoint> time_of(const json* value) {
  const auto written = text(value);
  if (!written) {
    return std::nullopt;
  }
  auto parsed = parse_utc(*written);
  return parsed ? std::optional{*parsed} : std::nullopt;
}

// The container object named `workload_name`, else the only one, among the
// pod's containers and container statuses; the status when both carry times.
const json* main_container_json(const json& pod, std::string_view workload_name) {
  const json* status = member(&pod, {"status"});
  std::vector<const json*> named;
  std::vector<const json*> all;
  for (const json* list : {member(status, {"containerStatuses"}), member(&pod, {"containerStatuses"}),
                           member(&pod, {"containers"})}) {
    if (list == nullptr || !list->is_array()) {
      continue;
    }
    for (const json& container : *list) {
      if (!container.is_object()) {
        continue;
      }
      all.push_back(&container);
      if (text(member(&container, {"name"})) == std::string(workload_name)) {
        named.push_back(&container);
      }
    }
  }
  if (!named.empty()) {
    return named.front();
  }
  return all.size() == 1 ? all.front() : nullptr;
}

}  // namespace

AttemptFacts facts_from_describe(std::string_view describe_json, std::string_view workload_name) {
  AttemptFacts facts;
  const json document = json::parse(describe_json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return facts;
  }
  for (const json* pod : pods_of(document)) {
    facts.node = text(member(pod, {"nodeName", "node"}));
    if (!facts.node) {
      facts.node = text(member(member(pod, {"spec"}), {"nodeName"}));
    }
    if (const json* container = main_container_json(*pod, workload_name)) {
      const json* state = member(container, {"state"});
      for (const json* source :
           {member(state, {"terminated"}), member(state, {"running"}),
            member(member(container, {"lastState", "last_state"}), {"terminated"}), container}) {
        if (!facts.started_at) {
          facts.started_at = time_of(member(source, {"startedAt", "started_at"}));
        }
        if (!facts.ended_at) {
          facts.ended_at = time_of(member(source, {"finishedAt", "finished_at"}));
        }
      }
    }
    if (facts.node || facts.started_at || facts.ended_at) {
      return facts;
    }
  }
  return AttemptFacts{};
}

FailureEvidence evidence_from_describe(std::string_view describe_json, std::string_view workload_name) {
  FailureEvidence evidence;
  const json document = json::parse(describe_json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return evidence;
  }
  for (const json* pod : pods_of(document)) {
    const std::optional<ContainerEnd> main = main_container(*pod, workload_name);
    const std::optional<std::string> disruption = disruption_of(*pod);
    if (!disruption && !(main && main->revealed())) {
      continue;
    }
    if (main) {
      evidence.exit_code = main->exit_code;
      evidence.signal = main->signal;
      evidence.reason = main->reason;
    }
    if (disruption) {
      evidence.reason = disruption;
    }
    return evidence;
  }
  return evidence;
}

}  // namespace traitctl
