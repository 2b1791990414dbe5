#include "traitctl/cli/wait_status.hpp"

#include <fmt/format.h>

#include <chrono>

namespace traitctl {

std::string wait_status(const WaitProgress& progress, std::string_view remaining_label) {
  std::string text =
      fmt::format("[WAIT] {}/{} active, {} submitted, {} {}", progress.active, progress.max_concurrent,
                  progress.submitted, progress.remaining, remaining_label);
  if (progress.in_backoff > 0) {
    text += fmt::format(", {} in backoff", progress.in_backoff);
  }
  // Rounded up: "next poll in 0s" would be shown while a poll is still to come.
  text +=
      fmt::format(", next poll in {}s", std::chrono::ceil<std::chrono::seconds>(progress.next_poll).count());
  return text;
}

}  // namespace traitctl
