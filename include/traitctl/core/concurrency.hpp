// How many of a batch's jobs may be in flight, beyond a fixed count:
// - the adaptive cap, which reads the cluster's health from mount failures
//   (nodes run out of mount-table entries when too many jobs start on them):
//   additive increase, multiplicative decrease, as TCP does with packet loss;
// - the maximum an operator sets on a running batch with `traitctl cap N`;
// - CPU and memory budgets over the sizes of the batch's active jobs.
// Pure: no I/O and no clock; times are passed in. docs/concurrency.md tells
// the rules to users.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// When the effective cap moves. The defaults are the documented ones.
struct AdaptivePolicy {
  // --no-adaptive turns it off: the effective cap is then always the maximum.
  bool enabled = true;
  // --min-concurrent: halving never goes below this (nor is it ever above the
  // maximum: a `traitctl cap` below it wins).
  int min_concurrent = 1;
  // --cap-window: how many of the latest finished attempts are looked at...
  int window = 10;
  // --cap-burst: ...and how many mount failures among them halve the cap.
  int burst = 3;
  // --cap-healthy-run: this many finishes in a row without a mount failure
  // raise the cap by one.
  int healthy_run = 10;
};

// Usage error naming the flag and the fix: every number at least 1, burst at
// most window, min_concurrent at most max_concurrent.
[[nodiscard]] Result<void> check_adaptive_policy(const AdaptivePolicy& policy, int max_concurrent);

// What `traitctl cap N` asks of the batch (adapters/cap_file.hpp carries it
// from that command to the running loop).
struct CapRequest {
  int max_concurrent = 0;  // the new maximum, >= 1
  // --reset: also lift a cap that mount failures lowered to the new maximum at
  // once, forgetting those failures. Without it the effective cap keeps its
  // adaptive value (see set_maximum).
  bool reset = false;
  TimePoint set_at;
  int set_by_pid = 0;
  friend bool operator==(const CapRequest&, const CapRequest&) = default;
};

// The cap of one batch, persisted with the batch's state so that a restarted
// run resumes at a lowered cap instead of overloading the nodes again. Make
// one with resume_cap; change it with observe_finish and apply_cap_request.
struct CapState {
  int maximum = 0;  // --max-concurrent, or the latest `traitctl cap`
  // The verdict of mount failures: set by a decrease, raised by healthy runs,
  // cleared once it is back at the maximum. It outlives a lower maximum, so
  // that raising the maximum again does not forget it.
  std::optional<int> adaptive_limit;
  // The latest finished attempts counted, oldest first, at most
  // AdaptivePolicy::window; true: a mount failure. Cleared by each decrease.
  std::deque<bool> recent;
  int healthy_streak = 0;                  // finishes since the last mount failure or rise
  std::optional<TimePoint> lowered_at;     // the last decrease
  std::optional<TimePoint> changed_at;     // the last change of the effective cap, whatever the cause
  std::optional<CapRequest> last_request;  // the latest `traitctl cap` request applied
  friend bool operator==(const CapState&, const CapState&) = default;
};

// What the gate lets in: the maximum, or the adaptive limit when lower.
[[nodiscard]] int effective_cap(const CapState& state);
// Held below its maximum by mount failures.
[[nodiscard]] bool throttled(const CapState& state);

// The state a run starts from. Without a persisted one: the maximum is
// max_concurrent, not throttled. With one: the maximum is this run's
// max_concurrent (the operator's latest word), and the adaptive limit, window
// and streak carry over, so a cap that mount failures lowered stays lowered
// (raised to the floor if --min-concurrent grew). With the policy disabled,
// the adaptive state is dropped: the effective cap is the maximum.
[[nodiscard]] CapState resume_cap(const std::optional<CapState>& persisted, int max_concurrent,
                                  const AdaptivePolicy& policy);

// One attempt of the batch that the loop saw end: completed, or failed
// whatever the class, only a mount failure counting against the cluster.
struct FinishedAttempt {
  bool mount_failure = false;
  // When it was submitted; unknown (a job found already running) counts.
  std::optional<TimePoint> submitted_at;
};

enum class CapEvent { None, Lowered, Raised, Set };

// What changed and why, for the [CAP] line, the journal and --json.
struct CapDecision {
  CapEvent event = CapEvent::None;
  int from = 0;                                      // the effective cap before
  int to = 0;                                        // and after
  int previous_maximum = 0;                          // the maximum before
  int maximum = 0;                                   // and after
  int mount_failures = 0;                            // Lowered: mount failures among the last `finishes`
  int finishes = 0;                                  // Lowered: the finished attempts looked at
  int healthy_run = 0;                               // Raised: finishes in a row without a mount failure
  std::optional<CapRequest> request = std::nullopt;  // Set: the request that set the maximum
  friend bool operator==(const CapDecision&, const CapDecision&) = default;
};

// Feeds one finished attempt to the controller:
// - a mount failure that makes `burst` among the last `window` finishes
//   halves the effective cap into the adaptive limit (never below
//   min(min_concurrent, maximum)), then clears the window: one decrease per
//   burst;
// - an attempt submitted before the last decrease is ignored altogether: it
//   ran under the load the decrease already answered (TCP likewise ignores
//   losses of packets sent before it slowed down), so the jobs still in
//   flight from before do not halve the cap again;
// - while throttled, `healthy_run` finishes in a row without a mount failure
//   raise the cap by one; back at the maximum, it is no longer throttled.
// With the policy disabled, nothing changes.
CapDecision observe_finish(CapState& state, const FinishedAttempt& attempt, TimePoint now,
                           const AdaptivePolicy& policy);

// Whether a new maximum also lifts the adaptive limit.
enum class Throttle { Keep, Lift };

// A new maximum (>= 1). The effective cap is never above it, so lowering it
// lowers the effective cap at once. Raising it raises an effective cap that
// was not throttled along with it; a throttled one keeps its adaptive value
// and climbs from there by healthy runs: the load that caused the failures
// has not gone away because someone typed a bigger number, and every mount
// failure costs a trait one of its retries. Throttle::Lift (`cap --reset`)
// clears the adaptive limit, the window and the streak: the effective cap is
// the new maximum. Always CapEvent::Set, even when nothing moved.
CapDecision set_maximum(CapState& state, int maximum, Throttle throttle, TimePoint now,
                        const AdaptivePolicy& policy);

// set_maximum for a `traitctl cap` request, once: a request equal to
// state.last_request (already applied, by this run or by the one before a
// restart) is CapEvent::None. The loop passes whatever the cap file holds at
// each cycle.
CapDecision apply_cap_request(CapState& state, const CapRequest& request, TimePoint now,
                              const AdaptivePolicy& policy);

// The journal event: cap-lowered, cap-raised, cap-set ("" for None).
[[nodiscard]] std::string_view journal_event(CapEvent event);
// For the [CAP] line and the journal's "reason": "lowered to 12 after 4 mount
// failures in the last 10 jobs", "raised to 13 after 10 jobs in a row without
// a mount failure", "maximum set to 80 (was 50) by traitctl cap (pid 1234);
// the effective cap stays at 12, lowered by mount failures".
[[nodiscard]] std::string describe(const CapDecision& decision);
// The journal's details: {"from", "to", "previous_maximum", "maximum",
// "reason", and "mount_failures" + "finishes" (lowered), "healthy_run"
// (raised), "set_by_pid" + "reset" (set)}.
[[nodiscard]] nlohmann::json journal_details(const CapDecision& decision);

// {"maximum", "effective" (informative: effective_cap), "adaptive_limit"?,
// "recent": [false, true, ...], "healthy_streak", "lowered_at"?,
// "changed_at"?, "last_request"?}: for the batch's state (the ledger).
// Absent optionals are omitted.
[[nodiscard]] nlohmann::json to_json(const CapState& state);
// Missing keys take their defaults ("effective" is not read: resume_cap sets
// the maximum); a value of the wrong type, a negative count or a limit below
// 1 is a Parse error naming the key.
[[nodiscard]] Result<CapState> cap_state_from_json(const nlohmann::json& document);

// {"version": 1, "max_concurrent", "reset", "set_at", "set_by_pid"}.
[[nodiscard]] nlohmann::json to_json(const CapRequest& request);
// Every key but "reset" is required; max_concurrent at least 1. Parse error
// naming the key, or for another version, saying so.
[[nodiscard]] Result<CapRequest> cap_request_from_json(const nlohmann::json& document);

// CPU and memory budgets over the batch's active jobs: --max-cpu, --max-memory
// (MAX_CPU, MAX_MEMORY). Unset: no limit.
struct ResourceBudget {
  std::optional<double> cpu;
  std::optional<std::uint64_t> memory_bytes;
  friend bool operator==(const ResourceBudget&, const ResourceBudget&) = default;
};

// What one job asks for (its CPU and memory request, of its ladder tier).
struct JobSize {
  double cpu = 0;
  std::uint64_t memory_bytes = 0;
  friend bool operator==(const JobSize&, const JobSize&) = default;
};

// The budgets from their texts (parse_cpu, parse_memory): "100", "2T".
// Config error naming MAX_CPU or MAX_MEMORY and the fix.
[[nodiscard]] Result<ResourceBudget> parse_resource_budget(std::optional<std::string_view> max_cpu,
                                                           std::optional<std::string_view> max_memory);

// Larger than the whole budget on its own, in CPU or in memory.
[[nodiscard]] bool exceeds_budget(const JobSize& job, const ResourceBudget& budget);

// The sum of the sizes, for the wait line and status ("96/100 CPU").
[[nodiscard]] JobSize total_size(std::span<const JobSize> jobs);

// Why the first candidate not admitted waits.
enum class WaitingFor { Nothing, Slot, Cpu, Memory };

struct Admission {
  std::size_t count = 0;                         // candidates, from the front, that may start now
  WaitingFor waiting_for = WaitingFor::Nothing;  // what candidates[count] waits for
  // candidates[0] exceeds the budget on its own and starts now, alone: no job
  // of the batch is active. Warn: nothing else starts until it ends.
  bool oversized_alone = false;
  friend bool operator==(const Admission&, const Admission&) = default;
};

// How many of `candidates`, in their order, may start now, given the sizes of
// the batch's active jobs, `slots` (free_slots of the effective cap) and the
// budget. Head-of-line: the first candidate that does not fit stops the ones
// behind it, even smaller ones that would fit. Skipping it would let a stream
// of small jobs take every freed core while a big one (a retry on a higher
// memory tier) waits for ever; blocking costs some idle capacity until enough
// frees up, and keeps the order the loop chose. A candidate larger than the
// whole budget could never fit: it starts alone once nothing of the batch is
// active (and then nothing fits beside it), so it never deadlocks the batch.
// CPU is counted in millicores, as Kubernetes does, so sums of 0.1 are exact.
// An active job whose tier the loop does not know should be passed at the
// largest size it may have: the budget must hold.
[[nodiscard]] Admission admit(std::span<const JobSize> active, std::span<const JobSize> candidates, int slots,
                              const ResourceBudget& budget);

}  // namespace traitctl
