// Time as an injectable dependency: decision logic never reads the real clock
// or sleeps; loops ask a Clock, and tests pass a FakeClock.
#pragma once

#include <chrono>
#include <functional>
#include <mutex>

#include "traitctl/core/cancel.hpp"

namespace traitctl {

using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual TimePoint now() const = 0;
  // Sleeps for `duration`, returning early once `cancel` is set.
  virtual void sleep_for(Duration duration, const CancelToken& cancel) = 0;
};

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override;
  void sleep_for(Duration duration, const CancelToken& cancel) override;
};

// Time moves only when a test sleeps or advances it. Thread-safe, since
// submissions run on worker threads.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{std::chrono::hours{24 * 365 * 50}}) : now_(start) {}
  [[nodiscard]] TimePoint now() const override {
    const std::lock_guard lock(mutex_);
    return now_;
  }
  void sleep_for(Duration duration, const CancelToken& /*cancel*/) override { advance(duration); }
  void advance(Duration duration) {
    const std::lock_guard lock(mutex_);
    now_ += duration;
  }

 private:
  mutable std::mutex mutex_;
  TimePoint now_;
};

// Sleeps `duration` in slices that end on whole seconds of the time left,
// calling `on_tick(time left, rounded up to whole seconds)` before each, so a
// caller can count down once per second. Returns early once `cancel` is set.
void sleep_in_ticks(Clock& clock, Duration duration, const CancelToken& cancel,
                    const std::function<void(Duration left)>& on_tick);

}  // namespace traitctl
