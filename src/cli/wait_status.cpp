#include "traitctl/cli/wait_status.hpp"

#include <fmt/format.h>

#include <chrono>

#include "traitctl/cli/text.hpp"

namespace traitctl {

std::string wait_status(const WaitProgress& progress, std::string_view remaining_label) {
  std::string text = fmt::format("[WAIT] {}/{} active", progress.active, progress.max_concurrent);
  if (progress.maximum > progress.max_concurrent) {
    text += fmt::format(" (cap lowered from {})", progress.maximum);
  }
  text += fmt::format(", {} submitted, {} {}", progress.submitted, progress.remaining, remaining_label);
  if (progress.waiting_for == WaitingFor::Cpu || progress.waiting_for == WaitingFor::Memory) {
    text += fmt::format(", next waits for the {} budget",
                        progress.waiting_for == WaitingFor::Cpu ? "CPU" : "memory");
  }
  if (progress.in_backoff > 0) {
    text += fmt::format(", {} in backoff", progress.in_backoff);
  }
  // Rounded up: "next poll in 0s" would be shown while a poll is still to come.
  text += fmt::format(", next poll in {}",
                      format_duration(std::chrono::ceil<std::chrono::seconds>(progress.next_poll)));
  return text;
}

}  // namespace traitctl
