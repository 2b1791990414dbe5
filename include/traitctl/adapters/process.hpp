// Child processes without a shell: argv vectors, stdin from /dev/null, stdout
// and stderr drained together with poll(), a deadline on every call, and the
// child in its own process group so that Ctrl-C reaches only traitctl.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

using EnvironmentOverrides = std::vector<std::pair<std::string, std::string>>;

struct ProcessOptions {
  Duration timeout{120'000};
  // After the deadline: SIGTERM to the group, this long to exit, then SIGKILL.
  Duration kill_grace{2'000};
  // false: the child sees only `environment` (tests run traitctl this way).
  bool inherit_environment = true;
  // Set in the child's environment on top of the inherited one.
  EnvironmentOverrides environment;
};

struct ProcessOutput {
  int exit_code = -1;   // meaningful when the child exited on its own
  int term_signal = 0;  // the signal that ended it, 0 when it exited
  bool timed_out = false;
  std::string out;
  std::string err;
  [[nodiscard]] bool succeeded() const { return !timed_out && term_signal == 0 && exit_code == 0; }
};

// Runs argv (argv[0] looked up on PATH when it has no '/') to completion or
// its deadline. Errors: NotFound when the executable does not exist, Process
// when it cannot be started. A timeout is reported in ProcessOutput, with
// whatever the child printed, not as an error.
[[nodiscard]] Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                                const ProcessOptions& options);

// A long-running child whose stdout and stderr go to a log file (the local
// executor's jobs). Move-only; the destructor kills and reaps a running child.
class ChildProcess {
 public:
  [[nodiscard]] static Result<ChildProcess> spawn(const std::vector<std::string>& argv,
                                                  const EnvironmentOverrides& environment,
                                                  const std::filesystem::path& log_path);
  ChildProcess(ChildProcess&& other) noexcept;
  ChildProcess& operator=(ChildProcess&& other) noexcept;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;
  ~ChildProcess();

  [[nodiscard]] pid_t pid() const { return pid_; }
  // Non-blocking: the exit code once the child has ended (128 + signal when a
  // signal ended it), nullopt while it runs.
  [[nodiscard]] std::optional<int> poll();
  // SIGTERM to the group, `grace` to exit, then SIGKILL; reaps. Returns the
  // exit code as poll() would.
  int terminate(Duration grace);

 private:
  explicit ChildProcess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace traitctl
