#include "traitctl/core/clock.hpp"

namespace traitctl {

bool sleep_in_ticks(Clock& clock, Duration duration, const CancelToken& cancel,
                    const std::function<void(Duration left)>& on_tick,
                    const std::function<bool(Duration slice)>& sleep) {
  constexpr Duration tick{1'000};
  const TimePoint deadline = clock.now() + duration;
  // Counted, not measured from the clock: a sleep that ends a fraction early
  // must not bring an extra tick. 2.5 s: ticks of 3, 2 and 1 s left, the
  // first one 0.5 s long.
  for (auto ticks = (duration + tick - Duration{1}) / tick; ticks > 0; --ticks) {
    if (cancel.stop_requested()) {
      return true;
    }
    on_tick(ticks * tick);
    const TimePoint tick_end = deadline - (ticks - 1) * tick;
    if (sleep(std::chrono::ceil<Duration>(tick_end - clock.now()))) {
      return true;
    }
  }
  return cancel.stop_requested();
}

}  // namespace traitctl
