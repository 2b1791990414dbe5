#include "traitctl/core/clock.hpp"

#include <algorithm>
#include <thread>

namespace traitctl {

TimePoint SystemClock::now() const { return std::chrono::system_clock::now(); }

void SystemClock::sleep_for(Duration duration, const CancelToken& cancel) {
  // Short slices keep Ctrl-C responsive without a wake-up pipe.
  constexpr Duration slice{50};
  const auto deadline = std::chrono::steady_clock::now() + duration;
  while (!cancel.stop_requested()) {
    const auto left = std::chrono::duration_cast<Duration>(deadline - std::chrono::steady_clock::now());
    if (left <= Duration::zero()) {
      return;
    }
    std::this_thread::sleep_for(std::min(left, slice));
  }
}

void sleep_in_ticks(Clock& clock, Duration duration, const CancelToken& cancel,
                    const std::function<void(Duration left)>& on_tick) {
  constexpr Duration tick{1'000};
  const TimePoint deadline = clock.now() + duration;
  // Counted, not measured from the clock: a sleep that ends a fraction early
  // must not bring an extra tick. 2.5 s: ticks of 3, 2 and 1 s left, the
  // first one 0.5 s long.
  for (auto ticks = (duration + tick - Duration{1}) / tick; ticks > 0 && !cancel.stop_requested(); --ticks) {
    on_tick(ticks * tick);
    const TimePoint tick_end = deadline - (ticks - 1) * tick;
    clock.sleep_for(std::chrono::ceil<Duration>(tick_end - clock.now()), cancel);
  }
}

}  // namespace traitctl
