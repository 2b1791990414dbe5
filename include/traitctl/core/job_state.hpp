// What a job's state means for a batch, in the core's own words. Each backend
// maps its status words (Run:ai phases, Slurm states, a local process) onto
// these in its adapter; the core decides on these alone.
#pragma once

#include <string_view>

namespace traitctl {

enum class JobState {
  Pending,  // queued or starting
  Running,
  OtherActive,  // any other state on the way somewhere (Stopping, Updating, Degraded, ...)
  Deleting,     // being removed: its name is still taken
  Succeeded,
  Failed,
  Stopped,  // stopped or cancelled by someone; holds no slot and never completed
  Unknown,  // a word the adapter has never seen
};

// Whether a job in this state takes one of the batch's slots. Unknown does:
// over-counting can only slow a batch down, under-counting overloads the nodes.
[[nodiscard]] bool holds_slot(JobState state);

// Succeeded, Failed or Stopped: nothing will change without someone acting.
[[nodiscard]] bool has_ended(JobState state);

// "pending", "running", "active", "deleting", "succeeded", "failed",
// "stopped", "unknown".
[[nodiscard]] std::string_view to_string(JobState state);

}  // namespace traitctl
