#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "support/fake_clock.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl::clock_tests {
namespace {

using ::testing::ElementsAre;
using testing::FakeClock;
using ::testing::IsEmpty;

std::vector<long> ticks_of(FakeClock& clock, Duration duration, const CancelToken& cancel,
                           const std::function<void()>& on_each = {}) {
  std::vector<long> ticks;
  (void)sleep_in_ticks(
      clock, duration, cancel,
      [&](Duration left) {
        ticks.push_back(static_cast<long>(left.count()));
        if (on_each) {
          on_each();
        }
      },
      [&](Duration slice) {
        clock.sleep_for(slice, cancel);
        return false;
      });
  return ticks;
}

TEST(SleepInTicks, CountsDownWholeSecondsAndSleepsTheWholeDuration) {
  FakeClock clock;
  CancelToken cancel;
  const TimePoint start = clock.now();
  EXPECT_THAT(ticks_of(clock, Duration{2'500}, cancel), ElementsAre(3'000, 2'000, 1'000));
  EXPECT_EQ(clock.now() - start, Duration{2'500});
}

TEST(SleepInTicks, ASubSecondWaitIsOneTick) {
  FakeClock clock;
  CancelToken cancel;
  EXPECT_THAT(ticks_of(clock, Duration{100}, cancel), ElementsAre(1'000));
  EXPECT_THAT(ticks_of(clock, Duration{0}, cancel), IsEmpty());
}

TEST(SleepInTicks, StopsTickingOnceCancelled) {
  FakeClock clock;
  CancelToken cancel;
  EXPECT_THAT(ticks_of(clock, Duration{30'000}, cancel, [&] { cancel.request_stop(); }), ElementsAre(30'000));
}

TEST(SleepInTicks, EndsEarlyWhenTheSleeperSaysSomethingHappened) {
  FakeClock clock;
  CancelToken cancel;
  const TimePoint start = clock.now();
  int slices = 0;
  const bool early = sleep_in_ticks(
      clock, Duration{30'000}, cancel, [](Duration) {},
      [&](Duration slice) {
        clock.sleep_for(slice, cancel);
        return ++slices == 2;  // a child ended during the second second
      });
  EXPECT_TRUE(early);
  EXPECT_EQ(clock.now() - start, Duration{2'000});
}

}  // namespace
}  // namespace traitctl::clock_tests
