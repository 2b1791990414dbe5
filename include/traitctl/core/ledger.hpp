// The attempt ledger of one batch (project + prefix): per trait, the retries
// it has used and why, the resubmission under way, and every attempt's story,
// so that retries stay bounded across runs and crashes and `status`/`describe`
// can tell what happened. Pure data and JSON; the rules that change it are in
// core/retry_policy.hpp, adapters/ledger_store.hpp keeps the file.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/failure.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// Version 2 added the resubmission's phases, the memory tier and attempt
// history; version 1 ledgers are read and rewritten as version 2.
inline constexpr int ledger_version = 2;

enum class IntentKind { Automatic, Manual };
[[nodiscard]] std::string_view to_string(IntentKind kind);

// A resubmission decided and counted but not yet known to have happened. Its
// phases are saved as they pass, so that a run that stops at any point is
// continued by the next without a lost trait or a job twice.
struct PendingIntent {
  IntentKind kind = IntentKind::Automatic;
  int attempt = 0;  // the attempt number the resubmission carries
  TimePoint recorded_at;
  bool forced = false;        // replaces a job that had not ended (resubmit --force)
  std::string replaces_id;    // the replaced job's id, where the backend has ids
  bool old_job_gone = false;  // a complete listing showed the replaced job gone
  bool submit_sent = false;   // the resubmission was sent; its answer may have been lost
  friend bool operator==(const PendingIntent&, const PendingIntent&) = default;
};

enum class AttemptEnd { Succeeded, Failed, Stopped, Incomplete };
[[nodiscard]] std::string_view to_string(AttemptEnd end);
// Parse error naming `name` and the accepted names.
[[nodiscard]] Result<AttemptEnd> attempt_end_from_string(std::string_view name);

// One job of a trait. submitted_at is when traitctl submitted it; ended_at is
// the cluster's end where the backend tells it, else when traitctl first saw
// it end. The facts below are the cluster's (Backend::attempt_facts); unknown
// stays nullopt, never 0.
struct AttemptRecord {
  int number = 1;
  std::string job_id;
  std::string cpu;
  std::string memory;
  std::optional<TimePoint> submitted_at;
  std::optional<TimePoint> ended_at;
  std::optional<AttemptEnd> end;
  std::optional<FailureClass> failure;
  std::optional<int> exit_code;
  std::string evidence;  // what decided the class (Classification::evidence)
  std::optional<TimePoint> started_at;  // the cluster's start of the job
  std::optional<std::string> node;      // where it ran (a Kubernetes node, Slurm's NodeList, the host)
  std::optional<std::int64_t> peak_memory_bytes;
  std::optional<double> cpu_seconds;  // user + system CPU time
  friend bool operator==(const AttemptRecord&, const AttemptRecord&) = default;
};

struct TraitRecord {
  int automatic_retries = 0;     // of mount and infrastructure failures, counted at intent time
  int oom_retries = 0;           // the memory tier: 0 is MEMORY, n the ladder's n-th step up
  int incomplete_retries = 0;    // of jobs that exited 0 without their outputs
  int manual_resubmissions = 0;  // counted at intent time
  std::optional<TimePoint> failure_first_seen;  // of the current failure; backoff runs from here
  std::optional<FailureClass> last_failure;     // kept after a resubmission, for status
  std::optional<PendingIntent> pending;
  bool out_of_retries = false;
  std::string job_id;  // the current job's id, where the backend has ids (Slurm)
  std::vector<AttemptRecord> attempts;
  friend bool operator==(const TraitRecord&, const TraitRecord&) = default;
};

struct Ledger {
  std::string project;
  std::string prefix;
  std::optional<TimePoint> first_submitted_at;
  std::map<int, TraitRecord> traits;
  // The batch's cap as mount failures and `traitctl cap` left it, so that a
  // restarted run resumes there (core/concurrency.hpp).
  std::optional<CapState> cap;
  // The ladder tier (as TraitRecord::oom_retries counts) that traits not yet
  // submitted start at, once the batch has learned it.
  std::optional<int> learned_memory_tier;
  friend bool operator==(const Ledger&, const Ledger&) = default;
};

// The attempt number of the trait's latest submission, a pending one included.
[[nodiscard]] int current_attempt(const TraitRecord& record);
// The attempt number the next resubmission carries: the pending intent's,
// else current_attempt + 1.
[[nodiscard]] int next_attempt(const TraitRecord& record);
// The attempt of the job a listing shows for the trait: the latest, or,
// until its job is gone, the one a pending resubmission replaces.
[[nodiscard]] int listed_attempt(const TraitRecord& record);
// The record of attempt `number`, created when missing.
AttemptRecord& attempt_record(TraitRecord& record, int number);
// The record of attempt `number`, or null when the ledger has none.
[[nodiscard]] const AttemptRecord* find_attempt(const TraitRecord& record, int number);

// Times as ISO-8601 UTC with milliseconds, "2024-05-01T12:00:00.250Z": the
// ledger and the journal are read by people too.
[[nodiscard]] std::string format_utc(TimePoint time);
// Accepts what format_utc writes, with 0 to 9 fraction digits (truncated to
// milliseconds). Parse error naming the text otherwise.
[[nodiscard]] Result<TimePoint> parse_utc(std::string_view text);

// The JSON of ledger version 2, the form the batch's state took before the
// batch database (adapters/ledger_store.hpp imports it) and the form
// `describe --json` shows a trait in:
// {"version": 2, "project", "prefix", "first_submitted_at"?, "traits": {"<n>":
// {"automatic_retries", "oom_retries", "incomplete_retries",
// "manual_resubmissions", "failure_first_seen"?, "last_failure"?, "pending"?:
// {"kind", "attempt", "recorded_at", "forced", "replaces_id", "old_job_gone",
// "submit_sent"}, "out_of_retries", "job_id"?, "attempts": [...]}}, "cap"?};
// absent optionals are omitted. Unknown keys are ignored.
[[nodiscard]] nlohmann::json to_json(const Ledger& ledger);
// Parse errors: "corrupt ledger (<detail>)", or, for a version this traitctl
// does not read, one saying which traitctl wrote it and what to do.
[[nodiscard]] Result<Ledger> ledger_from_json(const nlohmann::json& document);
// Text to ledger; JSON syntax errors are "corrupt ledger (<detail>)" too.
[[nodiscard]] Result<Ledger> parse_ledger(std::string_view text);

// A pending intent as the ledger's JSON holds it, also the batch database's
// traits.pending_intent column: every field of PendingIntent.
[[nodiscard]] nlohmann::json to_json(const PendingIntent& intent);
// Parse error "<detail>" naming the bad field.
[[nodiscard]] Result<PendingIntent> pending_intent_from_json(const nlohmann::json& value);

}  // namespace traitctl
