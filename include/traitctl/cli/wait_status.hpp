// The text of the live status line shown on a terminal while submit, retry
// and run wait for their next poll.
#pragma once

#include <string>
#include <string_view>

#include "traitctl/core/batch_plan.hpp"

namespace traitctl {

// "[WAIT] 5/5 active, 12 submitted, 28 to submit, next poll in 27s", with
// "(cap lowered from 50)" while mount failures hold the cap down, "N in
// backoff" when some failed traits wait out a retry delay, and the budget the
// next submission waits for.
// `remaining_label` says what the remaining traits are waiting for: "to
// submit" (submit) or "to settle" (retry, run).
[[nodiscard]] std::string wait_status(const WaitProgress& progress, std::string_view remaining_label);

}  // namespace traitctl
