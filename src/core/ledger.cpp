#include "traitctl/core/ledger.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace traitctl {
namespace {

using nlohmann::json;

// Thrown while reading a ledger, caught in ledger_from_json: it carries the
// path of the bad value ("traits.5.pending.attempt: ...").
class LedgerFormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string_view where, std::string_view what) {
  throw LedgerFormatError(fmt::format("{}: {}", where, what));
}

const json& field(const json& object, std::string_view where, const char* key) {
  const auto found = object.find(key);
  if (found == object.end()) {
    fail(where, fmt::format("missing \"{}\"", key));
  }
  return *found;
}

// Absent and null both mean "not set".
const json* optional_field(const json& object, const char* key) {
  const auto found = object.find(key);
  return found == object.end() || found->is_null() ? nullptr : &*found;
}

int read_count(const json& value, std::string_view where) {
  // nlohmann parses non-negative numbers as unsigned, negative ones as
  // signed; a document built in memory holds ints as signed.
  if (!value.is_number_integer() || value.get<std::int64_t>() < 0 ||
      value.get<std::int64_t>() > std::int64_t{std::numeric_limits<int>::max()}) {
    fail(where, fmt::format("expected a whole number >= 0, found {}", value.dump()));
  }
  return value.get<int>();
}

std::string read_string(const json& value, std::string_view where) {
  if (!value.is_string()) {
    fail(where, fmt::format("expected a string, found {}", value.dump()));
  }
  return value.get<std::string>();
}

TimePoint read_ledger_time(const json& value, std::string_view where) {
  auto time = parse_utc(read_string(value, where));
  if (!time) {
    fail(where, time.error().message);
  }
  return *time;
}

const json& read_object(const json& value, std::string_view where) {
  if (!value.is_object()) {
    fail(where, fmt::format("expected an object, found {}", value.type_name()));
  }
  return value;
}

IntentKind read_intent_kind(const json& value, std::string_view where) {
  const std::string name = read_string(value, where);
  for (const IntentKind kind : {IntentKind::Automatic, IntentKind::Manual, IntentKind::Sent}) {
    if (to_string(kind) == name) {
      return kind;
    }
  }
  fail(where, fmt::format("unknown kind '{}': expected automatic, manual or sent", name));
}

bool read_flag(const json& object, const char* key, const std::string& where) {
  const json* value = optional_field(object, key);
  if (value == nullptr) {
    return false;
  }
  if (!value->is_boolean()) {
    fail(where + "." + key, fmt::format("expected true or false, found {}", value->dump()));
  }
  return value->get<bool>();
}

int read_optional_count(const json& object, const char* key, const std::string& where) {
  const json* value = optional_field(object, key);
  return value == nullptr ? 0 : read_count(*value, where + "." + key);
}

std::string read_optional_string(const json& object, const char* key, const std::string& where) {
  const json* value = optional_field(object, key);
  return value == nullptr ? std::string() : read_string(*value, where + "." + key);
}

FailureClass read_failure_class(const json& value, const std::string& where) {
  auto failure = failure_class_from_string(read_string(value, where));
  if (!failure) {
    fail(where, failure.error().message);
  }
  return *failure;
}

PendingIntent read_pending(const json& value, const std::string& where) {
  read_object(value, where);
  PendingIntent pending;
  pending.kind = read_intent_kind(field(value, where, "kind"), where + ".kind");
  pending.attempt = read_count(field(value, where, "attempt"), where + ".attempt");
  pending.recorded_at = read_ledger_time(field(value, where, "recorded_at"), where + ".recorded_at");
  pending.forced = read_flag(value, "forced", where);
  pending.replaces_id = read_optional_string(value, "replaces_id", where);
  pending.old_job_gone = read_flag(value, "old_job_gone", where);
  pending.submit_sent = read_flag(value, "submit_sent", where);
  return pending;
}

AttemptEnd read_attempt_end(const json& value, const std::string& where) {
  auto end = attempt_end_from_string(read_string(value, where));
  if (!end) {
    fail(where, end.error().message);
  }
  return *end;
}

AttemptRecord read_attempt(const json& value, const std::string& where) {
  read_object(value, where);
  AttemptRecord attempt;
  attempt.number = read_count(field(value, where, "number"), where + ".number");
  attempt.job_id = read_optional_string(value, "job_id", where);
  attempt.cpu = read_optional_string(value, "cpu", where);
  attempt.memory = read_optional_string(value, "memory", where);
  if (const json* time = optional_field(value, "submitted_at")) {
    attempt.submitted_at = read_ledger_time(*time, where + ".submitted_at");
  }
  if (const json* time = optional_field(value, "ended_at")) {
    attempt.ended_at = read_ledger_time(*time, where + ".ended_at");
  }
  if (const json* end = optional_field(value, "end")) {
    attempt.end = read_attempt_end(*end, where + ".end");
  }
  if (const json* failure = optional_field(value, "failure")) {
    attempt.failure = read_failure_class(*failure, where + ".failure");
  }
  if (const json* code = optional_field(value, "exit_code")) {
    if (!code->is_number_integer()) {
      fail(where + ".exit_code", fmt::format("expected a whole number, found {}", code->dump()));
    }
    attempt.exit_code = code->get<int>();
  }
  attempt.evidence = read_optional_string(value, "evidence", where);
  return attempt;
}

TraitRecord read_trait(const json& value, const std::string& where) {
  read_object(value, where);
  TraitRecord record;
  record.automatic_retries =
      read_count(field(value, where, "automatic_retries"), where + ".automatic_retries");
  record.manual_resubmissions =
      read_count(field(value, where, "manual_resubmissions"), where + ".manual_resubmissions");
  record.oom_retries = read_optional_count(value, "oom_retries", where);
  record.incomplete_retries = read_optional_count(value, "incomplete_retries", where);
  if (const json* seen = optional_field(value, "failure_first_seen")) {
    record.failure_first_seen = read_ledger_time(*seen, where + ".failure_first_seen");
  }
  if (const json* last = optional_field(value, "last_failure")) {
    record.last_failure = read_failure_class(*last, where + ".last_failure");
  }
  if (const json* pending = optional_field(value, "pending")) {
    record.pending = read_pending(*pending, where + ".pending");
  }
  record.out_of_retries = read_flag(value, "out_of_retries", where);
  record.job_id = read_optional_string(value, "job_id", where);
  if (const json* attempts = optional_field(value, "attempts")) {
    if (!attempts->is_array()) {
      fail(where + ".attempts", fmt::format("expected an array, found {}", attempts->type_name()));
    }
    for (std::size_t index = 0; index < attempts->size(); ++index) {
      record.attempts.push_back(
          read_attempt(attempts->at(index), fmt::format("{}.attempts.{}", where, index)));
    }
  }
  return record;
}

int read_trait_number(std::string_view key) {
  int trait = 0;
  const auto [end, error] = std::from_chars(key.data(), key.data() + key.size(), trait);
  if (key.empty() || error != std::errc{} || end != key.data() + key.size() || trait < 1 ||
      key.front() == '0') {
    fail("traits", fmt::format("'{}' is not a trait number", key));
  }
  return trait;
}

Ledger read_ledger(const json& document) {
  read_object(document, "ledger");
  Ledger ledger;
  ledger.project = read_string(field(document, "ledger", "project"), "project");
  ledger.prefix = read_string(field(document, "ledger", "prefix"), "prefix");
  if (const json* started = optional_field(document, "first_submitted_at")) {
    ledger.first_submitted_at = read_ledger_time(*started, "first_submitted_at");
  }
  if (const json* cap = optional_field(document, "cap")) {
    auto state = cap_state_from_json(*cap);
    if (!state) {
      fail("cap", state.error().message);
    }
    ledger.cap = std::move(*state);
  }
  for (const auto& [key, value] : read_object(field(document, "ledger", "traits"), "traits").items()) {
    const int trait = read_trait_number(key);
    ledger.traits.emplace(trait, read_trait(value, "traits." + key));
  }
  return ledger;
}

// Reads exactly `width` digits at `pos`, advancing it.
bool read_digits(std::string_view text, std::size_t& pos, std::size_t width, int& out) {
  if (pos + width > text.size()) {
    return false;
  }
  const auto [end, error] = std::from_chars(text.data() + pos, text.data() + pos + width, out);
  if (error != std::errc{} || end != text.data() + pos + width || text[pos] == '-' || text[pos] == '+') {
    return false;
  }
  pos += width;
  return true;
}

bool expect(std::string_view text, std::size_t& pos, char c) {
  if (pos >= text.size() || text[pos] != c) {
    return false;
  }
  ++pos;
  return true;
}

}  // namespace

int current_attempt(const TraitRecord& record) {
  return 1 + record.automatic_retries + record.oom_retries + record.incomplete_retries +
         record.manual_resubmissions;
}

const PendingIntent* resubmission_intent(const TraitRecord& record) {
  return record.pending && record.pending->kind != IntentKind::Sent ? &*record.pending : nullptr;
}

PendingIntent* resubmission_intent(TraitRecord& record) {
  return record.pending && record.pending->kind != IntentKind::Sent ? &*record.pending : nullptr;
}

bool sent_unlisted(const TraitRecord& record) {
  return record.pending && record.pending->kind == IntentKind::Sent;
}

int next_attempt(const TraitRecord& record) {
  const PendingIntent* pending = resubmission_intent(record);
  return pending != nullptr ? pending->attempt : current_attempt(record) + 1;
}

int listed_attempt(const TraitRecord& record) {
  const int latest = current_attempt(record);
  const PendingIntent* pending = resubmission_intent(record);
  return pending != nullptr && !pending->old_job_gone ? latest - 1 : latest;
}

const AttemptRecord* find_attempt(const TraitRecord& record, int number) {
  const auto found =
      std::find_if(record.attempts.begin(), record.attempts.end(),
                   [number](const AttemptRecord& attempt) { return attempt.number == number; });
  return found == record.attempts.end() ? nullptr : &*found;
}

AttemptRecord& attempt_record(TraitRecord& record, int number) {
  const auto found =
      std::find_if(record.attempts.begin(), record.attempts.end(),
                   [number](const AttemptRecord& attempt) { return attempt.number == number; });
  if (found != record.attempts.end()) {
    return *found;
  }
  AttemptRecord& added = record.attempts.emplace_back();
  added.number = number;
  std::sort(record.attempts.begin(), record.attempts.end(),
            [](const AttemptRecord& a, const AttemptRecord& b) { return a.number < b.number; });
  return attempt_record(record, number);
}

std::string_view to_string(IntentKind kind) {
  switch (kind) {
    case IntentKind::Automatic: return "automatic";
    case IntentKind::Manual: return "manual";
    case IntentKind::Sent: return "sent";
  }
  return "automatic";
}

std::string_view to_string(AttemptEnd end) {
  switch (end) {
    case AttemptEnd::Succeeded: return "succeeded";
    case AttemptEnd::Failed: return "failed";
    case AttemptEnd::Stopped: return "stopped";
    case AttemptEnd::Incomplete: return "incomplete";
  }
  return "failed";
}

Result<AttemptEnd> attempt_end_from_string(std::string_view name) {
  for (const AttemptEnd end :
       {AttemptEnd::Succeeded, AttemptEnd::Failed, AttemptEnd::Stopped, AttemptEnd::Incomplete}) {
    if (to_string(end) == name) {
      return end;
    }
  }
  return make_error(ErrorKind::Parse, "unknown end '{}': expected succeeded, failed, stopped or incomplete", name);
}

std::string format_utc(TimePoint time) {
  using namespace std::chrono;
  const auto day = floor<days>(time);
  const year_month_day date{day};
  const hh_mm_ss clock{floor<milliseconds>(time - day)};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

Result<TimePoint> parse_utc(std::string_view text) {
  using namespace std::chrono;
  std::size_t pos = 0;
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  bool ok = read_digits(text, pos, 4, year) && expect(text, pos, '-') && read_digits(text, pos, 2, month) &&
            expect(text, pos, '-') && read_digits(text, pos, 2, day) && expect(text, pos, 'T') &&
            read_digits(text, pos, 2, hour) && expect(text, pos, ':') && read_digits(text, pos, 2, minute) &&
            expect(text, pos, ':') && read_digits(text, pos, 2, second);
  int millis = 0;
  if (ok && pos < text.size() && text[pos] == '.') {
    ++pos;
    const std::size_t digits_start = pos;
    while (pos < text.size() && pos - digits_start < 9 && text[pos] >= '0' && text[pos] <= '9') {
      if (pos - digits_start < 3) {
        millis = millis * 10 + (text[pos] - '0');
      }
      ++pos;
    }
    const auto digits = pos - digits_start;
    ok = digits > 0;
    for (auto scale = std::min<std::size_t>(digits, 3); scale < 3; ++scale) {
      millis *= 10;
    }
  }
  ok = ok && expect(text, pos, 'Z') && pos == text.size();
  const year_month_day date{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                            std::chrono::day{static_cast<unsigned>(day)}};
  if (!ok || !date.ok() || hour > 23 || minute > 59 || second > 59) {
    return make_error(ErrorKind::Parse, "'{}' is not a UTC time like 2024-05-01T12:00:00.250Z", text);
  }
  return TimePoint{sys_days{date} + hours{hour} + minutes{minute} + seconds{second} + milliseconds{millis}};
}

namespace {

json attempt_json(const AttemptRecord& attempt) {
  json entry{{"number", attempt.number}};
  const auto set_text = [&entry](const char* key, const std::string& text) {
    if (!text.empty()) {
      entry[key] = text;
    }
  };
  set_text("job_id", attempt.job_id);
  set_text("cpu", attempt.cpu);
  set_text("memory", attempt.memory);
  if (attempt.submitted_at) {
    entry["submitted_at"] = format_utc(*attempt.submitted_at);
  }
  if (attempt.ended_at) {
    entry["ended_at"] = format_utc(*attempt.ended_at);
  }
  if (attempt.end) {
    entry["end"] = to_string(*attempt.end);
  }
  if (attempt.failure) {
    entry["failure"] = to_string(*attempt.failure);
  }
  if (attempt.exit_code) {
    entry["exit_code"] = *attempt.exit_code;
  }
  set_text("evidence", attempt.evidence);
  return entry;
}

}  // namespace

json to_json(const Ledger& ledger) {
  json traits = json::object();
  for (const auto& [trait, record] : ledger.traits) {
    json entry{{"automatic_retries", record.automatic_retries},
               {"oom_retries", record.oom_retries},
               {"incomplete_retries", record.incomplete_retries},
               {"manual_resubmissions", record.manual_resubmissions},
               {"out_of_retries", record.out_of_retries}};
    if (record.failure_first_seen) {
      entry["failure_first_seen"] = format_utc(*record.failure_first_seen);
    }
    if (record.last_failure) {
      entry["last_failure"] = to_string(*record.last_failure);
    }
    if (record.pending) {
      entry["pending"] = to_json(*record.pending);
    }
    if (!record.job_id.empty()) {
      entry["job_id"] = record.job_id;
    }
    json attempts = json::array();
    for (const auto& attempt : record.attempts) {
      attempts.push_back(attempt_json(attempt));
    }
    entry["attempts"] = std::move(attempts);
    traits[std::to_string(trait)] = std::move(entry);
  }
  json document{{"version", ledger_version},
                {"project", ledger.project},
                {"prefix", ledger.prefix},
                {"traits", std::move(traits)}};
  if (ledger.first_submitted_at) {
    document["first_submitted_at"] = format_utc(*ledger.first_submitted_at);
  }
  if (ledger.cap) {
    document["cap"] = to_json(*ledger.cap);
  }
  return document;
}

Result<Ledger> ledger_from_json(const json& document) {
  const json* version = document.is_object() ? optional_field(document, "version") : nullptr;
  if (version == nullptr || !version->is_number_integer()) {
    return make_error(ErrorKind::Parse, "corrupt ledger (no whole-number \"version\")");
  }
  // Version 1 is version 2 without its additions, which read as absent.
  if (version->get<std::int64_t>() != ledger_version && version->get<std::int64_t>() != 1) {
    return make_error(ErrorKind::Parse,
                      "ledger version {} is not the version this traitctl reads ({}): it was written by "
                      "another traitctl; use that one, or upgrade",
                      version->dump(), ledger_version);
  }
  try {
    return read_ledger(document);
  } catch (const LedgerFormatError& error) {
    return make_error(ErrorKind::Parse, "corrupt ledger ({})", error.what());
  }
}

Result<Ledger> parse_ledger(std::string_view text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& error) {
    return make_error(ErrorKind::Parse, "corrupt ledger ({})", error.what());
  }
  return ledger_from_json(document);
}

json to_json(const PendingIntent& intent) {
  return json{{"kind", to_string(intent.kind)},
              {"attempt", intent.attempt},
              {"recorded_at", format_utc(intent.recorded_at)},
              {"forced", intent.forced},
              {"replaces_id", intent.replaces_id},
              {"old_job_gone", intent.old_job_gone},
              {"submit_sent", intent.submit_sent}};
}

Result<PendingIntent> pending_intent_from_json(const json& value) {
  try {
    return read_pending(value, "pending_intent");
  } catch (const LedgerFormatError& error) {
    return make_error(ErrorKind::Parse, "{}", error.what());
  }
}

}  // namespace traitctl
