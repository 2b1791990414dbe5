// The one batch loop that submit, run, retry and resubmit drive: list, let
// the plan observe, classify failures, delete what is to be replaced, submit
// what the gate lets through, save the ledger, and wait until something may
// have changed. What a command may do is its BatchMode; the rules are the
// plan's (core/batch_plan.hpp, core/trait_stage.hpp). The loop does no file
// I/O itself: the ledger is saved through an injected function.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/backend_calls.hpp"
#include "traitctl/core/batch_plan.hpp"
#include "traitctl/core/batch_report.hpp"
#include "traitctl/core/memory_learning.hpp"
#include "traitctl/core/node_health.hpp"
#include "traitctl/core/output_pattern.hpp"
#include "traitctl/core/submit_runner.hpp"

namespace traitctl {

struct BatchRequest {
  PlanSettings plan;
  ClassifierPolicy classifier;
  int parallel_submits = 4;  // submit calls at once, at most
  // Makes a round's submit calls; unset: one after another.
  std::shared_ptr<SubmitRunner> submit_runner;
  CallRetryPolicy call_retry;
  // The job of a trait's attempt; the record gives its memory tier.
  std::function<JobSpec(int trait, int attempt, const TraitRecord& record)> job_for;
  // Called wherever the ledger must be on disk before the loop acts, with the
  // traits whose records changed since the previous call (BatchPlan::record):
  // the store writes those of them that differ from what it holds, and the
  // batch row when it differs; nothing when nothing does.
  std::function<Result<void>(const Ledger&, const std::set<int>& touched)> save_ledger;
  // Looks for a succeeded trait's expected outputs; unset when success is
  // judged by exit codes alone (plan.stage.check_outputs says which).
  std::function<Result<OutputCheck>(int trait)> find_outputs;
  // The effective cap follows the mount failures (plan.max_concurrent is the
  // maximum); it persists in the ledger.
  AdaptivePolicy adaptive;
  // A `traitctl cap` request for the running batch, read each cycle; unset:
  // none can come.
  std::function<Result<std::optional<CapRequest>>()> poll_cap_request;
  // The memory each ladder tier asks for (0 is MEMORY), for learning the
  // batch's starting tier; learning is off when learning.enabled is false or
  // there is no tier above MEMORY.
  std::vector<std::string> memory_tiers;
  MemoryLearningPolicy learning;
  // New jobs carry the suspect nodes in JobSpec::avoid_nodes when set.
  bool avoid_nodes = false;
  NodeHealthPolicy node_health;
};

class BatchObserver {
 public:
  virtual ~BatchObserver() = default;
  virtual void on_event(const BatchEvent& /*event*/) {}
  // Once per wait, then once per second of it with next_poll counting down.
  virtual void on_waiting(const WaitProgress& /*progress*/) {}
  virtual void on_wait_tick(const WaitProgress& /*progress*/) {}
};

[[nodiscard]] BatchReport run_batch(Backend& backend, Clock& clock, const CancelToken& cancel,
                                    const BatchRequest& request, Ledger& ledger, BatchObserver& observer);

}  // namespace traitctl
