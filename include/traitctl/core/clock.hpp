// Time as an injectable dependency: decision logic never reads the real clock
// or sleeps; loops ask a Clock. The real one is adapters/system_clock.hpp,
// tests use tests/support/fake_clock.hpp.
#pragma once

#include <chrono>
#include <functional>

#include "traitctl/core/cancel.hpp"

namespace traitctl {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

// A duration as fractional seconds, for JSON and reports.
[[nodiscard]] inline double in_seconds(Duration duration) {
  return std::chrono::duration<double>(duration).count();
}

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  // Sleeps for `duration`, returning early once `cancel` is set.
  virtual void sleep_for(Duration duration, const CancelToken& cancel) = 0;
};

// Sleeps `duration` in slices that end on whole seconds of the time left,
// calling `on_tick(time left, rounded up to whole seconds)` before each, so a
// caller can count down once per second. `sleep(slice)` does the sleeping and
// returns true to end the wait early (something happened). Returns whether
// the wait ended early, by `sleep` or by `cancel`.
bool sleep_in_ticks(Clock& clock, Duration duration, const CancelToken& cancel,
                    const std::function<void(Duration left)>& on_tick,
                    const std::function<bool(Duration slice)>& sleep);

}  // namespace traitctl
