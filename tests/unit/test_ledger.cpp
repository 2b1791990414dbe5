#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "traitctl/core/ledger.hpp"

namespace traitctl {
namespace {

using std::chrono::seconds;

class LedgerRules : public ::testing::Test {
 protected:
  // One failed sighting of a mount failure, then the decision.
  RetryDecision fail_and_decide(FailureClass failure = FailureClass::Mount) {
    record_failure_seen(record_, failure, clock_.now());
    return decide_retry(record_, failure, policy_, clock_.now());
  }
  // What the retry command does once decide_retry says RetryNow.
  void resubmit() {
    (void)record_intent(record_, IntentKind::Automatic, clock_.now());
    record_resubmitted(record_);
  }

  FakeClock clock_;
  RetryPolicy policy_;
  TraitRecord record_;
};

TEST_F(LedgerRules, FirstRetryIsImmediate) {
  EXPECT_EQ(current_attempt(record_), 1);
  EXPECT_EQ(next_attempt(record_), 2);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
}

TEST_F(LedgerRules, SecondRetryWaitsFromTheFailureFirstSeen) {
  fail_and_decide();
  resubmit();
  clock_.advance(seconds{600});  // the resubmitted job ran a while
  const TimePoint first_seen = clock_.now();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{first_seen + seconds{30}, 2}}));

  clock_.advance(seconds{29});
  // Seen again: the backoff still runs from the first sighting.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{first_seen + seconds{30}, 2}}));
  EXPECT_EQ(record_.failure_first_seen, first_seen);

  clock_.advance(seconds{1});
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{2, 3}}));
  resubmit();
  EXPECT_FALSE(record_.failure_first_seen.has_value());

  const TimePoint third_seen = clock_.now();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{WaitUntil{third_seen + seconds{60}, 3}}));
}

TEST_F(LedgerRules, OutOfRetriesAfterThree) {
  for (int retry = 1; retry <= 3; ++retry) {
    fail_and_decide();
    clock_.advance(seconds{3600});
    EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{retry, retry + 1}}));
    resubmit();
  }
  EXPECT_EQ(record_.automatic_retries, 3);
  fail_and_decide();
  clock_.advance(seconds{3600});
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{3}}));
  record_out_of_retries(record_);
  EXPECT_TRUE(record_.out_of_retries);
}

TEST_F(LedgerRules, NotRetryableClassesSayWhy) {
  const auto decision = fail_and_decide(FailureClass::Config);
  ASSERT_TRUE(std::holds_alternative<NotRetryable>(decision));
  EXPECT_EQ(std::get<NotRetryable>(decision).failure, FailureClass::Config);
  EXPECT_EQ(std::get<NotRetryable>(decision).reason, "configuration error, manual fix needed");
  for (const FailureClass failure :
       {FailureClass::Unknown, FailureClass::Oom, FailureClass::Timeout, FailureClass::Incomplete}) {
    EXPECT_TRUE(std::holds_alternative<NotRetryable>(decide_retry(record_, failure, policy_, clock_.now())));
  }
  EXPECT_EQ(record_.automatic_retries, 0);
}

TEST_F(LedgerRules, InfrastructureFailuresAreRetriedLikeMountFailures) {
  EXPECT_EQ(fail_and_decide(FailureClass::Infrastructure), (RetryDecision{RetryNow{1, 2}}));
}

TEST_F(LedgerRules, IntentIsCountedOnce) {
  fail_and_decide();
  const PendingIntent intent = record_intent(record_, IntentKind::Automatic, clock_.now());
  EXPECT_EQ(intent.attempt, 2);
  EXPECT_EQ(record_.automatic_retries, 1);

  // A crash after the delete: the next run finds the intent pending and
  // completes it, without counting it again or waiting.
  clock_.advance(seconds{5});
  EXPECT_EQ(next_attempt(record_), 2);
  EXPECT_EQ(current_attempt(record_), 2);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
  EXPECT_EQ(record_intent(record_, IntentKind::Automatic, clock_.now()), intent);
  EXPECT_EQ(record_intent(record_, IntentKind::Manual, clock_.now()), intent);
  EXPECT_EQ(record_.automatic_retries, 1);
  EXPECT_EQ(record_.manual_resubmissions, 0);
  record_resubmitted(record_);
  EXPECT_FALSE(record_.pending.has_value());
  EXPECT_EQ(next_attempt(record_), 3);
}

TEST_F(LedgerRules, PendingIntentNeverExceedsMaxRetries) {
  policy_.max_retries = 1;
  fail_and_decide();
  (void)record_intent(record_, IntentKind::Automatic, clock_.now());
  // Crash; the pending intent is still completed, being already counted.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{RetryNow{1, 2}}));
  record_resubmitted(record_);
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1}}));
}

TEST_F(LedgerRules, ManualResubmissionsCountApart) {
  policy_.max_retries = 1;
  fail_and_decide();
  resubmit();
  fail_and_decide();
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1}}));
  record_out_of_retries(record_);

  const PendingIntent manual = record_intent(record_, IntentKind::Manual, clock_.now());
  EXPECT_EQ(manual.kind, IntentKind::Manual);
  EXPECT_EQ(manual.attempt, 3);
  record_resubmitted(record_);
  EXPECT_EQ(record_.manual_resubmissions, 1);
  EXPECT_EQ(record_.automatic_retries, 1);
  EXPECT_FALSE(record_.out_of_retries);
  EXPECT_EQ(current_attempt(record_), 3);
  // Manual work does not restore the automatic budget.
  EXPECT_EQ(fail_and_decide(), (RetryDecision{OutOfRetries{1}}));
}

TEST(BatchStart, KeepsTheFirst) {
  Ledger ledger{"team-a", "x", std::nullopt, {}};
  const TimePoint start{std::chrono::hours{1000}};
  record_batch_started(ledger, start);
  record_batch_started(ledger, start + seconds{10});
  EXPECT_EQ(ledger.first_submitted_at, start);
}

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
  Ledger ledger{"team-a", "gwas", base, {}};
  ledger.traits[2] = TraitRecord{};
  TraitRecord busy;
  busy.automatic_retries = 2;
  busy.manual_resubmissions = 1;
  busy.failure_first_seen = base + std::chrono::milliseconds{1234};
  busy.last_failure = FailureClass::Mount;
  busy.pending = PendingIntent{IntentKind::Automatic, 5, base + seconds{90}};
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
  const std::string text = serialize_ledger(ledger);
  auto parsed = parse_ledger(text);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, ledger);

  const auto json = nlohmann::json::parse(text);
  EXPECT_EQ(json["version"], 1);
  EXPECT_EQ(json["traits"]["17"]["pending"]["kind"], "automatic");
  EXPECT_EQ(json["traits"]["17"]["failure_first_seen"], "2024-05-01T00:00:01.234Z");
  EXPECT_EQ(json["traits"]["17"]["last_failure"], "mount");
  EXPECT_FALSE(json["traits"]["2"].contains("pending"));

  const Ledger empty{"p", "x", std::nullopt, {}};
  EXPECT_EQ(*parse_ledger(serialize_ledger(empty)), empty);
}

TEST(LedgerJson, ToleratesNullsAndUnknownKeys) {
  auto parsed = parse_ledger(R"({"version": 1, "project": "p", "prefix": "x", "first_submitted_at": null,
    "later": true, "traits": {"5": {"automatic_retries": 1, "manual_resubmissions": 0, "pending": null,
    "note": "hi"}}})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->traits.at(5).automatic_retries, 1);
  EXPECT_FALSE(parsed->traits.at(5).out_of_retries);
}

// Ledgers written before the failure classes were renamed still load.
TEST(LedgerJson, ReadsTheOldClassNames) {
  const std::vector<std::pair<const char*, FailureClass>> cases = {
      {"mount-failure", FailureClass::Mount}, {"config-error", FailureClass::Config},
      {"unknown", FailureClass::Unknown},     {"logs-unavailable", FailureClass::Unknown},
      {"timeout", FailureClass::Timeout},
  };
  for (const auto& [name, expected] : cases) {
    auto parsed = parse_ledger(fmt::format(
        R"({{"version": 1, "project": "p", "prefix": "x", "traits": {{"5": {{"automatic_retries": 1,
        "manual_resubmissions": 0, "last_failure": "{}"}}}}}})",
        name));
    ASSERT_TRUE(parsed.ok()) << name << ": " << parsed.error().message;
    EXPECT_EQ(parsed->traits.at(5).last_failure, expected) << name;
    // Written back under the new name.
    EXPECT_EQ(nlohmann::json::parse(serialize_ledger(*parsed))["traits"]["5"]["last_failure"],
              to_string(expected));
  }
}

TEST(LedgerJson, FutureVersionRejected) {
  auto parsed = parse_ledger(R"({"version": 2, "project": "p", "prefix": "x", "traits": {}})");
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
  EXPECT_NE(parsed.error().message.find("version 2"), std::string::npos) << parsed.error().message;
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

}  // namespace
}  // namespace traitctl
