#include "traitctl/adapters/signals.hpp"

#include <unistd.h>

#include <csignal>

namespace traitctl {
namespace {

// Constant-initialised static storage: valid before any handler can run. A
// signal handler can reach nothing else.
constinit CancelToken stop_token;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void on_stop_signal(int /*signal*/) {
  // Async-signal-safe only: a lock-free atomic and _exit.
  if (stop_token.stop_requested()) {
    _exit(130);  // the second Ctrl-C: the user does not want to wait for a clean stop
  }
  stop_token.request_stop();
}

void set_action(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  // No SA_RESTART: a blocking poll() returns EINTR at once, so the waiting
  // loop sees the stop request without waiting for its next timeout.
  action.sa_flags = 0;
  sigaction(signal, &action, nullptr);
}

}  // namespace

CancelToken& install_stop_signals() {
  static const bool installed = [] {
    set_action(SIGINT, on_stop_signal);
    set_action(SIGTERM, on_stop_signal);
    // A closed reader (e.g. `traitctl ... | head`) becomes EPIPE, not death.
    set_action(SIGPIPE, SIG_IGN);
    return true;
  }();
  static_cast<void>(installed);
  return stop_token;
}

}  // namespace traitctl
