// A stop request shared between the signal handler and the loops that must
// stop starting new work when it is set.
#pragma once

#include <atomic>

namespace traitctl {

class CancelToken {
 public:
  void request_stop() noexcept { stop_.store(true, std::memory_order_relaxed); }
  [[nodiscard]] bool stop_requested() const noexcept { return stop_.load(std::memory_order_relaxed); }

 private:
  std::atomic<bool> stop_{false};
  static_assert(std::atomic<bool>::is_always_lock_free, "set from a signal handler");
};

}  // namespace traitctl
