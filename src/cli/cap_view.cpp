#include "traitctl/cli/cap_view.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "traitctl/core/ledger.hpp"

namespace traitctl {

CapView cap_view(const std::optional<CapState>& recorded, const std::optional<CapRequest>& request,
                 int configured_maximum) {
  CapView view;
  if (recorded) {
    view.effective = effective_cap(*recorded);
    view.maximum = recorded->maximum;
    view.lowered = throttled(*recorded);
    view.recorded = true;
    if (view.lowered) {
      view.lowered_at = recorded->lowered_at;
    }
  } else {
    view.effective = configured_maximum;
    view.maximum = configured_maximum;
  }
  // The loop applies a request once and keeps it as last_request.
  if (request && (!recorded || recorded->last_request != request)) {
    view.requested = request;
  }
  return view;
}

std::string cap_line(const CapView& cap) {
  std::string line = fmt::format("Cap: {}/{}", cap.effective, cap.maximum);
  if (cap.lowered) {
    line += cap.lowered_at ? fmt::format(" (lowered after mount failures at {})", format_utc(*cap.lowered_at))
                           : std::string(" (lowered after mount failures)");
  } else if (!cap.recorded) {
    line += " (MAX_CONCURRENT: no run has recorded a cap yet)";
  }
  if (cap.requested) {
    line += fmt::format("; `traitctl cap {}{}` waits for the batch's next cycle",
                        cap.requested->max_concurrent, cap.requested->reset ? " --reset" : "");
  }
  return line;
}

nlohmann::json cap_view_json(const CapView& cap) {
  nlohmann::json result{{"effective", cap.effective},
                        {"maximum", cap.maximum},
                        {"lowered", cap.lowered},
                        {"recorded", cap.recorded},
                        {"requested", nullptr}};
  if (cap.lowered_at) {
    result["lowered_at"] = format_utc(*cap.lowered_at);
  }
  if (cap.requested) {
    result["requested"] = {{"max_concurrent", cap.requested->max_concurrent},
                           {"reset", cap.requested->reset},
                           {"set_at", format_utc(cap.requested->set_at)}};
  }
  return result;
}

}  // namespace traitctl
