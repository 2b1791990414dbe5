// The plan of a batch run: one TraitProgress per trait, the ledger they
// update, and the gate that keeps the batch's active jobs within the cap.
// Pure: the loop (core/batch_engine.hpp) feeds it listings and the backend's
// answers and asks it what to do next.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "traitctl/core/batch.hpp"
#include "traitctl/core/trait_stage.hpp"

namespace traitctl {

// Where a batch stands while the loop waits: told to the observer once per
// wait, then once per second of it with `next_poll` counting down.
struct WaitProgress {
  int active = 0;  // jobs of the batch holding a slot
  int max_concurrent = 0;
  int submitted = 0;   // jobs this run has submitted, resubmissions included
  int remaining = 0;   // traits this run has still to see through
  int in_backoff = 0;  // failed traits waiting out a retry delay
  Duration next_poll{0};
  friend bool operator==(const WaitProgress&, const WaitProgress&) = default;
};

struct PlanSettings {
  StageRules stage;
  std::string prefix;
  std::vector<int> traits;  // sorted, without duplicates
  int max_concurrent = 50;
  Duration poll_interval{30'000};
  // How soon to look again while a step waits for a listing to confirm it
  // (a delete, a submission not listed yet).
  Duration confirm_interval{2'000};
};

struct DeleteOrder {
  int trait = 0;
  Workload job;
};

struct SubmitOrder {
  int trait = 0;
  int attempt = 1;
  bool resubmission = false;
};

class BatchPlan {
 public:
  BatchPlan(PlanSettings settings, Ledger& ledger, TimePoint now);

  // A complete listing, numbered from 1.
  void observe(const std::vector<Workload>& listing, TimePoint now, Events& events);
  [[nodiscard]] std::uint64_t listings() const { return listing_; }

  // Failed jobs to classify now, in trait order.
  [[nodiscard]] std::vector<DeleteOrder> to_classify() const;
  void classified(int trait, const Classification& classification, TimePoint now, Events& events);
  void evidence_failed(int trait, const Error& error, TimePoint now, Events& events);
  // Jobs that succeeded and whose outputs are still to be looked for.
  [[nodiscard]] std::vector<int> to_verify() const;
  void outputs_checked(int trait, bool found, const std::string& evidence, TimePoint now, Events& events);
  // The outputs cannot be seen from here: success is judged by exit codes.
  void stop_checking_outputs(TimePoint now, Events& events);
  // Backoffs that have ended are decided again.
  void wake_backoffs(TimePoint now, Events& events);

  // Replacements whose delete is due: their intents are recorded now, so the
  // ledger must be saved before the first delete is sent.
  [[nodiscard]] std::vector<DeleteOrder> deletes_due(TimePoint now, Events& events);
  void delete_answered(int trait, const Result<DeleteOutcome>& answer, TimePoint now, Events& events);

  // Submissions the gate lets through now, resubmissions first (they have
  // waited longest), then new traits in order. Marks them sent: save the
  // ledger before sending.
  [[nodiscard]] std::vector<SubmitOrder> submissions_due(TimePoint now);
  void submit_answered(int trait, const SubmitAnswer& answer, const JobSpec& spec, TimePoint now,
                       Events& events);

  // Slots the batch takes: what the listing shows, submissions not listed
  // yet, and jobs missing from one listing.
  [[nodiscard]] int active() const;
  void set_max_concurrent(int max_concurrent) { settings_.max_concurrent = max_concurrent; }
  [[nodiscard]] int max_concurrent() const { return settings_.max_concurrent; }

  // Nothing left to do or watch for.
  [[nodiscard]] bool finished() const;
  // When the loop should look again: at once while a decision waits for a
  // newer listing, soon while a step waits to be confirmed, when a backoff
  // ends, else after the poll interval.
  [[nodiscard]] TimePoint next_look(TimePoint now) const;
  [[nodiscard]] WaitProgress progress() const;

  [[nodiscard]] const std::map<int, TraitProgress>& traits() const { return traits_; }
  [[nodiscard]] const PlanSettings& settings() const { return settings_; }

 private:
  TraitRecord& record(int trait) { return ledger_.traits[trait]; }

  PlanSettings settings_;
  Ledger& ledger_;
  std::map<int, TraitProgress> traits_;
  std::uint64_t listing_ = 0;
  int listed_active_ = 0;
};

}  // namespace traitctl
