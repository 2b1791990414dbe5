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
class FormatError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void fail(std::string_view where, std::string_view what) {
  throw FormatError(fmt::format("{}: {}", where, what));
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
  // nlohmann stores non-negative numbers as unsigned, negative ones as signed.
  if (!value.is_number_unsigned() ||
      value.get<std::uint64_t>() > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
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

TimePoint read_time(const json& value, std::string_view where) {
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
  for (const IntentKind kind : {IntentKind::Automatic, IntentKind::Manual}) {
    if (to_string(kind) == name) {
      return kind;
    }
  }
  fail(where, fmt::format("unknown kind '{}': expected automatic or manual", name));
}

PendingIntent read_pending(const json& value, const std::string& where) {
  read_object(value, where);
  PendingIntent pending;
  pending.kind = read_intent_kind(field(value, where, "kind"), where + ".kind");
  pending.attempt = read_count(field(value, where, "attempt"), where + ".attempt");
  pending.recorded_at = read_time(field(value, where, "recorded_at"), where + ".recorded_at");
  return pending;
}

TraitRecord read_trait(const json& value, const std::string& where) {
  read_object(value, where);
  TraitRecord record;
  record.automatic_retries =
      read_count(field(value, where, "automatic_retries"), where + ".automatic_retries");
  record.manual_resubmissions =
      read_count(field(value, where, "manual_resubmissions"), where + ".manual_resubmissions");
  if (const json* seen = optional_field(value, "failure_first_seen")) {
    record.failure_first_seen = read_time(*seen, where + ".failure_first_seen");
  }
  if (const json* last = optional_field(value, "last_failure")) {
    auto failure = failure_class_from_string(read_string(*last, where + ".last_failure"));
    if (!failure) {
      fail(where + ".last_failure", failure.error().message);
    }
    record.last_failure = *failure;
  }
  if (const json* pending = optional_field(value, "pending")) {
    record.pending = read_pending(*pending, where + ".pending");
  }
  if (const json* out = optional_field(value, "out_of_retries")) {
    if (!out->is_boolean()) {
      fail(where + ".out_of_retries", fmt::format("expected true or false, found {}", out->dump()));
    }
    record.out_of_retries = out->get<bool>();
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
    ledger.first_submitted_at = read_time(*started, "first_submitted_at");
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
  return 1 + record.automatic_retries + record.manual_resubmissions;
}

int next_attempt(const TraitRecord& record) {
  return record.pending ? record.pending->attempt : current_attempt(record) + 1;
}

RetryDecision decide_retry(const TraitRecord& record, FailureClass failure, const RetryPolicy& policy,
                           TimePoint now) {
  if (record.pending) {
    return RetryNow{record.automatic_retries, record.pending->attempt};
  }
  if (!is_retryable(failure)) {
    return NotRetryable{failure, std::string(failure_reason(failure))};
  }
  if (record.automatic_retries >= policy.max_retries) {
    return OutOfRetries{record.automatic_retries};
  }
  const int retry_number = record.automatic_retries + 1;
  const TimePoint eligible_at =
      record.failure_first_seen.value_or(now) + backoff_before_retry(retry_number, policy);
  if (now < eligible_at) {
    return WaitUntil{eligible_at, retry_number};
  }
  return RetryNow{retry_number, next_attempt(record)};
}

void record_batch_started(Ledger& ledger, TimePoint now) {
  if (!ledger.first_submitted_at) {
    ledger.first_submitted_at = now;
  }
}

void record_failure_seen(TraitRecord& record, FailureClass failure, TimePoint now) {
  if (!record.failure_first_seen) {
    record.failure_first_seen = now;
  }
  record.last_failure = failure;
}

PendingIntent record_intent(TraitRecord& record, IntentKind kind, TimePoint now) {
  if (record.pending) {
    return *record.pending;
  }
  const int attempt = next_attempt(record);
  if (kind == IntentKind::Automatic) {
    ++record.automatic_retries;
  } else {
    ++record.manual_resubmissions;
  }
  record.pending = PendingIntent{kind, attempt, now};
  return *record.pending;
}

void record_resubmitted(TraitRecord& record) {
  record.pending.reset();
  record.failure_first_seen.reset();
  record.out_of_retries = false;
}

void record_out_of_retries(TraitRecord& record) { record.out_of_retries = true; }

std::string_view to_string(IntentKind kind) { return kind == IntentKind::Automatic ? "automatic" : "manual"; }

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

json to_json(const Ledger& ledger) {
  json traits = json::object();
  for (const auto& [trait, record] : ledger.traits) {
    json entry{{"automatic_retries", record.automatic_retries},
               {"manual_resubmissions", record.manual_resubmissions},
               {"out_of_retries", record.out_of_retries}};
    if (record.failure_first_seen) {
      entry["failure_first_seen"] = format_utc(*record.failure_first_seen);
    }
    if (record.last_failure) {
      entry["last_failure"] = to_string(*record.last_failure);
    }
    if (record.pending) {
      entry["pending"] = json{{"kind", to_string(record.pending->kind)},
                              {"attempt", record.pending->attempt},
                              {"recorded_at", format_utc(record.pending->recorded_at)}};
    }
    traits[std::to_string(trait)] = std::move(entry);
  }
  json document{{"version", ledger_version},
                {"project", ledger.project},
                {"prefix", ledger.prefix},
                {"traits", std::move(traits)}};
  if (ledger.first_submitted_at) {
    document["first_submitted_at"] = format_utc(*ledger.first_submitted_at);
  }
  return document;
}

Result<Ledger> ledger_from_json(const json& document) {
  const json* version = document.is_object() ? optional_field(document, "version") : nullptr;
  if (version == nullptr || !version->is_number_integer()) {
    return make_error(ErrorKind::Parse, "corrupt ledger (no whole-number \"version\")");
  }
  if (version->get<std::int64_t>() != ledger_version) {
    return make_error(ErrorKind::Parse,
                      "ledger version {} is not the version this traitctl reads ({}): it was written by "
                      "another traitctl; use that one, or upgrade",
                      version->dump(), ledger_version);
  }
  try {
    return read_ledger(document);
  } catch (const FormatError& error) {
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

std::string serialize_ledger(const Ledger& ledger) {
  return to_json(ledger).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

}  // namespace traitctl
