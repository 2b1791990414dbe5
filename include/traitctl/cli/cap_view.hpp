// The batch's cap as `status` shows it: what the runs left in the ledger
// (the effective cap, the maximum, whether mount failures lowered it) and a
// `traitctl cap` request that no run has applied yet.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>

#include "traitctl/core/concurrency.hpp"

namespace traitctl {

struct CapView {
  int effective = 0;
  int maximum = 0;
  bool lowered = false;   // held below the maximum by mount failures
  bool recorded = false;  // from the ledger; false: MAX_CONCURRENT, as no run has recorded a cap yet
  std::optional<TimePoint> lowered_at;
  std::optional<CapRequest> requested;  // the cap file's request, when no run has applied it
};

// `recorded` is the ledger's CapState, `request` the cap file's,
// `configured_maximum` MAX_CONCURRENT (what a run would start with).
[[nodiscard]] CapView cap_view(const std::optional<CapState>& recorded,
                               const std::optional<CapRequest>& request, int configured_maximum);

// "Cap: 12/50 (lowered after mount failures at 2024-05-01T12:00:00.000Z)", with
// a pending request: "; `traitctl cap 20` waits for the batch's next cycle".
[[nodiscard]] std::string cap_line(const CapView& cap);

// {"effective", "maximum", "lowered", "recorded", "lowered_at"?, "requested":
// {"max_concurrent", "reset", "set_at"} or null} (docs/status-json.md).
[[nodiscard]] nlohmann::json cap_view_json(const CapView& cap);

}  // namespace traitctl
