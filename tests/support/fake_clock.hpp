// Time that moves only when a test sleeps or advances it. Thread-safe, since
// submissions run on worker threads.
#pragma once

#include <mutex>

#include "traitctl/core/clock.hpp"

namespace traitctl::testing {

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

}  // namespace traitctl::testing
