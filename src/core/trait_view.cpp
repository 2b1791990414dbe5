#include "traitctl/core/trait_view.hpp"

namespace traitctl {
namespace {

bool holds_slot(TraitState state) {
  return state == TraitState::Pending || state == TraitState::Running || state == TraitState::OtherActive;
}

Attention attention_of(const TraitRow& row, const TraitRecord* record) {
  const TraitState state = row.status.state;
  if (record != nullptr && resubmission_intent(*record) != nullptr && !holds_slot(state)) {
    return Attention::ResubmissionPending;
  }
  if (state == TraitState::Stopped) {
    return Attention::Stopped;
  }
  if (state != TraitState::Failed) {
    return Attention::None;
  }
  if ((record != nullptr && record->out_of_retries) ||
      (row.retry_budget > 0 && row.retries_used >= row.retry_budget)) {
    return Attention::OutOfRetries;
  }
  if (row.planned) {
    return Attention::Backoff;
  }
  if (row.status.failure == FailureClass::Incomplete) {
    return Attention::Incomplete;
  }
  return row.retry_budget > 0 ? Attention::Retryable : Attention::Failed;
}

}  // namespace

std::string_view to_string(Attention attention) {
  switch (attention) {
    case Attention::None: return "";
    case Attention::Failed: return "failed";
    case Attention::OutOfRetries: return "out-of-retries";
    case Attention::Incomplete: return "incomplete";
    case Attention::Retryable: return "retryable";
    case Attention::Backoff: return "backoff";
    case Attention::Stopped: return "stopped";
    case Attention::ResubmissionPending: return "resubmission-pending";
  }
  return "";
}

const std::vector<std::string_view>& attention_words() {
  static const std::vector<std::string_view> words{to_string(Attention::Failed),
                                                   to_string(Attention::OutOfRetries),
                                                   to_string(Attention::Incomplete),
                                                   to_string(Attention::Retryable),
                                                   to_string(Attention::Backoff),
                                                   to_string(Attention::Stopped),
                                                   to_string(Attention::ResubmissionPending)};
  return words;
}

std::string_view to_string(ClassifiedBy source) {
  switch (source) {
    case ClassifiedBy::Nobody: return "";
    case ClassifiedBy::Ledger: return "ledger";
    case ClassifiedBy::Status: return "status";
  }
  return "";
}

std::vector<TraitRow> trait_rows(const RowSources& sources) {
  std::vector<TraitRow> rows;
  rows.reserve(sources.status.traits.size());
  for (const TraitStatus& status : sources.status.traits) {
    TraitRow row;
    row.status = status;
    const int trait = status.trait;
    const auto found = sources.ledger.traits.find(trait);
    const TraitRecord* record = found == sources.ledger.traits.end() ? nullptr : &found->second;
    const AttemptRecord* attempt = nullptr;
    if (record != nullptr) {
      attempt = find_attempt(*record, listed_attempt(*record));
      if (const PendingIntent* pending = resubmission_intent(*record)) {
        row.pending_attempt = pending->attempt;
      }
    }
    if (attempt != nullptr) {
      row.memory = attempt->memory;
    }
    if (status.state == TraitState::Failed) {
      if (status.failure_from_ledger) {
        row.classified_by = ClassifiedBy::Ledger;
        if (attempt != nullptr) {
          row.evidence = attempt->evidence;
          row.exit_code = attempt->exit_code;
        }
      } else if (const auto now = sources.classified_now.find(trait); now != sources.classified_now.end()) {
        row.classified_by = ClassifiedBy::Status;
        row.evidence = now->second.evidence;
        row.exit_code = now->second.exit_code;
      } else if (const auto why = sources.unclassifiable.find(trait); why != sources.unclassifiable.end()) {
        row.evidence = why->second;
      }
      if (status.failure) {
        const TraitRecord none;
        row.retries_used = retries_used(record != nullptr ? *record : none, *status.failure);
        row.retry_budget = retry_budget(*status.failure, sources.policy);
        if (*status.failure == FailureClass::Oom &&
            static_cast<std::size_t>(row.retries_used) < sources.memory_ladder.size()) {
          row.next_memory = sources.memory_ladder[static_cast<std::size_t>(row.retries_used)];
        }
      }
      if (const auto plan = sources.planned.find(trait); plan != sources.planned.end()) {
        row.planned = plan->second;
      }
    }
    row.attention = attention_of(row, record);
    rows.push_back(std::move(row));
  }
  return rows;
}

bool row_in_state(const TraitRow& row, std::string_view word) {
  return to_string(row.status.state) == word ||
         (row.attention != Attention::None && to_string(row.attention) == word);
}

}  // namespace traitctl
