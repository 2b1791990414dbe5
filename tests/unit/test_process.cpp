// The process runner against real children. /bin/sh appears here only as a
// test child that produces output or misbehaves on purpose.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include "traitctl/adapters/process.hpp"

namespace traitctl::process_tests {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::Not;
using SteadyClock = std::chrono::steady_clock;

ProcessOptions with_timeout(Duration timeout, Duration grace = Duration{2'000}) {
  ProcessOptions options;
  options.timeout = timeout;
  options.kill_grace = grace;
  return options;
}

Result<ProcessOutput> sh(const std::string& script,
                         const ProcessOptions& options = with_timeout(Duration{10'000})) {
  return run_process({"/bin/sh", "-c", script}, options);
}

Duration since(SteadyClock::time_point start) {
  return std::chrono::duration_cast<Duration>(SteadyClock::now() - start);
}

TEST(RunProcess, CapturesExitCodeAndBothStreamsSeparately) {
  const auto output = sh("echo to-out; echo to-err >&2; exit 3");
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->exit_code, 3);
  EXPECT_EQ(output->term_signal, 0);
  EXPECT_FALSE(output->timed_out);
  EXPECT_EQ(output->out, "to-out\n");
  EXPECT_EQ(output->err, "to-err\n");
  EXPECT_FALSE(output->succeeded());
}

TEST(RunProcess, SucceedsOnExitZero) {
  const auto output = run_process({"true"}, with_timeout(Duration{10'000}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->succeeded());
}

TEST(RunProcess, ReportsTheSignalThatEndedTheChild) {
  const auto output = sh("kill -KILL $$");
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->term_signal, SIGKILL);
  EXPECT_FALSE(output->succeeded());
}

TEST(RunProcess, DrainsMegabytesOnBothPipesAtOnce) {
  // Either pipe alone overflows its 64 KiB buffer: reading one to the end
  // before the other would deadlock.
  constexpr std::size_t size = std::size_t{8} * 1024 * 1024;
  const auto output = sh("head -c 8388608 /dev/zero & head -c 8388608 /dev/zero >&2; wait");
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->exit_code, 0);
  EXPECT_EQ(output->out.size(), size);
  EXPECT_EQ(output->err.size(), size);
}

TEST(RunProcess, StdinIsDevNull) {
  const auto start = SteadyClock::now();
  const auto output = run_process({"cat"}, with_timeout(Duration{5'000}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->succeeded());
  EXPECT_EQ(output->out, "");
  EXPECT_LT(since(start), Duration{2'000});
}

TEST(RunProcess, DeadlineStopsAChildThatExitsOnSigterm) {
  const auto start = SteadyClock::now();
  const auto output = run_process({"sleep", "300"}, with_timeout(Duration{100}, Duration{60'000}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->timed_out);
  EXPECT_EQ(output->term_signal, SIGTERM);
  // Far below the 60 s grace, however loaded the machine.
  EXPECT_LT(since(start), Duration{30'000}) << "waited out the grace period for a child already gone";
}

TEST(RunProcess, DeadlineKillsAChildThatIgnoresSigterm) {
  const auto start = SteadyClock::now();
  const auto output = sh("trap '' TERM; echo started; sleep 300", with_timeout(Duration{200}, Duration{200}));
  const auto elapsed = since(start);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->timed_out);
  EXPECT_EQ(output->term_signal, SIGKILL);
  EXPECT_EQ(output->out, "started\n");
  EXPECT_GE(elapsed, Duration{400});
  EXPECT_LT(elapsed, Duration{60'000}) << "waited for the child's 300 s";
}

TEST(RunProcess, AStopRequestCutsAHungCallShort) {
  CancelToken cancel;
  ProcessOptions options = with_timeout(Duration{60'000}, Duration{300});
  options.cancel = &cancel;
  std::jthread stopper([&cancel] {
    std::this_thread::sleep_for(Duration{200});
    cancel.request_stop();
  });
  const auto start = SteadyClock::now();
  const auto output = sh("trap '' TERM; sleep 300", options);
  const auto elapsed = since(start);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->interrupted);
  EXPECT_FALSE(output->timed_out);
  EXPECT_FALSE(output->succeeded());
  EXPECT_EQ(output->term_signal, SIGKILL) << "it ignored SIGTERM";
  EXPECT_GE(elapsed, Duration{500});
  EXPECT_LT(elapsed, Duration{30'000}) << "waited for the 60 s deadline";
}

TEST(RunProcess, AStopRequestBeforeTheCallStillRunsNothingForLong) {
  CancelToken cancel;
  cancel.request_stop();
  ProcessOptions options = with_timeout(Duration{60'000}, Duration{100});
  options.cancel = &cancel;
  const auto start = SteadyClock::now();
  const auto output = run_process({"sleep", "30"}, options);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->interrupted);
  EXPECT_LT(since(start), Duration{2'000});
}

TEST(StopProcessGroup, EndsAGroupThatIgnoresSigterm) {
  auto child = ChildProcess::spawn({"/bin/sh", "-c", "trap '' TERM; sleep 30 & sleep 30; wait"}, {},
                                   std::filesystem::temp_directory_path() / "traitctl-stop-group.log");
  ASSERT_TRUE(child.ok()) << child.error().message;
  std::this_thread::sleep_for(Duration{100});
  const pid_t group = child->pid();
  const auto start = SteadyClock::now();
  EXPECT_FALSE(stop_process_group(group, Duration{200}, [] { return false; })) << "never gone by our test";
  EXPECT_LT(since(start), Duration{3'000});
  EXPECT_TRUE(child->poll().has_value()) << "the leader outlived SIGKILL";
  // The orphaned sleep is reaped by init a moment after SIGKILL.
  for (int tries = 0; tries < 100 && ::kill(-group, 0) == 0; ++tries) {
    std::this_thread::sleep_for(Duration{10});
  }
  EXPECT_NE(::kill(-group, 0), 0) << "someone in the group is still alive";
  std::filesystem::remove(std::filesystem::temp_directory_path() / "traitctl-stop-group.log");
}

TEST(RunProcess, DeadlineAppliesAfterTheChildClosesItsPipes) {
  const auto start = SteadyClock::now();
  const auto output = sh("exec >&- 2>&-; sleep 30", with_timeout(Duration{200}, Duration{200}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->timed_out);
  EXPECT_LT(since(start), Duration{3'000});
}

TEST(RunProcess, AGrandchildHoldingThePipesDoesNotHangUs) {
  // The child exits at once; its background grandchild keeps stdout open.
  const auto start = SteadyClock::now();
  const auto output = sh("sleep 30 & echo $!", with_timeout(Duration{20'000}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_LT(since(start), Duration{3'000});
  EXPECT_TRUE(output->succeeded());
  const pid_t grandchild = std::stoi(output->out);
  EXPECT_EQ(::kill(grandchild, SIGKILL), 0);
}

TEST(RunProcess, AGrandchildInAnotherGroupDoesNotOutliveTheDeadline) {
  // Out of reach of the group kill and holding stdout: after SIGKILL we stop
  // waiting for end of file.
  const auto start = SteadyClock::now();
  const auto output =
      sh("trap '' TERM; setsid sleep 30 & echo $!; sleep 30", with_timeout(Duration{200}, Duration{200}));
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_TRUE(output->timed_out);
  EXPECT_LT(since(start), Duration{3'000});
  if (!output->out.empty()) {
    ::kill(std::stoi(output->out), SIGKILL);
  }
}

TEST(RunProcess, MissingExecutableIsNotFoundAndNamesIt) {
  const auto output = run_process({"traitctl-no-such-program", "--help"}, with_timeout(Duration{5'000}));
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(output.error().message, HasSubstr("'traitctl-no-such-program' not found on PATH"));

  const auto by_path = run_process({"/nonexistent/traitctl-prog"}, with_timeout(Duration{5'000}));
  ASSERT_FALSE(by_path.ok());
  EXPECT_EQ(by_path.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(by_path.error().message, HasSubstr("/nonexistent/traitctl-prog"));
}

TEST(RunProcess, EscapesAHostileProgramNameInItsErrors) {
  const fs::path dir = fs::temp_directory_path() / ("traitctl-test-process-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path not_executable = dir / "runai\n\x1b[2J\xff";
  std::ofstream(not_executable) << "#!/bin/sh\n";
  fs::permissions(not_executable, fs::perms::owner_read | fs::perms::owner_write);
  for (const std::string& program :
       {not_executable.string(), (dir / "missing\n\x1b[2J").string(), std::string("missing\n\x1b[2J")}) {
    const auto output = run_process({program}, with_timeout(Duration{5'000}));
    ASSERT_FALSE(output.ok()) << program;
    EXPECT_THAT(output.error().message, HasSubstr("\\n\\x1b[2J"));
    EXPECT_EQ(output.error().message.find_first_of("\n\x1b\xff"), std::string::npos)
        << output.error().message;
  }
  fs::remove_all(dir);
}

TEST(RunProcess, EmptyCommandIsAnError) {
  const auto output = run_process({}, with_timeout(Duration{5'000}));
  ASSERT_FALSE(output.ok());
  EXPECT_EQ(output.error().kind, ErrorKind::Process);
}

TEST(RunProcess, OverridesReplaceInheritedVariables) {
  ASSERT_EQ(::setenv("TRAITCTL_TEST_VALUE", "inherited", 1), 0);
  ProcessOptions options = with_timeout(Duration{5'000});
  options.environment = {{"TRAITCTL_TEST_VALUE", "override"}, {"TRAITCTL_TEST_ADDED", "a=b c"}};
  const auto output = run_process({"env"}, options);
  ::unsetenv("TRAITCTL_TEST_VALUE");
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_THAT(output->out, HasSubstr("TRAITCTL_TEST_VALUE=override\n"));
  EXPECT_THAT(output->out, Not(HasSubstr("TRAITCTL_TEST_VALUE=inherited")));
  EXPECT_THAT(output->out, HasSubstr("TRAITCTL_TEST_ADDED=a=b c\n"));
  EXPECT_THAT(output->out, HasSubstr("PATH="));
}

TEST(RunProcess, CleanEnvironmentHasOnlyTheOverrides) {
  ProcessOptions options = with_timeout(Duration{5'000});
  options.inherit_environment = false;
  options.environment = {{"ONLY", "this"}};
  const auto output = run_process({"env"}, options);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->out, "ONLY=this\n");
}

TEST(RunProcess, RejectsAnInvalidVariableName) {
  ProcessOptions options = with_timeout(Duration{5'000});
  options.environment = {{"A=B", "c"}};
  const auto output = run_process({"env"}, options);
  ASSERT_FALSE(output.ok());
  EXPECT_THAT(output.error().message, HasSubstr("'A=B'"));
}

TEST(RunProcess, ChildGetsDefaultSignalsAndAnEmptyMask) {
  // traitctl ignores SIGPIPE and its threads may block signals; the child
  // must not inherit either.
  struct sigaction ignore {};
  ignore.sa_handler = SIG_IGN;
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGPIPE, &ignore, &previous), 0);
  sigset_t blocked;
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGTERM);
  sigset_t previous_mask;
  ASSERT_EQ(::pthread_sigmask(SIG_BLOCK, &blocked, &previous_mask), 0);

  const auto pipe = sh("kill -PIPE $$; echo survived");
  const auto term = sh("kill -TERM $$; echo survived");

  ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
  ::sigaction(SIGPIPE, &previous, nullptr);
  ASSERT_TRUE(pipe.ok() && term.ok());
  EXPECT_EQ(pipe->term_signal, SIGPIPE);
  EXPECT_EQ(term->term_signal, SIGTERM);
}

TEST(RunProcess, ChildRunsInItsOwnProcessGroup) {
  // Field 5 of /proc/<pid>/stat is the process group: the child leads its own.
  const auto output = sh("echo $$ $(cut -d' ' -f5 /proc/$$/stat)");
  ASSERT_TRUE(output.ok()) << output.error().message;
  std::istringstream fields(output->out);
  pid_t pid = 0;
  pid_t group = 0;
  fields >> pid >> group;
  EXPECT_GT(pid, 0);
  EXPECT_EQ(group, pid);
  EXPECT_NE(group, ::getpgrp());
}

class ChildProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "traitctl-process-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static std::optional<int> wait_for_exit(ChildProcess& child) {
    const auto give_up = SteadyClock::now() + Duration{60'000};
    while (SteadyClock::now() < give_up) {
      if (auto code = child.poll()) {
        return code;
      }
      std::this_thread::sleep_for(Duration{10});
    }
    return std::nullopt;
  }

  fs::path dir_;
};

TEST_F(ChildProcessTest, AppendsBothStreamsToTheLogAndReportsTheExitCode) {
  const fs::path log = dir_ / "job.log";
  std::ofstream(log) << "earlier\n";
  auto child = ChildProcess::spawn({"sh", "-c", "echo \"out $JOB_NAME\"; echo err >&2; cat; exit 4"},
                                   {{"JOB_NAME", "t-1"}}, log);
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_GT(child->pid(), 0);
  EXPECT_EQ(wait_for_exit(*child), 4);
  EXPECT_EQ(child->poll(), 4);
  EXPECT_EQ(read(log), "earlier\nout t-1\nerr\n");
}

TEST_F(ChildProcessTest, ASignalGivesOneHundredTwentyEightPlusItsNumber) {
  auto child = ChildProcess::spawn({"sh", "-c", "kill -KILL $$"}, {}, dir_ / "job.log");
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_EQ(wait_for_exit(*child), 128 + SIGKILL);
}

TEST_F(ChildProcessTest, PollIsEmptyWhileRunning) {
  auto child = ChildProcess::spawn({"sleep", "30"}, {}, dir_ / "job.log");
  ASSERT_TRUE(child.ok()) << child.error().message;
  EXPECT_EQ(child->poll(), std::nullopt);
  EXPECT_EQ(child->terminate(Duration{1'000}), 128 + SIGTERM);
}

TEST_F(ChildProcessTest, TerminateKillsTheWholeGroupEvenIfItIgnoresSigterm) {
  // Orphaned grandchildren come back to us, so that we can reap them and see
  // the group empty (this machine's init may not reap them).
  ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  auto child = ChildProcess::spawn({"sh", "-c", "trap '' TERM; sleep 300 & echo started; sleep 300"}, {},
                                   dir_ / "job.log");
  ASSERT_TRUE(child.ok()) << child.error().message;
  const pid_t pid = child->pid();
  // The shell has set its trap and started its children once it says so.
  const auto started_by = SteadyClock::now() + Duration{60'000};
  while (read(dir_ / "job.log").find("started") == std::string::npos && SteadyClock::now() < started_by) {
    std::this_thread::sleep_for(Duration{10});
  }

  const auto start = SteadyClock::now();
  EXPECT_EQ(child->terminate(Duration{200}), 128 + SIGKILL);
  EXPECT_LT(since(start), Duration{60'000}) << "waited for the children's 300 s";
  EXPECT_EQ(child->poll(), 128 + SIGKILL);

  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
  const auto give_up = SteadyClock::now() + Duration{30'000};
  while (::kill(-pid, 0) == 0 && SteadyClock::now() < give_up) {
    ::waitpid(-pid, nullptr, WNOHANG);
    std::this_thread::sleep_for(Duration{10});
  }
  EXPECT_EQ(::kill(-pid, 0), -1) << "a process of the group survived";
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ChildProcessTest, DestructorStopsARunningChild) {
  pid_t pid = -1;
  {
    auto child = ChildProcess::spawn({"sleep", "30"}, {}, dir_ / "job.log");
    ASSERT_TRUE(child.ok()) << child.error().message;
    pid = child->pid();
    ChildProcess moved = std::move(*child);
    EXPECT_EQ(moved.pid(), pid);
  }
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(ChildProcessTest, MissingExecutableAndUnwritableLogAreErrors) {
  const auto missing = ChildProcess::spawn({"traitctl-no-such-program"}, {}, dir_ / "job.log");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);

  const auto no_log = ChildProcess::spawn({"true"}, {}, dir_ / "missing" / "job.log");
  ASSERT_FALSE(no_log.ok());
  EXPECT_EQ(no_log.error().kind, ErrorKind::Io);
  EXPECT_THAT(no_log.error().message, HasSubstr("job.log"));
}

}  // namespace
}  // namespace traitctl::process_tests
