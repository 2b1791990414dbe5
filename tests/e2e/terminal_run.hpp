// The built traitctl on a pseudo-terminal, for tests of what a person at a
// terminal sees and types: the live status line, the y/N questions, Ctrl-C.
// Needs TRAITCTL_BIN defined and libutil (forkpty) linked.
#pragma once

#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e {

// A terminal wide enough that no status line is cut.
inline constexpr winsize kWide{24, 200, 0, 0};

// The built traitctl on the slave side of a pseudo-terminal (stdin, stdout
// and stderr) of `size`.
class TerminalRun {
 public:
  TerminalRun(const FakeCluster& cluster, std::vector<std::string> args, winsize size = kWide) {
    args.insert(args.begin(), TRAITCTL_BIN);
    std::vector<std::string> environment;
    for (const auto& [key, value] : cluster.environment()) {
      environment.push_back(key + "=" + value);
    }
    environment.emplace_back("TERM=xterm");
    // Built before the fork: the child only calls execve and _exit.
    std::vector<char*> argv = pointers(args);
    std::vector<char*> envp = pointers(environment);
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  TerminalRun(const TerminalRun&) = delete;
  TerminalRun& operator=(const TerminalRun&) = delete;
  ~TerminalRun() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) {
      ::close(master_);
    }
  }

  [[nodiscard]] bool started() const { return pid_ > 0 && master_ >= 0; }
  [[nodiscard]] const std::string& screen() const { return screen_; }

  // Reads what the terminal shows until `text` appears; false on end or timeout.
  bool read_until(std::string_view text, std::chrono::milliseconds limit) {
    return read_until([text](const std::string& screen) { return screen.find(text) != std::string::npos; },
                      limit);
  }

  // Reads what the terminal shows until `shows(screen)` holds; false on end or timeout.
  bool read_until(const std::function<bool(const std::string&)>& shows, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!shows(screen_)) {
      if (std::chrono::steady_clock::now() >= deadline || !read_some(std::chrono::milliseconds(100))) {
        return shows(screen_);
      }
    }
    return true;
  }

  // Types on the terminal's keyboard: "\x03" is Ctrl-C, "\x04" at the start of a line Ctrl-D (end of input).
  void type(std::string_view keys) const { (void)::write(master_, keys.data(), keys.size()); }

  // Reads to the end and reaps the child: its exit code, or -1 past `limit`.
  int finish(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline && read_some(std::chrono::milliseconds(100))) {
    }
    // The terminal closes a moment before the child can be reaped.
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return -1;  // the destructor kills it
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
  }

 private:
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& text : strings) {
      result.push_back(text.data());
    }
    result.push_back(nullptr);
    return result;
  }

  // False once the child has closed the terminal (EIO) or on an error.
  bool read_some(std::chrono::milliseconds wait) {
    pollfd fd{master_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready == 0) {
      return true;
    }
    if (ready < 0) {
      return errno == EINTR;
    }
    char buffer[4096];
    const ssize_t got = ::read(master_, buffer, sizeof buffer);
    if (got <= 0) {
      return got < 0 && errno == EINTR;
    }
    screen_.append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
  std::optional<int> exit_code_;
};

}  // namespace traitctl::e2e
