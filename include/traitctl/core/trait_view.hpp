// One row per trait for `status` and `describe`: what the listing, the
// ledger and the journal say about it, whether a person should look, and
// what decides the next step. Pure: everything is passed in; the wording of
// the next step is cli/advice.hpp's.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/batch_status.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/failure.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl {

// Why a trait is in the table of those that need attention, if it is.
enum class Attention {
  None,                 // nothing to do: it runs, waits to, or completed
  Failed,               // failed, and nothing automatic will try it again: a person must act
  OutOfRetries,         // its class's retry budget is used up
  Incomplete,           // exited 0 without its outputs; `retry` tries it again while its budget lasts
  Retryable,            // a failure `retry` would retry: nothing has yet
  Backoff,              // a running traitctl retries it once its backoff has passed
  Stopped,              // stopped or cancelled: it never completed
  ResubmissionPending,  // a resubmission was decided but not completed; the next run completes it
};

// "failed", "out-of-retries", "incomplete", "retryable", "backoff",
// "stopped", "resubmission-pending"; "" for None.
[[nodiscard]] std::string_view to_string(Attention attention);
// Every word to_string gives but "".
[[nodiscard]] const std::vector<std::string_view>& attention_words();

enum class ClassifiedBy { Nobody, Ledger, Status };

// "ledger", "status"; "" for Nobody.
[[nodiscard]] std::string_view to_string(ClassifiedBy source);

// What a batch loop's journal says it will do about a trait's current
// failure: the latest `backoff` or `deferred` event.
struct PlannedRetry {
  TimePoint eligible_at;
  int retry_number = 0;
  int budget = 0;
  bool deferred = false;  // left for a later run (--no-wait): nothing waits for it
  friend bool operator==(const PlannedRetry&, const PlannedRetry&) = default;
};

struct TraitRow {
  TraitStatus status;
  ClassifiedBy classified_by = ClassifiedBy::Nobody;
  std::string evidence;  // what decided the class, or why nobody could tell
  std::string memory;    // what the current attempt asked for; "" when the ledger does not know
  std::optional<int> exit_code;
  Attention attention = Attention::None;
  // Of the budget the failure's class draws on (0/0 for a class no budget covers).
  int retries_used = 0;
  int retry_budget = 0;
  std::optional<PlannedRetry> planned;
  std::optional<int> pending_attempt;  // the attempt a resubmission under way carries
  // Out of memory: the memory the next retry asks for (the ladder's next
  // tier), or "" when the ladder has no tier left.
  std::string next_memory;
};

struct RowSources {
  const BatchStatus& status;
  const Ledger& ledger;
  // What `status` found for failures the ledger has not classified.
  const std::map<int, Classification>& classified_now;
  // Why a failure could not be classified for the view, by trait.
  const std::map<int, std::string>& unclassifiable;
  const std::map<int, PlannedRetry>& planned;
  const RetryPolicy& policy;
  const std::vector<std::string>& memory_ladder;  // MEMORY_LADDER, smallest first
};

// One row per trait of `sources.status`, in its order.
[[nodiscard]] std::vector<TraitRow> trait_rows(const RowSources& sources);

// Whether the row matches a --state word: its state (to_string(TraitState))
// or its attention word.
[[nodiscard]] bool row_in_state(const TraitRow& row, std::string_view word);

}  // namespace traitctl
