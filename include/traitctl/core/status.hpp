// Status words of Run:ai v1/v2 and what they mean for a batch.
#pragma once

#include <string_view>

namespace traitctl {

enum class StatusClass {
  Active,     // holds a slot: every non-terminal word, unknown words included
  Succeeded,  // Completed, Succeeded
  Failed,     // Failed and the v1 end states (TimedOut, Preempted, Deleted)
  Stopped,    // stopped by a user; no pods, may be resumed; holds no slot
};

// Case-insensitive. Words it has never seen are Active: over-counting can
// only slow a batch down, under-counting overloads the nodes.
[[nodiscard]] StatusClass classify_status(std::string_view word);
[[nodiscard]] bool is_known_status(std::string_view word);
[[nodiscard]] std::string_view to_string(StatusClass status_class);

}  // namespace traitctl
