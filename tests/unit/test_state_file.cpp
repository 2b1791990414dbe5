#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <thread>

#include "traitctl/adapters/state_file.hpp"

namespace traitctl::state_file_tests {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class StateFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "traitctl-state-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  [[nodiscard]] std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  fs::path dir_;
};

TEST_F(StateFileTest, WritesReplacesAndReads) {
  const fs::path file = dir_ / "state.json";
  ASSERT_TRUE(write_file_atomically(file, "first\n").ok());
  EXPECT_EQ(*read_file_contents(file), "first\n");
  ASSERT_TRUE(write_file_atomically(file, "second, longer\n").ok());
  EXPECT_EQ(*read_file_contents(file), "second, longer\n");
  ASSERT_TRUE(write_file_atomically(file, "").ok());
  EXPECT_EQ(*read_file_contents(file), "");
  EXPECT_EQ(entries(), std::vector<std::string>{"state.json"});
}

TEST_F(StateFileTest, LargeContent) {
  const std::string content(3 * 1024 * 1024 + 17, 'x');
  ASSERT_TRUE(write_file_atomically(dir_ / "big", content).ok());
  EXPECT_EQ(*read_file_contents(dir_ / "big"), content);
}

TEST_F(StateFileTest, MissingFileIsNotFound) {
  auto missing = read_file_contents(dir_ / "nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().kind, ErrorKind::NotFound);
  auto folder = read_file_contents(dir_);
  ASSERT_FALSE(folder.ok());
  EXPECT_EQ(folder.error().kind, ErrorKind::Io);
}

// A write that fails half way (the file-size limit standing in for a full
// disk) leaves the old content and no temp file. In a child, so that the
// limit does not reach the test runner.
TEST_F(StateFileTest, FailedWriteKeepsTheOldContent) {
  const fs::path file = dir_ / "state.json";
  ASSERT_TRUE(write_file_atomically(file, "old\n").ok());
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::signal(SIGXFSZ, SIG_IGN);
    const rlimit limit{1024, 1024};
    ::setrlimit(RLIMIT_FSIZE, &limit);
    auto written = write_file_atomically(file, std::string(4096, 'n'));
    const bool named = !written.ok() && written.error().kind == ErrorKind::Io &&
                       written.error().message.find("cannot write") != std::string::npos;
    ::_exit(named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the write should fail with an Io error";
  EXPECT_EQ(*read_file_contents(file), "old\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"state.json"});
}

// As root, which ignores folder permissions, the write runs in a child that
// has become "nobody".
TEST_F(StateFileTest, UnwritableFolderKeepsTheOldContent) {
  const fs::path file = dir_ / "state.json";
  ASSERT_TRUE(write_file_atomically(file, "old\n").ok());
  fs::permissions(
      dir_, fs::perms::owner_read | fs::perms::owner_exec | fs::perms::others_read | fs::perms::others_exec);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    if (::geteuid() == 0 && ::setuid(65534) != 0) {
      ::_exit(2);
    }
    auto written = write_file_atomically(file, "new\n");
    const bool named = !written.ok() && written.error().kind == ErrorKind::Io &&
                       written.error().message.find(file.string()) != std::string::npos;
    ::_exit(named ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the write should fail with an Io error naming the file";
  EXPECT_EQ(*read_file_contents(file), "old\n");
  EXPECT_EQ(entries(), std::vector<std::string>{"state.json"});
}

TEST_F(StateFileTest, MissingFolderIsAnIoError) {
  auto written = write_file_atomically(dir_ / "no" / "state.json", "x");
  ASSERT_FALSE(written.ok());
  EXPECT_EQ(written.error().kind, ErrorKind::Io);
}

TEST_F(StateFileTest, LockIsExclusiveWithinAProcess) {
  const CancelToken cancel;
  const fs::path path = dir_ / "batch.lock";
  auto first = FileLock::acquire(path, milliseconds{0}, cancel);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(*read_file_contents(path), std::to_string(::getpid()) + "\n");

  // A second open file description contends like another process would.
  const auto started = std::chrono::steady_clock::now();
  auto second = FileLock::acquire(path, milliseconds{200}, cancel);
  EXPECT_GE(std::chrono::steady_clock::now() - started, milliseconds{200});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.error().kind, ErrorKind::Locked);
  EXPECT_NE(second.error().message.find(path.string()), std::string::npos) << second.error().message;
  EXPECT_NE(second.error().message.find(fmt::format("(pid {})", ::getpid())), std::string::npos)
      << second.error().message;

  // Released on destruction, also after a move.
  FileLock moved = std::move(*first);
  { const FileLock dropped = std::move(moved); }
  EXPECT_TRUE(FileLock::acquire(path, milliseconds{0}, cancel).ok());
}

TEST_F(StateFileTest, LockContendedAcrossProcesses) {
  const fs::path path = dir_ / "batch.lock";
  std::array<int, 2> ready{};
  ASSERT_EQ(::pipe(ready.data()), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const CancelToken cancel;
    auto lock = FileLock::acquire(path, milliseconds{0}, cancel);
    const char byte = lock.ok() ? 'y' : 'n';
    if (::write(ready[1], &byte, 1) != 1) {
      ::_exit(1);
    }
    ::pause();  // holds the lock until killed
    ::_exit(0);
  }
  // Kills and reaps the holder however the test ends.
  const std::unique_ptr<const pid_t, void (*)(const pid_t*)> holder(&child, [](const pid_t* pid) {
    ::kill(*pid, SIGKILL);
    ::waitpid(*pid, nullptr, 0);
  });
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  ASSERT_EQ(byte, 'y');

  const CancelToken cancel;
  auto contended = FileLock::acquire(path, milliseconds{150}, cancel);
  ASSERT_FALSE(contended.ok());
  EXPECT_EQ(contended.error().kind, ErrorKind::Locked);
  EXPECT_NE(contended.error().message.find(fmt::format("(pid {})", child)), std::string::npos)
      << contended.error().message;

  // The holder dies: the lock goes with it, and a waiter gets it.
  std::thread killer([child] {
    std::this_thread::sleep_for(milliseconds{100});
    ::kill(child, SIGKILL);
  });
  auto waited = FileLock::acquire(path, milliseconds{5000}, cancel);
  killer.join();
  ::close(ready[0]);
  ::close(ready[1]);
  EXPECT_TRUE(waited.ok()) << waited.error().message;
}

TEST_F(StateFileTest, LockWaitStopsOnCancel) {
  const CancelToken none;
  const fs::path path = dir_ / "batch.lock";
  auto held = FileLock::acquire(path, milliseconds{0}, none);
  ASSERT_TRUE(held.ok());
  CancelToken cancel;
  cancel.request_stop();
  const auto started = std::chrono::steady_clock::now();
  auto waiting = FileLock::acquire(path, milliseconds{10'000}, cancel);
  EXPECT_LT(std::chrono::steady_clock::now() - started, milliseconds{1000});
  ASSERT_FALSE(waiting.ok());
  EXPECT_EQ(waiting.error().kind, ErrorKind::Interrupted);
}

TEST_F(StateFileTest, ProbeOfAMissingLockCreatesNothing) {
  auto probe = FileLock::probe(dir_ / "batch.lock");
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_FALSE(probe->held);
  EXPECT_FALSE(fs::exists(dir_ / "batch.lock"));
}

TEST_F(StateFileTest, ProbeSeesTheHolderAndLeavesTheLockAlone) {
  const CancelToken cancel;
  const fs::path path = dir_ / "batch.lock";
  {
    auto held = FileLock::acquire(path, milliseconds{0}, cancel);
    ASSERT_TRUE(held.ok()) << held.error().message;
    auto probe = FileLock::probe(path);
    ASSERT_TRUE(probe.ok()) << probe.error().message;
    EXPECT_TRUE(probe->held);
    EXPECT_EQ(probe->holder_pid, ::getpid());
  }
  // Released: the probe finds it free, writes nothing and does not keep it.
  ASSERT_TRUE(write_file_atomically(path, "4242\n").ok());
  auto probe = FileLock::probe(path);
  ASSERT_TRUE(probe.ok()) << probe.error().message;
  EXPECT_FALSE(probe->held);
  EXPECT_EQ(*read_file_contents(path), "4242\n");
  EXPECT_TRUE(FileLock::acquire(path, milliseconds{0}, cancel).ok());
}

}  // namespace
}  // namespace traitctl::state_file_tests
