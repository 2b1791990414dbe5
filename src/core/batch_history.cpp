#include "traitctl/core/batch_history.hpp"

#include <algorithm>
#include <utility>

#include "traitctl/core/job_name.hpp"

namespace traitctl {
namespace {

JobState state_of(const AttemptRecord& attempt) {
  if (!attempt.end) {
    return attempt.started_at ? JobState::Running : JobState::Pending;
  }
  switch (*attempt.end) {
    case AttemptEnd::Succeeded:
    case AttemptEnd::Incomplete: return JobState::Succeeded;
    case AttemptEnd::Failed: return JobState::Failed;
    case AttemptEnd::Stopped: return JobState::Stopped;
  }
  return JobState::Unknown;
}

std::string_view status_word(JobState state) {
  switch (state) {
    case JobState::Succeeded: return "Succeeded";
    case JobState::Failed: return "Failed";
    case JobState::Stopped: return "Stopped";
    case JobState::Running: return "Running";
    default: return "Pending";
  }
}

std::optional<AttemptBar> bar_of(int trait, const AttemptRecord& attempt, TimePoint taken_at) {
  const std::optional<TimePoint> start = attempt.started_at ? attempt.started_at : attempt.submitted_at;
  if (!start) {
    return std::nullopt;
  }
  AttemptBar bar;
  bar.trait = trait;
  bar.record = attempt;
  bar.from = *start;
  bar.from_submission = !attempt.started_at;
  bar.open = !attempt.ended_at;
  bar.to = attempt.ended_at ? *attempt.ended_at : std::max(taken_at, *start);
  bar.to = std::max(bar.to, bar.from);
  return bar;
}

bool failed(const AttemptRecord& attempt) {
  return attempt.end == AttemptEnd::Failed || attempt.end == AttemptEnd::Incomplete;
}

void add_to_summary(HistorySummary& summary, const AttemptBar& bar) {
  const Duration length = std::chrono::duration_cast<Duration>(bar.to - bar.from);
  ++summary.drawn;
  summary.started_unknown += bar.from_submission ? 1 : 0;
  summary.open += bar.open ? 1 : 0;
  summary.cluster_time += length;
  if (failed(bar.record)) {
    const std::string category = bar_category(bar.record);
    summary.failed_time += length;
    summary.failed_time_by_class[category] += length;
    ++summary.failed_attempts_by_class[category];
  }
}

// The jobs in flight: +1 at each submission (the start where it is unknown),
// -1 at each end; one step per distinct time.
std::vector<Step> in_flight_steps(const std::vector<TraitHistory>& traits) {
  std::vector<std::pair<TimePoint, int>> changes;
  for (const TraitHistory& trait : traits) {
    for (const AttemptBar& bar : trait.bars) {
      const TimePoint submitted = std::min(bar.record.submitted_at.value_or(bar.from), bar.from);
      changes.emplace_back(submitted, 1);
      if (!bar.open) {
        changes.emplace_back(bar.to, -1);
      }
    }
  }
  std::sort(changes.begin(), changes.end());
  std::vector<Step> steps;
  int value = 0;
  for (const auto& [at, change] : changes) {
    value += change;
    if (!steps.empty() && steps.back().at == at) {
      steps.back().value = value;
    } else {
      steps.push_back(Step{at, value});
    }
  }
  return steps;
}

std::vector<Step> cap_steps(const HistoryInput& input, TimePoint from, TimePoint to) {
  std::vector<Step> steps;
  std::optional<int> current = input.initial_cap;
  for (const Step& change : input.cap_changes) {
    if (change.at <= from) {
      current = change.value;
    }
  }
  if (current) {
    steps.push_back(Step{from, *current});
  }
  for (const Step& change : input.cap_changes) {
    if (change.at > from && change.at <= to) {
      steps.push_back(change);
    }
  }
  return steps;
}

}  // namespace

BatchView ledger_view(std::string_view prefix, const Ledger& ledger) {
  BatchView view;
  for (const auto& [trait, record] : ledger.traits) {
    if (record.attempts.empty()) {
      continue;
    }
    const AttemptRecord& latest = record.attempts.back();
    const JobState state = state_of(latest);
    view.jobs[trait] =
        Workload{job_name(prefix, trait), state, std::string(status_word(state)), latest.job_id, ""};
    view.active += holds_slot(state) ? 1 : 0;
  }
  return view;
}

std::string_view to_string(Outcome outcome) {
  switch (outcome) {
    case Outcome::Completed: return "completed";
    case Outcome::Failed: return "failed";
    case Outcome::Retryable: return "retryable";
    case Outcome::Stopped: return "stopped";
    case Outcome::InFlight: return "in-flight";
    case Outcome::NotRun: return "not-run";
  }
  return "in-flight";
}

Outcome outcome_of(const TraitStatus& status) {
  switch (status.state) {
    case TraitState::Completed: return Outcome::Completed;
    case TraitState::Failed: return status.permanently_failed ? Outcome::Failed : Outcome::Retryable;
    case TraitState::Stopped: return Outcome::Stopped;
    case TraitState::NotSubmitted: return Outcome::NotRun;
    default: return Outcome::InFlight;
  }
}

const std::vector<Outcome>& all_outcomes() {
  static const std::vector<Outcome> outcomes{Outcome::Completed, Outcome::Failed,   Outcome::Retryable,
                                             Outcome::Stopped,   Outcome::InFlight, Outcome::NotRun};
  return outcomes;
}

std::string bar_category(const AttemptRecord& attempt) {
  if (!attempt.end) {
    return "in-flight";
  }
  switch (*attempt.end) {
    case AttemptEnd::Succeeded: return "succeeded";
    case AttemptEnd::Stopped: return "stopped";
    case AttemptEnd::Incomplete: return "incomplete";
    case AttemptEnd::Failed: break;
  }
  return attempt.failure ? std::string(to_string(*attempt.failure)) : "failed";
}

BatchHistory build_history(const HistoryInput& input) {
  BatchHistory history;
  HistorySummary& summary = history.summary;
  for (const Outcome outcome : all_outcomes()) {
    summary.by_outcome[outcome] = 0;
  }
  history.traits.reserve(input.status.traits.size());
  for (const TraitStatus& status : input.status.traits) {
    TraitHistory trait;
    trait.trait = status.trait;
    trait.job = status.job;
    trait.outcome = outcome_of(status);
    trait.failure = status.failure;
    if (const auto record = input.ledger.traits.find(status.trait); record != input.ledger.traits.end()) {
      trait.attempts = static_cast<int>(record->second.attempts.size());
      for (const AttemptRecord& attempt : record->second.attempts) {
        if (auto bar = bar_of(status.trait, attempt, input.taken_at)) {
          trait.time_used += std::chrono::duration_cast<Duration>(bar->to - bar->from);
          add_to_summary(summary, *bar);
          history.from = history.from ? std::min(*history.from, bar->from) : bar->from;
          history.to = history.to ? std::max(*history.to, bar->to) : bar->to;
          trait.bars.push_back(std::move(*bar));
        }
      }
    }
    ++summary.traits;
    ++summary.by_outcome[trait.outcome];
    summary.attempts += trait.attempts;
    history.traits.push_back(std::move(trait));
  }
  if (history.from && history.to) {
    summary.wall_time = std::chrono::duration_cast<Duration>(*history.to - *history.from);
    history.in_flight = in_flight_steps(history.traits);
    history.cap = cap_steps(input, *history.from, *history.to);
  }
  return history;
}

std::vector<TimelineRow> timeline_rows(const BatchHistory& history, std::size_t max_rows) {
  const std::size_t count = history.traits.size();
  const std::size_t per_row = max_rows == 0 || count <= max_rows ? 1 : (count + max_rows - 1) / max_rows;
  std::vector<TimelineRow> rows;
  rows.reserve((count + per_row - 1) / per_row);
  for (std::size_t first = 0; first < count; first += per_row) {
    const std::size_t last = std::min(first + per_row, count) - 1;
    TimelineRow row;
    row.first_trait = history.traits[first].trait;
    row.last_trait = history.traits[last].trait;
    row.traits = static_cast<int>(last - first + 1);
    std::map<std::string, RowBar> merged;  // aggregated: by category
    for (std::size_t index = first; index <= last; ++index) {
      for (const AttemptBar& bar : history.traits[index].bars) {
        std::string category = bar_category(bar.record);
        if (per_row == 1) {
          row.bars.push_back(RowBar{std::move(category), bar.from, bar.to, 1, &bar});
          continue;
        }
        auto [found, inserted] = merged.try_emplace(category, RowBar{category, bar.from, bar.to, 0, nullptr});
        found->second.from = std::min(found->second.from, bar.from);
        found->second.to = std::max(found->second.to, bar.to);
        ++found->second.count;
      }
    }
    for (auto& [category, bar] : merged) {
      row.bars.push_back(std::move(bar));
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace traitctl
