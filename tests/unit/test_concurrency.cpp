#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <vector>

#include "support/fake_clock.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::concurrency_tests {
namespace {

using nlohmann::json;
using testing::FakeClock;
using namespace std::chrono_literals;

constexpr std::uint64_t gigabyte = 1000ULL * 1000 * 1000;

class AdaptiveCap : public ::testing::Test {
 protected:
  // One finished attempt at the fake clock's time, then a second passes.
  CapDecision finish(bool mount_failure, std::optional<TimePoint> submitted_at = std::nullopt) {
    const CapDecision decision = observe_finish(state_, {mount_failure, submitted_at}, clock_.now(), policy_);
    clock_.advance(1s);
    return decision;
  }
  // `count` finishes of one kind; the decisions that changed something.
  std::vector<CapDecision> finishes(int count, bool mount_failure,
                                    std::optional<TimePoint> submitted_at = std::nullopt) {
    std::vector<CapDecision> changes;
    for (int i = 0; i < count; ++i) {
      if (const CapDecision decision = finish(mount_failure, submitted_at);
          decision.event != CapEvent::None) {
        changes.push_back(decision);
      }
    }
    return changes;
  }

  FakeClock clock_;
  AdaptivePolicy policy_;
  CapState state_ = resume_cap(std::nullopt, 50, policy_);
};

TEST_F(AdaptiveCap, StartsAtTheMaximum) {
  EXPECT_EQ(state_.maximum, 50);
  EXPECT_EQ(effective_cap(state_), 50);
  EXPECT_FALSE(throttled(state_));
}

TEST_F(AdaptiveCap, ABurstOfMountFailuresHalvesTheCap) {
  EXPECT_TRUE(finishes(7, false).empty());
  EXPECT_TRUE(finishes(2, true).empty());
  const TimePoint third_failure_at = clock_.now();
  EXPECT_EQ(finish(true), (CapDecision{.event = CapEvent::Lowered,
                                       .from = 50,
                                       .to = 25,
                                       .previous_maximum = 50,
                                       .maximum = 50,
                                       .mount_failures = 3,
                                       .finishes = 10}));
  EXPECT_EQ(effective_cap(state_), 25);
  EXPECT_TRUE(throttled(state_));
  EXPECT_EQ(state_.lowered_at, third_failure_at);
  EXPECT_EQ(state_.changed_at, third_failure_at);
  EXPECT_TRUE(state_.recent.empty()) << "the window is cleared after a decrease";
}

TEST_F(AdaptiveCap, FailuresSpreadOutOfTheWindowDoNotLowerIt) {
  for (int round = 0; round < 5; ++round) {
    EXPECT_TRUE(finishes(1, true).empty());
    EXPECT_TRUE(finishes(4, false).empty());
  }
  EXPECT_EQ(effective_cap(state_), 50) << "two mount failures in any ten finishes is not a burst";
}

TEST_F(AdaptiveCap, OtherFailureClassesCountAsHealthy) {
  // The loop passes mount_failure = false for a configuration error or an OOM kill.
  EXPECT_TRUE(finishes(20, false).empty());
  EXPECT_EQ(state_.recent, std::deque<bool>(10, false));
}

TEST_F(AdaptiveCap, TheWindowClearedByADecreaseNeedsAFreshBurst) {
  ASSERT_EQ(finishes(3, true).size(), 1u);
  ASSERT_EQ(effective_cap(state_), 25);
  EXPECT_TRUE(finishes(2, true).empty()) << "two new failures are not yet a burst";
  const auto changes = finishes(1, true);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].to, 12);
}

TEST_F(AdaptiveCap, OneDecreasePerBurstAttemptsSubmittedBeforeItAreIgnored) {
  const TimePoint before = clock_.now();  // 50 jobs submitted under the full cap
  clock_.advance(1min);
  ASSERT_EQ(finishes(3, true, before).size(), 1u);
  ASSERT_EQ(effective_cap(state_), 25);
  // The rest of the jobs that started under load 50 fail too: the decrease
  // already answered them.
  EXPECT_TRUE(finishes(20, true, before).empty());
  EXPECT_TRUE(finishes(20, false, before).empty()) << "nor do their successes raise it";
  EXPECT_EQ(effective_cap(state_), 25);
  EXPECT_TRUE(state_.recent.empty());
  // Jobs submitted under the new cap that fail again halve it again.
  const TimePoint after = clock_.now();
  const auto changes = finishes(3, true, after);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].to, 12);
}

TEST_F(AdaptiveCap, AnAttemptSubmittedAtTheMomentOfTheDecreaseCounts) {
  ASSERT_EQ(finishes(3, true).size(), 1u);
  const TimePoint lowered_at = *state_.lowered_at;
  EXPECT_TRUE(finishes(1, true, lowered_at).empty());
  EXPECT_EQ(state_.recent, std::deque<bool>{true});
}

TEST_F(AdaptiveCap, NeverBelowTheFloor) {
  policy_.min_concurrent = 4;
  state_ = resume_cap(std::nullopt, 10, policy_);
  std::vector<int> caps;
  for (int burst = 0; burst < 4; ++burst) {
    for (const auto& decision : finishes(3, true)) {
      caps.push_back(decision.to);
    }
  }
  EXPECT_EQ(caps, (std::vector<int>{5, 4})) << "10 -> 5 -> 4, then no change";
  EXPECT_EQ(effective_cap(state_), 4);
  EXPECT_EQ(state_.recent.size(), 6u) << "no decrease, so the window is not cleared";
}

TEST_F(AdaptiveCap, TheFloorIsTheMaximumWhenTheMaximumIsLower) {
  policy_.min_concurrent = 4;
  state_ = resume_cap(std::nullopt, 2, policy_);
  EXPECT_TRUE(finishes(10, true).empty());
  EXPECT_EQ(effective_cap(state_), 2);
}

TEST_F(AdaptiveCap, HalvingGoesDownToOne) {
  std::vector<int> caps;
  for (int burst = 0; burst < 8; ++burst) {
    for (const auto& decision : finishes(3, true)) {
      caps.push_back(decision.to);
    }
  }
  EXPECT_EQ(caps, (std::vector<int>{25, 12, 6, 3, 1}));
}

TEST_F(AdaptiveCap, RecoversByOnePerHealthyRun) {
  ASSERT_EQ(finishes(3, true).size(), 1u);
  ASSERT_EQ(effective_cap(state_), 25);
  EXPECT_TRUE(finishes(9, false).empty());
  EXPECT_EQ(finish(false), (CapDecision{.event = CapEvent::Raised,
                                        .from = 25,
                                        .to = 26,
                                        .previous_maximum = 50,
                                        .maximum = 50,
                                        .healthy_run = 10}));
  EXPECT_EQ(state_.healthy_streak, 0);
  // A mount failure breaks the run: ten more healthy ones are needed.
  EXPECT_TRUE(finishes(5, false).empty());
  EXPECT_TRUE(finishes(1, true).empty());
  EXPECT_TRUE(finishes(9, false).empty());
  EXPECT_EQ(finishes(1, false).size(), 1u);
  EXPECT_EQ(effective_cap(state_), 27);
}

TEST_F(AdaptiveCap, NeverAboveTheMaximum) {
  state_ = resume_cap(std::nullopt, 4, policy_);
  ASSERT_EQ(finishes(3, true).size(), 1u);
  ASSERT_EQ(effective_cap(state_), 2);
  const auto changes = finishes(100, false);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].to, 4);
  EXPECT_EQ(effective_cap(state_), 4);
  EXPECT_FALSE(throttled(state_));
  EXPECT_FALSE(state_.adaptive_limit.has_value()) << "back at the maximum, no longer throttled";
}

TEST_F(AdaptiveCap, DisabledItNeverMoves) {
  policy_.enabled = false;
  EXPECT_TRUE(finishes(30, true).empty());
  EXPECT_EQ(effective_cap(state_), 50);
  EXPECT_TRUE(state_.recent.empty());
}

TEST_F(AdaptiveCap, DescribesALowering) {
  policy_.burst = 4;
  state_ = resume_cap(std::nullopt, 25, policy_);
  finishes(6, false);
  const auto changes = finishes(4, true);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(describe(changes[0]), "lowered to 12 after 4 mount failures in the last 10 jobs");
  EXPECT_EQ(journal_event(changes[0].event), "cap-lowered");
  EXPECT_EQ(journal_details(changes[0]), (json{{"from", 25},
                                               {"to", 12},
                                               {"previous_maximum", 25},
                                               {"maximum", 25},
                                               {"mount_failures", 4},
                                               {"finishes", 10},
                                               {"reason", describe(changes[0])}}));
}

TEST_F(AdaptiveCap, DescribesARise) {
  finishes(3, true);
  const auto changes = finishes(10, false);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(describe(changes[0]), "raised to 26 after 10 jobs in a row without a mount failure");
  EXPECT_EQ(journal_event(changes[0].event), "cap-raised");
  EXPECT_EQ(journal_details(changes[0]).at("healthy_run"), 10);
}

TEST(CheckAdaptivePolicy, AcceptsTheDefaults) {
  EXPECT_TRUE(check_adaptive_policy(AdaptivePolicy{}, 50).ok());
}

TEST(CheckAdaptivePolicy, RefusesWhatCannotWork) {
  AdaptivePolicy zero_window;
  zero_window.window = 0;
  auto checked = check_adaptive_policy(zero_window, 50);
  ASSERT_FALSE(checked.ok());
  EXPECT_EQ(checked.error().kind, ErrorKind::Usage);
  EXPECT_NE(checked.error().message.find("--cap-window"), std::string::npos) << checked.error().message;

  AdaptivePolicy burst_above_window;
  burst_above_window.burst = 11;
  checked = check_adaptive_policy(burst_above_window, 50);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("--cap-burst 11"), std::string::npos) << checked.error().message;

  AdaptivePolicy floor_above_maximum;
  floor_above_maximum.min_concurrent = 60;
  checked = check_adaptive_policy(floor_above_maximum, 50);
  ASSERT_FALSE(checked.ok());
  EXPECT_NE(checked.error().message.find("--min-concurrent 60 is above --max-concurrent 50"),
            std::string::npos)
      << checked.error().message;
}

// A batch that mount failures throttled to 12 of 50.
CapState throttled_to_12() {
  CapState state;
  state.maximum = 50;
  state.adaptive_limit = 12;
  state.recent = {false, true};
  state.healthy_streak = 1;
  state.lowered_at = TimePoint{100h};
  return state;
}

TEST(ResumeCap, ARestartedRunResumesAtTheLoweredCap) {
  const CapState resumed = resume_cap(throttled_to_12(), 50, AdaptivePolicy{});
  EXPECT_EQ(effective_cap(resumed), 12);
  EXPECT_EQ(resumed.recent, (std::deque<bool>{false, true}));
  EXPECT_EQ(resumed.healthy_streak, 1);
  EXPECT_EQ(resumed.lowered_at, TimePoint{100h});
}

TEST(ResumeCap, TheNewRunsMaximumIsTheMaximum) {
  EXPECT_EQ(effective_cap(resume_cap(throttled_to_12(), 8, AdaptivePolicy{})), 8);
  EXPECT_EQ(effective_cap(resume_cap(throttled_to_12(), 80, AdaptivePolicy{})), 12);
  CapState capped_by_hand;
  capped_by_hand.maximum = 20;  // `traitctl cap 20` during the last run, no failures
  EXPECT_EQ(effective_cap(resume_cap(capped_by_hand, 50, AdaptivePolicy{})), 50);
}

TEST(ResumeCap, AGrownFloorLiftsTheLimit) {
  AdaptivePolicy policy;
  policy.min_concurrent = 20;
  EXPECT_EQ(effective_cap(resume_cap(throttled_to_12(), 50, policy)), 20);
}

TEST(ResumeCap, ASmallerWindowKeepsTheLatestFinishes) {
  CapState persisted = throttled_to_12();
  persisted.recent = {true, true, false, false, true};
  AdaptivePolicy policy;
  policy.window = 3;
  EXPECT_EQ(resume_cap(persisted, 50, policy).recent, (std::deque<bool>{false, false, true}));
}

TEST(ResumeCap, WithoutAdaptiveTheCapIsTheMaximum) {
  AdaptivePolicy policy;
  policy.enabled = false;
  const CapState resumed = resume_cap(throttled_to_12(), 50, policy);
  EXPECT_EQ(effective_cap(resumed), 50);
  EXPECT_FALSE(resumed.adaptive_limit.has_value());
  EXPECT_TRUE(resumed.recent.empty());
}

TEST(SetMaximum, LoweringItLowersTheEffectiveCap) {
  CapState state = resume_cap(std::nullopt, 50, AdaptivePolicy{});
  const CapDecision decision = set_maximum(state, 20, Throttle::Keep, TimePoint{1h}, AdaptivePolicy{});
  EXPECT_EQ(
      decision,
      (CapDecision{.event = CapEvent::Set, .from = 50, .to = 20, .previous_maximum = 50, .maximum = 20}));
  EXPECT_EQ(state.changed_at, TimePoint{1h});
  EXPECT_EQ(describe(decision), "maximum set to 20 (was 50)");
}

TEST(SetMaximum, RaisingItRaisesACapThatWasNotThrottled) {
  CapState state = resume_cap(std::nullopt, 50, AdaptivePolicy{});
  EXPECT_EQ(set_maximum(state, 80, Throttle::Keep, TimePoint{1h}, AdaptivePolicy{}).to, 80);
  EXPECT_EQ(effective_cap(state), 80);
}

TEST(SetMaximum, RaisingItKeepsACapThatMountFailuresLowered) {
  CapState state = throttled_to_12();
  const CapDecision decision = set_maximum(state, 80, Throttle::Keep, TimePoint{1h}, AdaptivePolicy{});
  EXPECT_EQ(decision.to, 12);
  EXPECT_EQ(effective_cap(state), 12);
  EXPECT_TRUE(throttled(state));
  EXPECT_FALSE(state.changed_at.has_value()) << "the effective cap did not change";
  EXPECT_EQ(describe(decision),
            "maximum set to 80 (was 50); the effective cap stays at 12, lowered by mount failures");
}

TEST(SetMaximum, TheAdaptiveLimitOutlivesALowerMaximum) {
  CapState state = throttled_to_12();
  EXPECT_EQ(set_maximum(state, 30, Throttle::Keep, TimePoint{1h}, AdaptivePolicy{}).to, 12);
  EXPECT_EQ(set_maximum(state, 10, Throttle::Keep, TimePoint{2h}, AdaptivePolicy{}).to, 10);
  EXPECT_FALSE(throttled(state));
  EXPECT_EQ(set_maximum(state, 80, Throttle::Keep, TimePoint{3h}, AdaptivePolicy{}).to, 12)
      << "raising the maximum again must not forget the failures";
}

TEST(SetMaximum, LiftForgetsTheFailures) {
  CapState state = throttled_to_12();
  const CapDecision decision = set_maximum(state, 80, Throttle::Lift, TimePoint{1h}, AdaptivePolicy{});
  EXPECT_EQ(decision.to, 80);
  EXPECT_FALSE(throttled(state));
  EXPECT_TRUE(state.recent.empty());
  EXPECT_EQ(state.healthy_streak, 0);
}

TEST(SetMaximum, WithoutAdaptiveTheEffectiveCapFollowsTheMaximum) {
  AdaptivePolicy policy;
  policy.enabled = false;
  CapState state = resume_cap(std::nullopt, 50, policy);
  EXPECT_EQ(set_maximum(state, 10, Throttle::Keep, TimePoint{1h}, policy).to, 10);
  EXPECT_EQ(set_maximum(state, 70, Throttle::Keep, TimePoint{2h}, policy).to, 70);
}

TEST(ApplyCapRequest, AppliesEachRequestOnce) {
  CapState state = throttled_to_12();
  const CapRequest request{30, false, TimePoint{5h}, 1234};
  const CapDecision first = apply_cap_request(state, request, TimePoint{6h}, AdaptivePolicy{});
  EXPECT_EQ(first.event, CapEvent::Set);
  EXPECT_EQ(first.request, request);
  EXPECT_EQ(state.maximum, 30);
  EXPECT_EQ(state.last_request, request);
  EXPECT_EQ(
      describe(first),
      "maximum set to 30 (was 50) by traitctl cap (pid 1234); the effective cap stays at 12, lowered by "
      "mount failures");
  EXPECT_EQ(journal_event(first.event), "cap-set");
  EXPECT_EQ(journal_details(first).at("set_by_pid"), 1234);

  EXPECT_EQ(apply_cap_request(state, request, TimePoint{7h}, AdaptivePolicy{}).event, CapEvent::None);

  const CapRequest again{30, true, TimePoint{8h}, 1240};
  const CapDecision second = apply_cap_request(state, again, TimePoint{8h}, AdaptivePolicy{});
  EXPECT_EQ(second.event, CapEvent::Set);
  EXPECT_EQ(second.to, 30);
  EXPECT_EQ(
      describe(second),
      "maximum set to 30 (unchanged) by traitctl cap (pid 1240); recent mount failures forgotten (--reset)");
}

TEST(ApplyCapRequest, ARequestAppliedBeforeARestartIsNotAppliedAgain) {
  CapState state = resume_cap(std::nullopt, 50, AdaptivePolicy{});
  const CapRequest request{20, false, TimePoint{5h}, 99};
  (void)apply_cap_request(state, request, TimePoint{5h}, AdaptivePolicy{});
  const auto reloaded = cap_state_from_json(to_json(state));
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().message;
  CapState resumed = resume_cap(*reloaded, 50, AdaptivePolicy{});
  EXPECT_EQ(apply_cap_request(resumed, request, TimePoint{9h}, AdaptivePolicy{}).event, CapEvent::None);
  EXPECT_EQ(effective_cap(resumed), 50) << "the new run's --max-concurrent stands";
}

TEST(CapStateJson, RoundTrip) {
  CapState state = throttled_to_12();
  state.changed_at = TimePoint{101h + 250ms};
  state.last_request = CapRequest{50, true, TimePoint{99h}, 4321};
  const json document = to_json(state);
  EXPECT_EQ(document.at("effective"), 12);
  EXPECT_EQ(document.at("recent"), (json{false, true}));
  const auto parsed = cap_state_from_json(json::parse(document.dump()));
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, state);
}

TEST(CapStateJson, OmitsWhatIsUnset) {
  const json document = to_json(resume_cap(std::nullopt, 7, AdaptivePolicy{}));
  EXPECT_EQ(document,
            (json{{"maximum", 7}, {"effective", 7}, {"recent", json::array()}, {"healthy_streak", 0}}));
}

TEST(CapStateJson, MissingKeysTakeTheirDefaults) {
  const auto parsed = cap_state_from_json(json::object());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, CapState{});
  EXPECT_EQ(effective_cap(resume_cap(*parsed, 50, AdaptivePolicy{})), 50);
  const auto only_limit = cap_state_from_json(json{{"adaptive_limit", 9}, {"effective", 3}});
  ASSERT_TRUE(only_limit.ok()) << only_limit.error().message;
  EXPECT_EQ(effective_cap(resume_cap(*only_limit, 50, AdaptivePolicy{})), 9);
}

TEST(CapStateJson, WrongValuesAreParseErrorsNamingTheKey) {
  const std::vector<std::pair<json, std::string>> cases{
      {json::array(), "expected an object"},
      {json{{"maximum", "50"}}, "\"maximum\""},
      {json{{"adaptive_limit", 0}}, "\"adaptive_limit\""},
      {json{{"healthy_streak", -1}}, "\"healthy_streak\""},
      {json{{"recent", {true, 1}}}, "\"recent\""},
      {json{{"recent", "xx"}}, "\"recent\""},
      {json{{"lowered_at", "yesterday"}}, "\"lowered_at\""},
      {json{{"last_request", {{"version", 1}}}}, "last_request: missing \"max_concurrent\""},
  };
  for (const auto& [document, expected] : cases) {
    const auto parsed = cap_state_from_json(document);
    ASSERT_FALSE(parsed.ok()) << document.dump();
    EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
  }
}

TEST(CapRequestJson, RoundTrip) {
  const CapRequest request{20, true, TimePoint{123456h + 789ms}, 4242};
  const json document = to_json(request);
  EXPECT_EQ(document.at("version"), 1);
  EXPECT_EQ(document.at("set_at"), format_utc(request.set_at));
  const auto parsed = cap_request_from_json(document);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(*parsed, request);
}

TEST(CapRequestJson, ResetDefaultsToFalse) {
  const auto parsed = cap_request_from_json(
      json{{"version", 1}, {"max_concurrent", 5}, {"set_at", "2024-05-01T12:00:00.250Z"}, {"set_by_pid", 7}});
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_FALSE(parsed->reset);
}

TEST(CapRequestJson, RefusesWhatItCannotTrust) {
  const json good{
      {"version", 1}, {"max_concurrent", 5}, {"set_at", "2024-05-01T12:00:00.250Z"}, {"set_by_pid", 7}};
  auto with = [&good](const char* key, const json& value) {
    json document = good;
    document[key] = value;
    return document;
  };
  json without_set_at = good;
  without_set_at.erase("set_at");
  const std::vector<std::pair<json, std::string>> cases{
      {with("version", 2), "version 2 is not the version this traitctl reads (1)"},
      {with("max_concurrent", 0), "\"max_concurrent\": expected a whole number >= 1, found 0"},
      {with("max_concurrent", 2.5), "\"max_concurrent\""},
      {with("reset", "yes"), "\"reset\""},
      {without_set_at, "missing \"set_at\""},
      {json("20"), "expected an object"},
  };
  for (const auto& [document, expected] : cases) {
    const auto parsed = cap_request_from_json(document);
    ASSERT_FALSE(parsed.ok()) << document.dump();
    EXPECT_EQ(parsed.error().kind, ErrorKind::Parse);
    EXPECT_NE(parsed.error().message.find(expected), std::string::npos) << parsed.error().message;
  }
}

std::vector<JobSize> jobs(int count, JobSize size) {
  return std::vector<JobSize>(static_cast<std::size_t>(count), size);
}

TEST(Admit, ACpuBudgetHoldsEightTwelveCoreJobsInAHundred) {
  const ResourceBudget budget{100.0, std::nullopt};
  const auto candidates = jobs(20, {12, 32 * gigabyte});
  EXPECT_EQ(admit({}, candidates, 50, budget), (Admission{8, WaitingFor::Cpu, false}));
  EXPECT_EQ(admit(jobs(3, {12, 32 * gigabyte}), candidates, 47, budget),
            (Admission{5, WaitingFor::Cpu, false}));
}

TEST(Admit, SlotsLimitToo) {
  const ResourceBudget budget{100.0, std::nullopt};
  EXPECT_EQ(admit({}, jobs(20, {1, gigabyte}), 3, budget), (Admission{3, WaitingFor::Slot, false}));
  EXPECT_EQ(admit({}, jobs(2, {1, gigabyte}), 0, budget), (Admission{0, WaitingFor::Slot, false}));
  EXPECT_EQ(admit({}, {}, 5, budget), (Admission{0, WaitingFor::Nothing, false}));
}

TEST(Admit, WithoutABudgetOnlySlotsCount) {
  EXPECT_EQ(admit(jobs(100, {64, 512 * gigabyte}), jobs(10, {64, 512 * gigabyte}), 10, ResourceBudget{}),
            (Admission{10, WaitingFor::Nothing, false}));
}

TEST(Admit, MixedMemoryTiersBlockAtTheHeadOfTheLine) {
  const ResourceBudget budget{std::nullopt, 256 * gigabyte};
  const std::vector<JobSize> active{{12, 64 * gigabyte}, {12, 96 * gigabyte}};
  const std::vector<JobSize> candidates{{12, 160 * gigabyte}, {12, 32 * gigabyte}};
  EXPECT_EQ(admit(active, candidates, 10, budget), (Admission{0, WaitingFor::Memory, false}))
      << "the 32G job would fit, but must not overtake the 160G retry";
  const std::vector<JobSize> one_left{{12, 64 * gigabyte}};
  EXPECT_EQ(admit(one_left, candidates, 10, budget), (Admission{2, WaitingFor::Nothing, false}));
}

TEST(Admit, BothBudgetsApply) {
  const ResourceBudget budget{24.0, 100 * gigabyte};
  EXPECT_EQ(admit({}, jobs(5, {8, 40 * gigabyte}), 10, budget), (Admission{2, WaitingFor::Memory, false}));
  EXPECT_EQ(admit({}, jobs(5, {10, 10 * gigabyte}), 10, budget), (Admission{2, WaitingFor::Cpu, false}));
}

TEST(Admit, FractionalCpuSumsExactly) {
  EXPECT_EQ(admit({}, jobs(12, {0.1, gigabyte}), 20, ResourceBudget{1.0, std::nullopt}),
            (Admission{10, WaitingFor::Cpu, false}));
}

TEST(Admit, AJobLargerThanTheBudgetStartsAloneWhenNothingIsActive) {
  const ResourceBudget budget{std::nullopt, 128 * gigabyte};
  const JobSize huge{12, 160 * gigabyte};
  const JobSize small{12, 32 * gigabyte};
  ASSERT_TRUE(exceeds_budget(huge, budget));
  ASSERT_FALSE(exceeds_budget(small, budget));
  EXPECT_EQ(admit({}, std::vector<JobSize>{huge, small}, 10, budget),
            (Admission{1, WaitingFor::Memory, true}));
  EXPECT_EQ(admit(std::vector<JobSize>{small}, std::vector<JobSize>{huge}, 10, budget),
            (Admission{0, WaitingFor::Memory, false}))
      << "it waits until the batch has drained";
  EXPECT_EQ(admit(std::vector<JobSize>{huge}, std::vector<JobSize>{small}, 10, budget),
            (Admission{0, WaitingFor::Memory, false}))
      << "nothing starts beside it";
  EXPECT_EQ(admit({}, std::vector<JobSize>{small, huge}, 10, budget),
            (Admission{1, WaitingFor::Memory, false}));
  EXPECT_EQ(admit({}, std::vector<JobSize>{huge}, 0, budget), (Admission{0, WaitingFor::Slot, false}));
}

TEST(TotalSize, AddsCpuAndMemory) {
  EXPECT_EQ(total_size(std::vector<JobSize>{{0.5, gigabyte}, {12, 2 * gigabyte}}),
            (JobSize{12.5, 3 * gigabyte}));
  EXPECT_EQ(total_size({}), (JobSize{0, 0}));
}

TEST(ParseResourceBudget, ReadsBothForms) {
  const auto budget = parse_resource_budget("100", "2T");
  ASSERT_TRUE(budget.ok()) << budget.error().message;
  EXPECT_EQ(*budget, (ResourceBudget{100.0, 2000 * gigabyte}));
  EXPECT_EQ(*parse_resource_budget(std::nullopt, std::nullopt), ResourceBudget{});
}

TEST(ParseResourceBudget, NamesTheBadSetting) {
  const auto cpu = parse_resource_budget("lots", std::nullopt);
  ASSERT_FALSE(cpu.ok());
  EXPECT_EQ(cpu.error().kind, ErrorKind::Config);
  EXPECT_NE(cpu.error().message.find("MAX_CPU (--max-cpu) 'lots'"), std::string::npos) << cpu.error().message;
  const auto memory = parse_resource_budget(std::nullopt, "2t");
  ASSERT_FALSE(memory.ok());
  EXPECT_NE(memory.error().message.find("MAX_MEMORY (--max-memory)"), std::string::npos)
      << memory.error().message;
}

}  // namespace
}  // namespace traitctl::concurrency_tests
