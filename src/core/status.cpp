#include "traitctl/core/status.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace traitctl {
namespace {

struct KnownStatus {
  std::string_view word;
  StatusClass status_class;
};

// From ../shared/runai/FORMATS.md: v2 phases and v1 pod/job states.
constexpr std::array known_statuses{
    KnownStatus{"completed", StatusClass::Succeeded},
    KnownStatus{"succeeded", StatusClass::Succeeded},
    KnownStatus{"failed", StatusClass::Failed},
    KnownStatus{"timedout", StatusClass::Failed},
    KnownStatus{"preempted", StatusClass::Failed},
    KnownStatus{"deleted", StatusClass::Failed},
    KnownStatus{"stopped", StatusClass::Stopped},
    // Non-terminal words; listed so that verbose logs can flag truly new ones.
    KnownStatus{"creating", StatusClass::Active},
    KnownStatus{"initializing", StatusClass::Active},
    KnownStatus{"resuming", StatusClass::Active},
    KnownStatus{"pending", StatusClass::Active},
    KnownStatus{"deleting", StatusClass::Active},
    KnownStatus{"running", StatusClass::Active},
    KnownStatus{"updating", StatusClass::Active},
    KnownStatus{"stopping", StatusClass::Active},
    KnownStatus{"suspending", StatusClass::Active},
    KnownStatus{"degraded", StatusClass::Active},
    KnownStatus{"terminating", StatusClass::Active},
    // v2 lists Unknown as a phase (not terminal); v1 as an end state. It
    // stays Active: a slot is never freed on a guess.
    KnownStatus{"unknown", StatusClass::Active},
    KnownStatus{"containercreating", StatusClass::Active},
    KnownStatus{"containercannotrun", StatusClass::Active},
    KnownStatus{"error", StatusClass::Active},
    KnownStatus{"crashloopbackoff", StatusClass::Active},
    KnownStatus{"errimagepull", StatusClass::Active},
    KnownStatus{"imagepullbackoff", StatusClass::Active},
    KnownStatus{"podinitializing", StatusClass::Active},
};

std::string lowercase(std::string_view word) {
  std::string lowered(word);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return lowered;
}

const KnownStatus* find_status(std::string_view word) {
  const std::string lowered = lowercase(word);
  // v1 init containers show as "Init:0/1", "Init:Error", ...
  static constexpr KnownStatus init_containers{"init:", StatusClass::Active};
  if (lowered.starts_with(init_containers.word)) {
    return &init_containers;
  }
  const auto* found = std::find_if(known_statuses.begin(), known_statuses.end(),
                                   [&](const KnownStatus& known) { return known.word == lowered; });
  return found == known_statuses.end() ? nullptr : found;
}

}  // namespace

StatusClass classify_status(std::string_view word) {
  const KnownStatus* known = find_status(word);
  return known == nullptr ? StatusClass::Active : known->status_class;
}

bool is_known_status(std::string_view word) { return find_status(word) != nullptr; }

std::string_view to_string(StatusClass status_class) {
  switch (status_class) {
    case StatusClass::Active: return "active";
    case StatusClass::Succeeded: return "succeeded";
    case StatusClass::Failed: return "failed";
    case StatusClass::Stopped: return "stopped";
  }
  return "active";
}

}  // namespace traitctl
