// Time as an injectable dependency: decision logic never reads the real clock
// or sleeps; loops ask a Clock, and tests pass a FakeClock.
#pragma once

#include <chrono>

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

// Time moves only when a test sleeps or advances it.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint{std::chrono::hours{24 * 365 * 50}}) : now_(start) {}
  [[nodiscard]] TimePoint now() const override { return now_; }
  void sleep_for(Duration duration, const CancelToken& /*cancel*/) override { now_ += duration; }
  void advance(Duration duration) { now_ += duration; }

 private:
  TimePoint now_;
};

}  // namespace traitctl
