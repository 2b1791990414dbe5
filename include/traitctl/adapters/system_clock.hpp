// The real clock: wall time for timestamps, sleeps that end early on a stop
// request.
#pragma once

#include "traitctl/core/clock.hpp"

namespace traitctl {

class SystemClock final : public Clock {
 public:
  [[nodiscard]] TimePoint now() const override;
  void sleep_for(Duration duration, const CancelToken& cancel) override;
};

}  // namespace traitctl
