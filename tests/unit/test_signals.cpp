// The stop handlers, exercised with real signals sent to this process.
#include <gtest/gtest.h>
#include <unistd.h>

#include <csignal>

#include "traitctl/adapters/signals.hpp"

namespace traitctl::signals_tests {
namespace {

TEST(StopSignals, InstallsOnceIgnoresSigpipeAndLeavesSyscallsInterruptible) {
  CancelToken& token = install_stop_signals();
  EXPECT_EQ(&install_stop_signals(), &token);

  struct sigaction pipe_action {};
  ASSERT_EQ(::sigaction(SIGPIPE, nullptr, &pipe_action), 0);
  EXPECT_EQ(pipe_action.sa_handler, SIG_IGN);

  for (const int signal : {SIGINT, SIGTERM}) {
    struct sigaction action {};
    ASSERT_EQ(::sigaction(signal, nullptr, &action), 0);
    EXPECT_NE(action.sa_handler, SIG_DFL);
    EXPECT_EQ(action.sa_flags & SA_RESTART, 0) << "poll() must return EINTR on Ctrl-C";
  }
}

// In a forked child, so that the token is still clear there.
TEST(StopSignalsDeathTest, SigtermSetsTheTokenAndASecondSignalExitsWith130) {
  EXPECT_EXIT(
      {
        CancelToken& token = install_stop_signals();
        ::raise(SIGTERM);
        if (!token.stop_requested()) {
          ::_exit(1);
        }
        ::raise(SIGINT);
        ::_exit(2);
      },
      ::testing::ExitedWithCode(130), "");
}

TEST(StopSignals, SigintSetsTheToken) {
  CancelToken& token = install_stop_signals();
  ASSERT_FALSE(token.stop_requested());
  ASSERT_EQ(::raise(SIGINT), 0);
  EXPECT_TRUE(token.stop_requested());
}

}  // namespace
}  // namespace traitctl::signals_tests
