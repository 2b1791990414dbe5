// The cap as status shows it, from the ledger's CapState and the cap file.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "traitctl/cli/cap_view.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::cap_view_tests {
namespace {

TimePoint at_seconds(int seconds) { return TimePoint{std::chrono::seconds(1'714'564'800 + seconds)}; }

CapState lowered_to(int limit, int maximum) {
  CapState state;
  state.maximum = maximum;
  state.adaptive_limit = limit;
  state.lowered_at = at_seconds(0);
  return state;
}

TEST(CapView, ACapLoweredByMountFailuresShowsTheEffectiveAndTheMaximum) {
  const CapView view = cap_view(lowered_to(12, 50), std::nullopt, 40);
  EXPECT_EQ(cap_line(view), "Cap: 12/50 (lowered after mount failures at 2024-05-01T12:00:00.000Z)");
  const nlohmann::json json = cap_view_json(view);
  EXPECT_EQ(json.at("effective"), 12);
  EXPECT_EQ(json.at("maximum"), 50);
  EXPECT_EQ(json.at("lowered"), true);
  EXPECT_EQ(json.at("recorded"), true);
  EXPECT_EQ(json.at("lowered_at"), "2024-05-01T12:00:00.000Z");
  EXPECT_TRUE(json.at("requested").is_null());
}

TEST(CapView, WithoutARecordedCapItIsMaxConcurrent) {
  const CapView view = cap_view(std::nullopt, std::nullopt, 40);
  EXPECT_EQ(cap_line(view), "Cap: 40/40 (MAX_CONCURRENT: no run has recorded a cap yet)");
  EXPECT_EQ(cap_view_json(view).at("recorded"), false);
  EXPECT_FALSE(cap_view_json(view).contains("lowered_at"));
}

TEST(CapView, ARequestNoRunHasAppliedIsShownUntilOneApplies) {
  const CapRequest request{20, true, at_seconds(5), 1234};
  CapState state = lowered_to(12, 50);
  const CapView pending = cap_view(state, request, 50);
  EXPECT_EQ(cap_line(pending),
            "Cap: 12/50 (lowered after mount failures at 2024-05-01T12:00:00.000Z); `traitctl cap 20 "
            "--reset` waits "
            "for the batch's next cycle");
  EXPECT_EQ(
      cap_view_json(pending).at("requested"),
      (nlohmann::json{{"max_concurrent", 20}, {"reset", true}, {"set_at", "2024-05-01T12:00:05.000Z"}}));

  state = CapState{};
  state.maximum = 20;
  state.last_request = request;
  const CapView applied = cap_view(state, request, 50);
  EXPECT_EQ(cap_line(applied), "Cap: 20/20");
  EXPECT_FALSE(applied.requested.has_value());
}

}  // namespace
}  // namespace traitctl::cap_view_tests
