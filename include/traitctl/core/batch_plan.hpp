// The plan of a batch run: one TraitProgress per trait, the ledger they
// update, and the gate that keeps the batch's active jobs within the cap.
// Pure: the loop (core/batch_engine.hpp) feeds it listings and the backend's
// answers and asks it what to do next.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "traitctl/core/batch.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/trait_stage.hpp"

namespace traitctl {

// Where a batch stands while the loop waits: told to the observer once per
// wait, then once per second of it with `next_poll` counting down.
struct WaitProgress {
  int active = 0;          // jobs of the batch holding a slot
  int max_concurrent = 0;  // the effective cap
  int maximum = 0;         // the cap's maximum; above max_concurrent while mount failures hold it down
  int submitted = 0;       // jobs this run has submitted, resubmissions included
  int remaining = 0;       // traits this run has still to see through
  int in_backoff = 0;      // failed traits waiting out a retry delay
  WaitingFor waiting_for = WaitingFor::Nothing;  // what the next submission waits for beyond a slot
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
  // Besides the job count: the CPU and memory the batch's active jobs may
  // ask for together. `size_of` is the size of a trait's next job;
  // `largest_job` stands for an active job of unknown size (another batch
  // member's), so that the budget holds.
  ResourceBudget budget;
  std::function<JobSize(int trait, const TraitRecord& record)> size_of;
  JobSize largest_job;
  // Once this many traits failed as configuration errors (or unknown) in
  // this run, no new trait is submitted: every further one would fail the
  // same way. 0: no limit.
  int max_config_errors = 5;
  int max_unknown_errors = 10;
};

// Why a run stopped submitting new traits: the first failures of the class.
struct SubmissionStop {
  FailureClass failure = FailureClass::Config;
  int limit = 0;
  std::vector<std::pair<int, std::string>> first_failures;  // trait -> evidence
};

struct DeleteOrder {
  int trait = 0;
  Workload job;
};

struct SubmitOrder {
  int trait = 0;
  int attempt = 1;
  bool resubmission = false;
  // An automatic retry: which one of its class's budget ("retry k/M").
  int retry_number = 0;
  int retry_budget = 0;
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
  void set_cap(int effective, int maximum) {
    settings_.max_concurrent = effective;
    maximum_ = maximum;
  }
  [[nodiscard]] int max_concurrent() const { return settings_.max_concurrent; }
  // The first candidate submissions_due held back because it did not fit the
  // budget, and why; and whether it let one job larger than the whole budget
  // start alone.
  [[nodiscard]] WaitingFor waiting_for() const { return waiting_for_; }
  [[nodiscard]] bool oversized_alone() const { return oversized_alone_; }
  // Set once the failure budget stopped new submissions.
  [[nodiscard]] const std::optional<SubmissionStop>& submission_stop() const { return stop_; }

  // Nothing left to do or watch for.
  [[nodiscard]] bool finished() const;
  // When the loop should look again: at once while a decision waits for a
  // newer listing, soon while a step waits to be confirmed, when a backoff
  // ends, else after the poll interval.
  [[nodiscard]] TimePoint next_look(TimePoint now) const;
  [[nodiscard]] WaitProgress progress() const;

  [[nodiscard]] const std::map<int, TraitProgress>& traits() const { return traits_; }
  [[nodiscard]] const PlanSettings& settings() const { return settings_; }

  // The one way to change a trait's ledger record, here and in the loop: the
  // trait is noted as touched, and a save compares and writes the touched
  // traits only (the batch row always). A record changed any other way would
  // not reach the database.
  TraitRecord& record(int trait);
  // A plan trait's record, for reading.
  [[nodiscard]] const TraitRecord& recorded(int trait) const { return ledger_.traits.at(trait); }
  // The traits whose records may have changed since the last forget_touched():
  // the loop saves them, then forgets them.
  [[nodiscard]] const std::set<int>& touched() const { return touched_; }
  void forget_touched() { touched_.clear(); }

 private:
  // The sizes of the batch's active jobs, for the budget.
  [[nodiscard]] std::vector<JobSize> active_sizes();
  // Counts a failure against the failure budget; stops new submissions once
  // the budget is spent.
  void count_failure(int trait, const Classification& classification, Events& events);

  // Where a trait is filed for the cycle's queries, as its progress last stood.
  struct Filed {
    bool live = false;         // in live_
    bool unsubmitted = false;  // in unsubmitted_
    bool open = false;         // is_open: counted in open_
    int submissions = 0;       // created_by_us + resubmissions: counted in submitted_
  };
  // Files the trait again after its progress may have moved: every step of a
  // trait ends here, so that the indexes below never lag behind it.
  void refile(int trait);
  // Every trait again: the rules is_open follows changed (submissions stopped).
  void refile_all();

  PlanSettings settings_;
  int maximum_ = 0;
  WaitingFor waiting_for_ = WaitingFor::Nothing;
  bool oversized_alone_ = false;
  std::optional<SubmissionStop> stop_;
  std::map<FailureClass, std::vector<std::pair<int, std::string>>> failures_by_class_;
  Ledger& ledger_;
  std::map<int, TraitProgress> traits_;
  // The cycle's queries walk these, not every trait: the cycles grow with the
  // batch, so a walk of the whole batch per cycle would make a run quadratic.
  // live_: traits with something to do or watch, or holding a slot (a trait
  // completed or settled and holding none is only looked at again when a
  // listing changes its job); unsubmitted_: stage Unsubmitted, in trait order.
  std::map<int, Filed> filed_;
  std::set<int> live_;
  std::set<int> unsubmitted_;
  int open_ = 0;
  int submitted_ = 0;
  std::set<int> touched_;
  std::uint64_t listing_ = 0;
  int listed_active_ = 0;
};

}  // namespace traitctl
