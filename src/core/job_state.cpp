#include "traitctl/core/job_state.hpp"

namespace traitctl {

bool holds_slot(JobState state) {
  switch (state) {
    case JobState::Succeeded:
    case JobState::Failed:
    case JobState::Stopped: return false;
    case JobState::Pending:
    case JobState::Running:
    case JobState::OtherActive:
    case JobState::Deleting:
    case JobState::Unknown: return true;
  }
  return true;
}

bool has_ended(JobState state) { return !holds_slot(state); }

std::string_view to_string(JobState state) {
  switch (state) {
    case JobState::Pending: return "pending";
    case JobState::Running: return "running";
    case JobState::OtherActive: return "active";
    case JobState::Deleting: return "deleting";
    case JobState::Succeeded: return "succeeded";
    case JobState::Failed: return "failed";
    case JobState::Stopped: return "stopped";
    case JobState::Unknown: return "unknown";
  }
  return "unknown";
}

}  // namespace traitctl
