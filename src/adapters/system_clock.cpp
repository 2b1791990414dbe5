#include "traitctl/adapters/system_clock.hpp"

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

}  // namespace traitctl
