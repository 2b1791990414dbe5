#include "traitctl/core/concurrency.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "traitctl/core/ledger.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

using nlohmann::json;

inline constexpr int cap_request_version = 1;

// The lowest the adaptive limit goes: a maximum below --min-concurrent wins.
int floor_of(const CapState& state, const AdaptivePolicy& policy) {
  return std::min(policy.min_concurrent, state.maximum);
}

int count_failures(const std::deque<bool>& recent) {
  return static_cast<int>(std::count(recent.begin(), recent.end(), true));
}

void trim_window(CapState& state, const AdaptivePolicy& policy) {
  while (static_cast<int>(state.recent.size()) > policy.window) {
    state.recent.pop_front();
  }
}

// The decision of a change already made to `state`.
CapDecision decision_from(CapEvent event, int from, int previous_maximum, const CapState& state) {
  CapDecision decision;
  decision.event = event;
  decision.from = from;
  decision.to = effective_cap(state);
  decision.previous_maximum = previous_maximum;
  decision.maximum = state.maximum;
  return decision;
}

CapDecision halve(CapState& state, TimePoint now, const AdaptivePolicy& policy) {
  const int from = effective_cap(state);
  const int mount_failures = count_failures(state.recent);
  const int finishes = static_cast<int>(state.recent.size());
  state.adaptive_limit = std::max(floor_of(state, policy), from / 2);
  state.recent.clear();
  state.healthy_streak = 0;
  state.lowered_at = now;
  state.changed_at = now;
  CapDecision decision = decision_from(CapEvent::Lowered, from, state.maximum, state);
  decision.mount_failures = mount_failures;
  decision.finishes = finishes;
  return decision;
}

CapDecision raise_by_one(CapState& state, TimePoint now) {
  const int from = effective_cap(state);
  const int healthy_run = state.healthy_streak;
  state.adaptive_limit = from + 1;
  if (*state.adaptive_limit >= state.maximum) {
    state.adaptive_limit.reset();
  }
  state.healthy_streak = 0;
  state.changed_at = now;
  CapDecision decision = decision_from(CapEvent::Raised, from, state.maximum, state);
  decision.healthy_run = healthy_run;
  return decision;
}

// Thrown while reading a document, caught by the *_from_json functions: it
// names the key that is wrong.
class CapFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Absent and null both mean "not set".
const json* find(const json& object, const char* key) {
  const auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

int read_int(const json& value, const char* key, int least) {
  if (!value.is_number_integer() || value.get<std::int64_t>() < least ||
      value.get<std::int64_t>() > std::numeric_limits<int>::max()) {
    throw CapFormatError(
        fmt::format("\"{}\": expected a whole number >= {}, found {}", key, least, value.dump()));
  }
  return value.get<int>();
}

bool read_bool(const json& value, const char* key) {
  if (!value.is_boolean()) {
    throw CapFormatError(fmt::format("\"{}\": expected true or false, found {}", key, value.dump()));
  }
  return value.get<bool>();
}

TimePoint read_cap_time(const json& value, const char* key) {
  if (value.is_string()) {
    if (auto time = parse_utc(value.get<std::string>())) {
      return *time;
    }
  }
  throw CapFormatError(
      fmt::format("\"{}\": expected a UTC time like 2024-05-01T12:00:00.250Z, found {}", key, value.dump()));
}

const json& require(const json& object, const char* key) {
  const json* value = find(object, key);
  if (value == nullptr) {
    throw CapFormatError(fmt::format("missing \"{}\"", key));
  }
  return *value;
}

void require_object(const json& document) {
  if (!document.is_object()) {
    throw CapFormatError(fmt::format("expected an object, found {}", document.type_name()));
  }
}

CapRequest read_request(const json& document) {
  require_object(document);
  const json& version = require(document, "version");
  if (!version.is_number_integer() || version.get<std::int64_t>() != cap_request_version) {
    throw CapFormatError(
        fmt::format("version {} is not the version this traitctl reads ({}): it was written "
                    "by another traitctl; use that one, or run traitctl cap again",
                    version.dump(), cap_request_version));
  }
  CapRequest request;
  request.max_concurrent = read_int(require(document, "max_concurrent"), "max_concurrent", 1);
  if (const json* reset = find(document, "reset")) {
    request.reset = read_bool(*reset, "reset");
  }
  request.set_at = read_cap_time(require(document, "set_at"), "set_at");
  request.set_by_pid = read_int(require(document, "set_by_pid"), "set_by_pid", 0);
  return request;
}

CapState read_state(const json& document) {
  require_object(document);
  CapState state;
  if (const json* maximum = find(document, "maximum")) {
    state.maximum = read_int(*maximum, "maximum", 1);
  }
  if (const json* limit = find(document, "adaptive_limit")) {
    state.adaptive_limit = read_int(*limit, "adaptive_limit", 1);
  }
  if (const json* recent = find(document, "recent")) {
    if (!recent->is_array()) {
      throw CapFormatError(fmt::format("\"recent\": expected an array, found {}", recent->dump()));
    }
    for (const json& finish : *recent) {
      state.recent.push_back(read_bool(finish, "recent"));
    }
  }
  if (const json* streak = find(document, "healthy_streak")) {
    state.healthy_streak = read_int(*streak, "healthy_streak", 0);
  }
  if (const json* lowered = find(document, "lowered_at")) {
    state.lowered_at = read_cap_time(*lowered, "lowered_at");
  }
  if (const json* changed = find(document, "changed_at")) {
    state.changed_at = read_cap_time(*changed, "changed_at");
  }
  if (const json* request = find(document, "last_request")) {
    try {
      state.last_request = read_request(*request);
    } catch (const CapFormatError& error) {
      throw CapFormatError(fmt::format("last_request: {}", error.what()));
    }
  }
  return state;
}

std::int64_t millicores(double cpu) { return std::llround(cpu * 1000.0); }

// CPU in millicores and memory in bytes, added without overflow.
struct Usage {
  std::int64_t cpu = 0;
  std::uint64_t memory = 0;

  void add(const JobSize& job) {
    cpu += millicores(job.cpu);
    memory = job.memory_bytes > std::numeric_limits<std::uint64_t>::max() - memory
                 ? std::numeric_limits<std::uint64_t>::max()
                 : memory + job.memory_bytes;
  }
};

// What, if anything, keeps `job` from joining `used` within the budget.
WaitingFor short_of(const Usage& used, const JobSize& job, const ResourceBudget& budget) {
  if (budget.cpu && used.cpu + millicores(job.cpu) > millicores(*budget.cpu)) {
    return WaitingFor::Cpu;
  }
  if (budget.memory_bytes &&
      (used.memory > *budget.memory_bytes || job.memory_bytes > *budget.memory_bytes - used.memory)) {
    return WaitingFor::Memory;
  }
  return WaitingFor::Nothing;
}

}  // namespace

Result<void> check_adaptive_policy(const AdaptivePolicy& policy, int max_concurrent) {
  if (policy.min_concurrent < 1 || policy.window < 1 || policy.burst < 1 || policy.healthy_run < 1) {
    return make_error(ErrorKind::Usage,
                      "--min-concurrent, --cap-window, --cap-burst and --cap-healthy-run must each be at "
                      "least 1, got {}, {}, {} and {}",
                      policy.min_concurrent, policy.window, policy.burst, policy.healthy_run);
  }
  if (policy.burst > policy.window) {
    return make_error(ErrorKind::Usage,
                      "--cap-burst {} can never happen within --cap-window {}: make the burst at most the "
                      "window, e.g. --cap-burst 3 --cap-window 10",
                      policy.burst, policy.window);
  }
  if (policy.min_concurrent > max_concurrent) {
    return make_error(ErrorKind::Usage,
                      "--min-concurrent {} is above --max-concurrent {}: lower it to at most {}",
                      policy.min_concurrent, max_concurrent, max_concurrent);
  }
  return {};
}

int effective_cap(const CapState& state) {
  return state.adaptive_limit ? std::min(*state.adaptive_limit, state.maximum) : state.maximum;
}

bool throttled(const CapState& state) {
  return state.adaptive_limit && *state.adaptive_limit < state.maximum;
}

CapState resume_cap(const std::optional<CapState>& persisted, int max_concurrent,
                    const AdaptivePolicy& policy) {
  CapState state = persisted.value_or(CapState{});
  state.maximum = max_concurrent;
  if (!policy.enabled) {
    state.adaptive_limit.reset();
    state.recent.clear();
    state.healthy_streak = 0;
    return state;
  }
  if (state.adaptive_limit) {
    state.adaptive_limit = std::max(*state.adaptive_limit, floor_of(state, policy));
  }
  trim_window(state, policy);
  return state;
}

CapDecision observe_finish(CapState& state, const FinishedAttempt& attempt, TimePoint now,
                           const AdaptivePolicy& policy) {
  const bool before_last_decrease =
      attempt.submitted_at && state.lowered_at && *attempt.submitted_at < *state.lowered_at;
  if (!policy.enabled || before_last_decrease) {
    return {};
  }
  state.recent.push_back(attempt.mount_failure);
  trim_window(state, policy);
  if (attempt.mount_failure) {
    state.healthy_streak = 0;
    if (count_failures(state.recent) >= policy.burst && effective_cap(state) > floor_of(state, policy)) {
      return halve(state, now, policy);
    }
    return {};
  }
  state.healthy_streak = std::min(state.healthy_streak + 1, policy.healthy_run);
  if (state.healthy_streak >= policy.healthy_run && throttled(state)) {
    return raise_by_one(state, now);
  }
  return {};
}

CapDecision set_maximum(CapState& state, int maximum, Throttle throttle, TimePoint now,
                        const AdaptivePolicy& policy) {
  const int from = effective_cap(state);
  const int previous_maximum = state.maximum;
  state.maximum = maximum;
  if (throttle == Throttle::Lift) {
    state.adaptive_limit.reset();
    state.recent.clear();
    state.healthy_streak = 0;
  } else if (state.adaptive_limit) {
    state.adaptive_limit = std::max(*state.adaptive_limit, floor_of(state, policy));
  }
  if (effective_cap(state) != from) {
    state.changed_at = now;
  }
  return decision_from(CapEvent::Set, from, previous_maximum, state);
}

CapDecision apply_cap_request(CapState& state, const CapRequest& request, TimePoint now,
                              const AdaptivePolicy& policy) {
  if (state.last_request == request) {
    return {};
  }
  CapDecision decision = set_maximum(state, request.max_concurrent,
                                     request.reset ? Throttle::Lift : Throttle::Keep, now, policy);
  state.last_request = request;
  decision.request = request;
  return decision;
}

std::string_view journal_event(CapEvent event) {
  switch (event) {
    case CapEvent::Lowered: return "cap-lowered";
    case CapEvent::Raised: return "cap-raised";
    case CapEvent::Set: return "cap-set";
    case CapEvent::None: break;
  }
  return "";
}

std::string describe(const CapDecision& decision) {
  switch (decision.event) {
    case CapEvent::Lowered:
      return fmt::format("lowered to {} after {} mount failures in the last {} jobs", decision.to,
                         decision.mount_failures, decision.finishes);
    case CapEvent::Raised:
      return fmt::format("raised to {} after {} jobs in a row without a mount failure", decision.to,
                         decision.healthy_run);
    case CapEvent::Set: {
      const std::string by =
          decision.request ? fmt::format(" by traitctl cap (pid {})", decision.request->set_by_pid) : "";
      const std::string was = decision.previous_maximum == decision.maximum
                                  ? " (unchanged)"
                                  : fmt::format(" (was {})", decision.previous_maximum);
      const std::string effective =
          decision.to < decision.maximum
              ? fmt::format("; the effective cap {} at {}, lowered by mount failures",
                            decision.to == decision.from ? "stays" : "is", decision.to)
              : "";
      const std::string reset =
          decision.request && decision.request->reset ? "; recent mount failures forgotten (--reset)" : "";
      return fmt::format("maximum set to {}{}{}{}{}", decision.maximum, was, by, effective, reset);
    }
    case CapEvent::None: break;
  }
  return "";
}

json journal_details(const CapDecision& decision) {
  json details{{"from", decision.from},
               {"to", decision.to},
               {"previous_maximum", decision.previous_maximum},
               {"maximum", decision.maximum},
               {"reason", describe(decision)}};
  if (decision.event == CapEvent::Lowered) {
    details["mount_failures"] = decision.mount_failures;
    details["finishes"] = decision.finishes;
  } else if (decision.event == CapEvent::Raised) {
    details["healthy_run"] = decision.healthy_run;
  } else if (decision.request) {
    details["set_by_pid"] = decision.request->set_by_pid;
    details["reset"] = decision.request->reset;
  }
  return details;
}

json to_json(const CapState& state) {
  json document{{"maximum", state.maximum},
                {"effective", effective_cap(state)},
                {"recent", json(state.recent)},
                {"healthy_streak", state.healthy_streak}};
  if (state.adaptive_limit) {
    document["adaptive_limit"] = *state.adaptive_limit;
  }
  if (state.lowered_at) {
    document["lowered_at"] = format_utc(*state.lowered_at);
  }
  if (state.changed_at) {
    document["changed_at"] = format_utc(*state.changed_at);
  }
  if (state.last_request) {
    document["last_request"] = to_json(*state.last_request);
  }
  return document;
}

Result<CapState> cap_state_from_json(const json& document) {
  try {
    return read_state(document);
  } catch (const CapFormatError& error) {
    return make_error(ErrorKind::Parse, "corrupt cap state ({})", error.what());
  }
}

json to_json(const CapRequest& request) {
  return json{{"version", cap_request_version},
              {"max_concurrent", request.max_concurrent},
              {"reset", request.reset},
              {"set_at", format_utc(request.set_at)},
              {"set_by_pid", request.set_by_pid}};
}

Result<CapRequest> cap_request_from_json(const json& document) {
  try {
    return read_request(document);
  } catch (const CapFormatError& error) {
    return make_error(ErrorKind::Parse, "corrupt cap request ({})", error.what());
  }
}

Result<ResourceBudget> parse_resource_budget(std::optional<std::string_view> max_cpu,
                                             std::optional<std::string_view> max_memory) {
  ResourceBudget budget;
  if (max_cpu) {
    auto cpu = parse_cpu(*max_cpu, "MAX_CPU (--max-cpu)");
    if (!cpu) {
      return cpu.error();
    }
    budget.cpu = *cpu;
  }
  if (max_memory) {
    auto memory = parse_memory(*max_memory, "MAX_MEMORY (--max-memory)");
    if (!memory) {
      return memory.error();
    }
    budget.memory_bytes = *memory;
  }
  return budget;
}

bool exceeds_budget(const JobSize& job, const ResourceBudget& budget) {
  return short_of(Usage{}, job, budget) != WaitingFor::Nothing;
}

JobSize total_size(std::span<const JobSize> jobs) {
  Usage used;
  for (const JobSize& job : jobs) {
    used.add(job);
  }
  return JobSize{static_cast<double>(used.cpu) / 1000.0, used.memory};
}

Admission admit(std::span<const JobSize> active, std::span<const JobSize> candidates, int slots,
                const ResourceBudget& budget) {
  Usage used;
  for (const JobSize& job : active) {
    used.add(job);
  }
  Admission admission;
  for (const JobSize& candidate : candidates) {
    if (static_cast<int>(admission.count) >= slots) {
      admission.waiting_for = WaitingFor::Slot;
      return admission;
    }
    if (const WaitingFor missing = short_of(used, candidate, budget); missing != WaitingFor::Nothing) {
      const bool alone_fits = exceeds_budget(candidate, budget) && active.empty() && admission.count == 0;
      if (!alone_fits) {
        admission.waiting_for = missing;
        return admission;
      }
      admission.oversized_alone = true;
    }
    used.add(candidate);
    ++admission.count;
  }
  return admission;
}

}  // namespace traitctl
