// A batch's history as `traitctl report` shows it: every attempt as a bar
// from its start to its end, the summary numbers (traits by outcome, wall
// time, cluster time, what failed attempts cost by class), the jobs in
// flight and the cap over time, and timeline rows that are aggregated when a
// batch has too many traits to draw one row each. Pure: the ledger, the
// trait states, the cap's changes and the time of the report are passed in.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/batch.hpp"
#include "traitctl/core/batch_status.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

// The batch as its ledger last saw it, for a look without a listing: each
// trait with an attempt has the job of its latest attempt, in the state the
// attempt ended in (Succeeded for an incomplete one, which summarize_batch
// then counts as failed from the ledger's class), Running when it had
// started but not ended, Pending otherwise.
[[nodiscard]] BatchView ledger_view(std::string_view prefix, const Ledger& ledger);

// Where a trait stands for the report.
enum class Outcome { Completed, Failed, Retryable, Stopped, InFlight, NotRun };
// "completed", "failed" (for good), "retryable" (failed; a retry would try
// again), "stopped", "in-flight", "not-run".
[[nodiscard]] std::string_view to_string(Outcome outcome);
[[nodiscard]] Outcome outcome_of(const TraitStatus& status);
// Every outcome, in the order reports list them.
[[nodiscard]] const std::vector<Outcome>& all_outcomes();

// One attempt as drawn: `from` is the cluster's start, or the submission
// where the start is unknown; `to` the end, or the report's time for an
// attempt that had not ended.
struct AttemptBar {
  int trait = 0;
  AttemptRecord record;
  TimePoint from;
  TimePoint to;
  bool from_submission = false;  // the start is unknown: drawn from submitted_at
  bool open = false;             // not ended when the ledger was written: drawn to the report's time
};

// What colours a bar: "succeeded", a failure class name ("oom", "mount",
// ...), "failed" (unclassified), "stopped", "in-flight".
[[nodiscard]] std::string bar_category(const AttemptRecord& attempt);

struct TraitHistory {
  int trait = 0;
  std::string job;
  Outcome outcome = Outcome::NotRun;
  std::optional<FailureClass> failure;  // the current failure's class, where known
  std::vector<AttemptBar> bars;
  int attempts = 0;      // in the ledger, drawn or not
  Duration time_used{};  // the sum of its bars' lengths
};

struct Step {
  TimePoint at;
  int value = 0;
  friend bool operator==(const Step&, const Step&) = default;
};

struct HistorySummary {
  int traits = 0;
  std::map<Outcome, int> by_outcome;                     // every outcome present, 0 included
  int attempts = 0;                                      // in the ledger
  int drawn = 0;                                         // with a bar (a known submission or start)
  int started_unknown = 0;                               // drawn from their submission
  int open = 0;                                          // not ended when the ledger was written
  std::optional<Duration> wall_time;                     // the first bar's start to the last bar's end
  Duration cluster_time{};                               // every bar's length, summed
  Duration failed_time{};                                // of failed attempts
  std::map<std::string, Duration> failed_time_by_class;  // "oom", ..., "failed" for unclassified
  std::map<std::string, int> failed_attempts_by_class;
};

struct BatchHistory {
  std::vector<TraitHistory> traits;  // in the order of the trait range
  HistorySummary summary;
  std::optional<TimePoint> from;  // the timeline's extent: no bars, no extent
  std::optional<TimePoint> to;
  std::vector<Step> in_flight;  // jobs between submission and end, at each change
  std::vector<Step> cap;        // the effective cap, from `from` to `to`
};

struct HistoryInput {
  const BatchStatus& status;  // summarize_batch over ledger_view
  const Ledger& ledger;
  // The cap's changes (time, the effective cap after), oldest first, and
  // what it was before the first; nullopt when nothing tells it.
  const std::vector<Step>& cap_changes;
  std::optional<int> initial_cap;
  TimePoint taken_at;
};

[[nodiscard]] BatchHistory build_history(const HistoryInput& input);

// A timeline row: one trait with a bar per attempt, or, aggregated, a range
// of traits with one bar per category spanning that category's attempts.
struct RowBar {
  std::string category;
  TimePoint from;
  TimePoint to;
  int count = 1;                        // attempts the bar stands for
  const AttemptBar* attempt = nullptr;  // the attempt, when the row is one trait's
};

struct TimelineRow {
  int first_trait = 0;
  int last_trait = 0;
  int traits = 1;
  std::vector<RowBar> bars;
};

// One row per trait while there are at most `max_rows` traits; beyond,
// consecutive traits share a row so that there are at most `max_rows`.
// The rows point into `history`, which must outlive them.
[[nodiscard]] std::vector<TimelineRow> timeline_rows(const BatchHistory& history, std::size_t max_rows);

}  // namespace traitctl
