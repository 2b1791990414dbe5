// SIGINT/SIGTERM only set a flag; SIGPIPE is ignored. Loops poll the token.
#pragma once

#include "traitctl/core/cancel.hpp"

namespace traitctl {

// Installs the handlers once and returns the token they set. A second
// SIGINT/SIGTERM while stopping exits at once with 130.
CancelToken& install_stop_signals();

}  // namespace traitctl
