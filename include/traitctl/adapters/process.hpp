// Child processes without a shell: argv vectors, stdin from /dev/null, stdout
// and stderr drained together with poll(), a deadline on every call, and the
// child in its own process group so that Ctrl-C reaches only traitctl.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "traitctl/core/cancel.hpp"
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
  // Once set, the call is cut short the way a deadline cuts it (SIGTERM,
  // kill_grace, SIGKILL): Ctrl-C never waits for a hung call.
  const CancelToken* cancel = nullptr;
};

struct ProcessOutput {
  int exit_code = -1;   // meaningful when the child exited on its own
  int term_signal = 0;  // the signal that ended it, 0 when it exited
  bool timed_out = false;
  bool interrupted = false;  // stopped because `cancel` was set
  std::string out;
  std::string err;
  [[nodiscard]] bool succeeded() const {
    return !timed_out && !interrupted && term_signal == 0 && exit_code == 0;
  }
};

// The one way traitctl stops a process group: SIGTERM to the group, then
// SIGKILL once `grace` has passed. Driven step by step (start, then advance
// as time passes) so that a caller can keep draining the child's pipes.
class StopSequence {
 public:
  StopSequence(pid_t group, Duration grace);
  void start(std::chrono::steady_clock::time_point now);
  void advance(std::chrono::steady_clock::time_point now);
  [[nodiscard]] bool started() const { return started_; }
  [[nodiscard]] bool killed() const { return killed_; }
  // When advance() next has something to do.
  [[nodiscard]] std::chrono::steady_clock::time_point next_step() const;

 private:
  pid_t group_;
  Duration grace_;
  // Two fields, not an optional: GCC 12 at -O2 warns that an optional
  // time_point may be used uninitialized here (a false positive).
  bool started_ = false;
  std::chrono::steady_clock::time_point kill_at_{};
  bool killed_ = false;
};

// StopSequence run to its end, blocking: returns once `is_gone` says so, true
// when that happened, false when the group outlived SIGKILL by a second.
bool stop_process_group(pid_t group, Duration grace, const std::function<bool()>& is_gone);

// The program `name` runs: itself when it has a '/', else the first
// executable of that name on PATH, the search posix_spawnp would do. NotFound
// naming it otherwise; Process for an empty name.
[[nodiscard]] Result<std::string> resolve_program(const std::string& name);

// Runs argv (argv[0] looked up on PATH when it has no '/') to completion, its
// deadline or a stop request. Errors: NotFound when the executable does not
// exist, Process when it cannot be started. A timeout or an interruption is
// reported in ProcessOutput, with whatever the child printed, not as an error.
[[nodiscard]] Result<ProcessOutput> run_process(const std::vector<std::string>& argv,
                                                const ProcessOptions& options);

// What a reaped child used, from wait4's rusage: the child's and its waited-for
// descendants' largest resident set, and their user + system CPU time.
struct ResourceUsage {
  std::int64_t peak_memory_bytes = 0;
  double cpu_seconds = 0.0;
};

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
  // The signal that ended the child, once poll() has seen it end; 0 when it exited.
  [[nodiscard]] int term_signal() const { return term_signal_; }
  // SIGTERM to the group, `grace` to exit, then SIGKILL; reaps. Returns the
  // exit code as poll() would.
  int terminate(Duration grace);
  // What the child used, once poll() or terminate() reaped it; nullopt before,
  // or when it was reaped elsewhere.
  [[nodiscard]] const std::optional<ResourceUsage>& usage() const { return usage_; }

  // Blocks until one of `children` ends, `timeout` passes or `cancel` is set;
  // true when a child ended. Woken by the kernel (pidfd) where it can.
  static bool wait_for_any(const std::vector<ChildProcess*>& children, Duration timeout,
                           const CancelToken& cancel);

 private:
  explicit ChildProcess(pid_t pid);
  void close_pidfd();
  pid_t pid_ = -1;
  int pidfd_ = -1;  // -1 where the kernel has no pidfd_open
  std::optional<int> exit_code_;
  int term_signal_ = 0;
  std::optional<ResourceUsage> usage_;
};

}  // namespace traitctl
