// The attempt ledger of one batch (project + prefix): how many times each
// trait was resubmitted and why, so that retries stay bounded across runs and
// crashes. Pure data, rules and JSON; adapters/ledger_store.hpp keeps the file.
//
// Counting rules:
// - Attempt 1 is the first submission, which the ledger need not record; each
//   resubmission, automatic or manual, is the next attempt.
// - A resubmission is counted when its intent is recorded, BEFORE the old job
//   is deleted. A crash between delete and resubmit leaves the intent pending;
//   the next run completes it without counting it again, so a trait never
//   exceeds max_retries.
// - Manual resubmissions (`traitctl resubmit`) are counted apart and do not
//   use up automatic retries; nor do they restore them: the automatic budget
//   bounds the load a trait causes without a person deciding, for the batch's
//   whole life. (Move the ledger aside to start afresh.)
#pragma once

#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl {

inline constexpr int ledger_version = 1;

enum class IntentKind { Automatic, Manual };

// A resubmission decided and counted but not yet known to be submitted.
struct PendingIntent {
  IntentKind kind = IntentKind::Automatic;
  int attempt = 0;  // the attempt number the resubmission carries
  TimePoint recorded_at;
  friend bool operator==(const PendingIntent&, const PendingIntent&) = default;
};

struct TraitRecord {
  int automatic_retries = 0;                    // counted at intent time
  int manual_resubmissions = 0;                 // counted at intent time
  std::optional<TimePoint> failure_first_seen;  // of the current failure; backoff runs from here
  std::optional<FailureClass> last_failure;     // kept after a resubmission, for status
  std::optional<PendingIntent> pending;
  bool out_of_retries = false;
  friend bool operator==(const TraitRecord&, const TraitRecord&) = default;
};

struct Ledger {
  std::string project;
  std::string prefix;
  std::optional<TimePoint> first_submitted_at;  // of the batch, for elapsed time
  std::map<int, TraitRecord> traits;            // traits never resubmitted or failed may be absent
  friend bool operator==(const Ledger&, const Ledger&) = default;
};

// The attempt number of the trait's latest submission, a pending one included.
[[nodiscard]] int current_attempt(const TraitRecord& record);
// The attempt number the next resubmission carries: the pending intent's,
// else current_attempt + 1.
[[nodiscard]] int next_attempt(const TraitRecord& record);

struct RetryNow {
  int retry_number = 0;  // 1 for the first automatic retry
  int attempt = 0;       // the attempt number to submit
  friend bool operator==(const RetryNow&, const RetryNow&) = default;
};
struct WaitUntil {
  TimePoint eligible_at;
  int retry_number = 0;
  friend bool operator==(const WaitUntil&, const WaitUntil&) = default;
};
struct OutOfRetries {
  int retries_used = 0;
  friend bool operator==(const OutOfRetries&, const OutOfRetries&) = default;
};
struct NotRetryable {
  FailureClass failure = FailureClass::Unknown;
  std::string reason;  // failure_reason(failure)
  friend bool operator==(const NotRetryable&, const NotRetryable&) = default;
};
using RetryDecision = std::variant<RetryNow, WaitUntil, OutOfRetries, NotRetryable>;

// What to do with a trait whose job failed with `failure`. A pending intent
// (of either kind) is always RetryNow with its own numbers: it was decided
// and counted before a crash and must be completed. Otherwise: a class that
// is_retryable refuses -> NotRetryable; max_retries used -> OutOfRetries; else the
// backoff of the next retry, measured from failure_first_seen (or `now` when
// unset), gives RetryNow or WaitUntil. Call record_failure_seen first.
[[nodiscard]] RetryDecision decide_retry(const TraitRecord& record, FailureClass failure,
                                         const RetryPolicy& policy, TimePoint now);

// Sets first_submitted_at unless already set.
void record_batch_started(Ledger& ledger, TimePoint now);
// A failed job seen: keeps the first sighting's time, updates the class.
void record_failure_seen(TraitRecord& record, FailureClass failure, TimePoint now);
// Counts the resubmission and marks it pending; save the ledger before
// deleting the old job. With an intent already pending, changes nothing and
// returns that one: an intent is counted once, whatever crashes in between.
PendingIntent record_intent(TraitRecord& record, IntentKind kind, TimePoint now);
// The resubmission reached the backend (created, or found already there):
// clears the pending intent and the failure state.
void record_resubmitted(TraitRecord& record);
// decide_retry said OutOfRetries: remembered for status until a manual
// resubmission.
void record_out_of_retries(TraitRecord& record);

[[nodiscard]] std::string_view to_string(IntentKind kind);

// Times as ISO-8601 UTC with milliseconds, "2024-05-01T12:00:00.250Z": the
// ledger and the journal are read by people too.
[[nodiscard]] std::string format_utc(TimePoint time);
// Accepts what format_utc writes, with 0 to 9 fraction digits (truncated to
// milliseconds). Parse error naming the text otherwise.
[[nodiscard]] Result<TimePoint> parse_utc(std::string_view text);

// {"version": 1, "project", "prefix", "first_submitted_at"?, "traits": {"<n>":
// {"automatic_retries", "manual_resubmissions", "failure_first_seen"?,
// "last_failure"?, "pending"?: {"kind", "attempt", "recorded_at"},
// "out_of_retries"}}}; absent optionals are omitted. Unknown keys are ignored.
[[nodiscard]] nlohmann::json to_json(const Ledger& ledger);
// Parse errors: "corrupt ledger (<detail>)", or, for a version other than 1,
// one saying which traitctl wrote it and what to do.
[[nodiscard]] Result<Ledger> ledger_from_json(const nlohmann::json& document);
// Text to ledger; JSON syntax errors are "corrupt ledger (<detail>)" too.
[[nodiscard]] Result<Ledger> parse_ledger(std::string_view text);
// Pretty-printed JSON with a trailing newline.
[[nodiscard]] std::string serialize_ledger(const Ledger& ledger);

}  // namespace traitctl
