#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/fake_clock.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::ledger_tests {
namespace {

using testing::FakeClock;

using std::chrono::seconds;

TEST(UtcTime, FormatsAndParses) {
  using namespace std::chrono;
  const TimePoint time =
      sys_days{year{2024} / 5 / 1} + hours{12} + minutes{3} + seconds{4} + milliseconds{250};
  EXPECT_EQ(format_utc(time), "2024-05-01T12:03:04.250Z");
  EXPECT_EQ(format_utc(TimePoint{}), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(*parse_utc("2024-05-01T12:03:04.250Z"), time);
  EXPECT_EQ(*parse_utc("2024-05-01T12:03:04.25Z"), time);
  EXPECT_EQ(*parse_utc("2024-05-01T12:03:04.250999999Z"), time);
  EXPECT_EQ(*parse_utc("2024-05-01T12:03:04Z"), time - milliseconds{250});
  for (const char* bad :
       {"", "2024-05-01", "2024-05-01T12:03:04", "2024-05-01T12:03:04.Z", "2024-02-30T00:00:00Z",
        "2024-05-01T24:00:00Z", "2024-05-01 12:03:04Z", "2024-05-01T12:03:04+01:00", "+024-05-01T12:03:04Z",
        "2024-05-01T12:03:04.1234567890Z"}) {
    auto parsed = parse_utc(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
  }
}

Ledger sample_ledger() {
  const TimePoint base = std::chrono::sys_days{std::chrono::year{2024} / 5 / 1};
  Ledger ledger{"team-a", "gwas", base, {}, std::nullopt, std::nullopt};
  ledger.traits[2] = TraitRecord{};
  TraitRecord busy;
  busy.automatic_retries = 2;
  busy.manual_resubmissions = 1;
  busy.failure_first_seen = base + std::chrono::milliseconds{1234};
  busy.oom_retries = 1;
  busy.last_failure = FailureClass::Mount;
  busy.pending = PendingIntent{IntentKind::Automatic, 5, base + seconds{90}, false, "123", true, true};
  busy.job_id = "122";
  AttemptRecord first;
  first.number = 1;
  first.job_id = "101";
  first.cpu = "12";
  first.memory = "32G";
  first.submitted_at = base;
  first.ended_at = base + seconds{60};
  first.end = AttemptEnd::Failed;
  first.failure = FailureClass::Oom;
  first.exit_code = 137;
  first.evidence = "exit code 137 (OOMKilled)";
  AttemptRecord second;
  second.number = 2;
  busy.attempts = {first, second};
  ledger.traits[17] = busy;
  TraitRecord done;
  done.automatic_retries = 3;
  done.last_failure = FailureClass::Config;
  done.out_of_retries = true;
  ledger.traits[187] = done;
  return ledger;
}

TEST(LedgerJson, RoundTrip) {
  const Ledger ledger = sample_ledger();
  const std::string text = to_json(ledger).dump();
  auto parsed = parse_ledger(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, ledger);

  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["version"], 2);
  EXPECT_EQ(json["traits"]["17"]["pending"]["kind"], "automatic");
  EXPECT_EQ(json["traits"]["17"]["pending"]["old_job_gone"], true);
  EXPECT_EQ(json["traits"]["17"]["failure_first_seen"], "2024-05-01T00:00:01.234Z");
  EXPECT_EQ(json["traits"]["17"]["last_failure"], "mount");
  EXPECT_EQ(json["traits"]["17"]["attempts"][0]["evidence"], "exit code 137 (OOMKilled)");
  EXPECT_FALSE(json["traits"]["2"].contains("pending"));

  const Ledger empty{"p", "x", std::nullopt, {}, std::nullopt, std::nullopt};
  EXPECT_EQ(*parse_ledger(to_json(empty).dump()), empty);
}

TEST(LedgerJson, APendingIntentRoundTripsAlone) {
  PendingIntent intent;
  intent.kind = IntentKind::Manual;
  intent.attempt = 3;
  intent.recorded_at = TimePoint{std::chrono::hours{480000}};
  intent.forced = true;
  intent.replaces_id = "j-9";
  intent.old_job_gone = true;
  intent.submit_sent = true;
  auto parsed = pending_intent_from_json(to_json(intent));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, intent);
  auto bad = pending_intent_from_json(nlohmann::json{{"kind", "sometimes"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message.find("pending_intent"), std::string::npos) << bad.error().message;
}

TEST(LedgerJson, ToleratesNullsAndUnknownKeys) {
  auto parsed = parse_ledger(R"({"version": 1, "project": "p", "prefix": "x", "first_submitted_at": null,
    "later": true, "traits": {"5": {"automatic_retries": 1, "manual_resubmissions": 0, "pending": null,
    "note": "hi"}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->traits.at(5).automatic_retries, 1);
  EXPECT_FALSE(parsed->traits.at(5).out_of_retries);
}

TEST(LedgerJson, ReadsVersionOneWithItsClassNames) {
  auto parsed = parse_ledger(R"({"version": 1, "project": "p", "prefix": "x", "traits": {"5":
    {"automatic_retries": 2, "manual_resubmissions": 1, "last_failure": "mount-failure",
     "failure_first_seen": "2024-05-01T00:00:00Z", "pending": {"kind": "automatic", "attempt": 4,
     "recorded_at": "2024-05-01T00:00:01Z"}, "out_of_retries": false},
    "6": {"automatic_retries": 0, "manual_resubmissions": 0, "last_failure": "config-error"}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const TraitRecord& record = parsed->traits.at(5);
  EXPECT_EQ(record.last_failure, FailureClass::Mount);
  EXPECT_EQ(parsed->traits.at(6).last_failure, FailureClass::Config);
  ASSERT_TRUE(record.pending.has_value());
  EXPECT_EQ(record.pending->attempt, 4);
  EXPECT_FALSE(record.pending->old_job_gone) << "a version 1 intent knows nothing of the delete";
  EXPECT_EQ(record.oom_retries, 0);
  EXPECT_TRUE(record.attempts.empty());
  EXPECT_EQ(to_json(*parsed)["version"], 2) << "shown as version 2";
}

TEST(LedgerJson, FutureVersionRejected) {
  auto parsed = parse_ledger(R"({"version": 3, "project": "p", "prefix": "x", "traits": {}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
  EXPECT_NE(parsed.error().message.find("version 3"), std::string::npos) << parsed.error().message;
  EXPECT_NE(parsed.error().message.find("upgrade"), std::string::npos) << parsed.error().message;
}

TEST(LedgerJson, CorruptInputNamesTheProblem) {
  const std::vector<std::pair<const char*, const char*>> cases = {
      {R"({"version": 1, "project": "p", "prefix": "x", "traits": {)", "corrupt ledger ("},
      {R"([1, 2])", "no whole-number \"version\""},
      {R"({"project": "p", "prefix": "x", "traits": {}})", "no whole-number \"version\""},
      {R"({"version": 1, "prefix": "x", "traits": {}})", "missing \"project\""},
      {R"({"version": 1, "project": "p", "prefix": "x", "traits": {"two": {}}})",
       "'two' is not a trait number"},
      {R"({"version": 1, "project": "p", "prefix": "x", "traits": {"5": {"automatic_retries": -1,
          "manual_resubmissions": 0}}})",
       "traits.5.automatic_retries"},
      {R"({"version": 1, "project": "p", "prefix": "x", "traits": {"5": {"automatic_retries": 1,
          "manual_resubmissions": 0, "last_failure": "gremlins"}}})",
       "unknown failure class 'gremlins'"},
      {R"({"version": 1, "project": "p", "prefix": "x", "traits": {"5": {"automatic_retries": 1,
          "manual_resubmissions": 0, "pending": {"kind": "auto", "attempt": 2,
          "recorded_at": "2024-05-01T00:00:00Z"}}}})",
       "traits.5.pending.kind"},
      {R"({"version": 1, "project": "p", "prefix": "x", "first_submitted_at": "yesterday", "traits": {}})",
       "first_submitted_at"},
  };
  for (const auto& [text, expected] : cases) {
    auto parsed = parse_ledger(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
  }
}

TEST(Attempts, TheListedAttemptIsTheReplacedOneUntilItsJobIsGone) {
  TraitRecord record;
  record.automatic_retries = 1;
  EXPECT_EQ(listed_attempt(record), 2);
  record.pending = PendingIntent{};
  record.pending->attempt = 3;
  record.automatic_retries = 2;  // counted when the intent was recorded
  EXPECT_EQ(listed_attempt(record), 2);
  record.pending->old_job_gone = true;
  EXPECT_EQ(listed_attempt(record), 3);
}

TEST(Attempts, ASentIntentIsNoResubmission) {
  TraitRecord record;
  record.automatic_retries = 1;
  record.pending = PendingIntent{IntentKind::Sent, 2, TimePoint{}, false, "", false, true};
  EXPECT_TRUE(sent_unlisted(record));
  EXPECT_EQ(resubmission_intent(record), nullptr);
  EXPECT_EQ(listed_attempt(record), 2) << "the sent attempt is the latest";
  EXPECT_EQ(next_attempt(record), 3);

  Ledger ledger;
  ledger.project = "p";
  ledger.prefix = "x";
  ledger.traits[4] = record;
  const auto json = to_json(ledger);
  EXPECT_EQ(json["traits"]["4"]["pending"]["kind"], "sent");
  const auto read = parse_ledger(json.dump());
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(read->traits.at(4), record);
}

TEST(Attempts, FindAttemptReadsWithoutAdding) {
  TraitRecord record;
  EXPECT_EQ(find_attempt(record, 1), nullptr);
  EXPECT_TRUE(record.attempts.empty());
  attempt_record(record, 2).memory = "64G";
  ASSERT_NE(find_attempt(record, 2), nullptr);
  EXPECT_EQ(find_attempt(record, 2)->memory, "64G");
  EXPECT_EQ(find_attempt(record, 1), nullptr);
}

}  // namespace
}  // namespace traitctl::ledger_tests
