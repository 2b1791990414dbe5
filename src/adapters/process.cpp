#include "traitctl/adapters/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string_view>
#include <thread>
#include <utility>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Once the child is gone (exited, or SIGKILLed after its deadline), read for
// this long more and stop: a grandchild that kept our pipes open must not
// keep us waiting for an end of file that may never come.
constexpr Duration kPipeLinger{250};
// How often to look for the child's exit while its pipes are still open. With
// the pipes closed the checks start at 1 ms and back off to this.
constexpr Duration kExitCheck{50};
// A ChildProcess dropped while running (traitctl is exiting): stop it without
// holding up the exit.
constexpr Duration kDropGrace{100};

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) {
      reset();
      fd_ = std::exchange(other.fd_, -1);
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;
  ~UniqueFd() { reset(); }

  [[nodiscard]] int get() const { return fd_; }
  [[nodiscard]] bool valid() const { return fd_ >= 0; }
  void reset() {
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

 private:
  int fd_ = -1;
};

struct Pipe {
  UniqueFd read;
  UniqueFd write;
};

Result<Pipe> make_pipe() {
  // O_CLOEXEC from the start: a child spawned by another thread meanwhile
  // must not inherit our ends (it would hold the pipe open).
  std::array<int, 2> fds{};
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return make_error(ErrorKind::Process, "cannot create a pipe: {}", std::strerror(errno));
  }
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

bool is_executable_file(const std::string& path) {
  struct stat info {};
  return ::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

Result<std::string> resolve_program(const std::string& name) {
  if (name.empty()) {
    return make_error(ErrorKind::Process, "cannot run a program with an empty name");
  }
  if (name.find('/') != std::string::npos) {
    struct stat info {};
    if (::stat(name.c_str(), &info) != 0 && errno == ENOENT) {
      return make_error(ErrorKind::NotFound, "'{}' not found: check the path", printable(name));
    }
    return name;
  }
  const char* path = std::getenv("PATH");
  const std::string_view dirs = path != nullptr ? path : "/bin:/usr/bin";
  std::size_t start = 0;
  while (start <= dirs.size()) {
    const std::size_t end = std::min(dirs.find(':', start), dirs.size());
    const std::string_view dir = dirs.substr(start, end - start);
    // An empty PATH entry means the current directory.
    std::string candidate = dir.empty() ? name : std::string(dir) + "/" + name;
    if (is_executable_file(candidate)) {
      return candidate;
    }
    start = end + 1;
  }
  return make_error(ErrorKind::NotFound, "'{}' not found on PATH: install it or give its full path",
                    printable(name));
}

namespace {

std::string_view variable_name(std::string_view entry) { return entry.substr(0, entry.find('=')); }

Result<std::vector<std::string>> build_environment(bool inherit, const EnvironmentOverrides& overrides) {
  std::vector<std::string> entries;
  if (inherit) {
    for (char** entry = environ; *entry != nullptr; ++entry) {
      entries.emplace_back(*entry);
    }
  }
  for (const auto& variable : overrides) {
    const std::string& name = variable.first;
    if (name.empty() || name.find('=') != std::string::npos || name.find('\0') != std::string::npos) {
      return make_error(ErrorKind::Process, "invalid environment variable name '{}' for a child process",
                        printable(name));
    }
    std::string entry = name;
    entry += '=';
    entry += variable.second;
    const auto existing = std::find_if(entries.begin(), entries.end(), [&](const std::string& current) {
      return variable_name(current) == name;
    });
    if (existing != entries.end()) {
      *existing = std::move(entry);
    } else {
      entries.push_back(std::move(entry));
    }
  }
  return entries;
}

// The null-terminated char* array exec wants; valid while `strings` lives.
std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  pointers.reserve(strings.size() + 1);
  for (const std::string& s : strings) {
    // exec's signature predates const; it does not write through these.
    pointers.push_back(const_cast<char*>(s.c_str()));  // NOLINT(cppcoreguidelines-pro-type-const-cast)
  }
  pointers.push_back(nullptr);
  return pointers;
}

class FileActions {
 public:
  FileActions() : status_(posix_spawn_file_actions_init(&actions_)) {}
  FileActions(const FileActions&) = delete;
  FileActions& operator=(const FileActions&) = delete;
  FileActions(FileActions&&) = delete;
  FileActions& operator=(FileActions&&) = delete;
  ~FileActions() {
    if (status_ == 0) {
      posix_spawn_file_actions_destroy(&actions_);
    }
  }
  [[nodiscard]] int status() const { return status_; }
  posix_spawn_file_actions_t* get() { return &actions_; }

 private:
  posix_spawn_file_actions_t actions_{};
  int status_;
};

class SpawnAttributes {
 public:
  SpawnAttributes() : status_(posix_spawnattr_init(&attributes_)) {}
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;
  SpawnAttributes(SpawnAttributes&&) = delete;
  SpawnAttributes& operator=(SpawnAttributes&&) = delete;
  ~SpawnAttributes() {
    if (status_ == 0) {
      posix_spawnattr_destroy(&attributes_);
    }
  }
  [[nodiscard]] int status() const { return status_; }
  posix_spawnattr_t* get() { return &attributes_; }

 private:
  posix_spawnattr_t attributes_{};
  int status_;
};

// stdin from /dev/null, stdout and stderr onto the given descriptors (the
// dup2 clears their close-on-exec flag in the child only).
int set_up_streams(FileActions& actions, int out_fd, int err_fd) {
  if (actions.status() != 0) {
    return actions.status();
  }
  if (int rc = posix_spawn_file_actions_adddup2(actions.get(), out_fd, STDOUT_FILENO); rc != 0) {
    return rc;
  }
  if (int rc = posix_spawn_file_actions_adddup2(actions.get(), err_fd, STDERR_FILENO); rc != 0) {
    return rc;
  }
  return posix_spawn_file_actions_addopen(actions.get(), STDIN_FILENO, "/dev/null", O_RDONLY, 0);
}

// Its own process group, so that Ctrl-C reaches only traitctl and a deadline
// can signal the child together with its children; no blocked signals and
// default actions for those traitctl handles or ignores.
int set_up_attributes(SpawnAttributes& attributes) {
  if (attributes.status() != 0) {
    return attributes.status();
  }
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGPIPE);
  sigset_t mask;
  sigemptyset(&mask);
  if (int rc = posix_spawnattr_setsigdefault(attributes.get(), &defaults); rc != 0) {
    return rc;
  }
  if (int rc = posix_spawnattr_setsigmask(attributes.get(), &mask); rc != 0) {
    return rc;
  }
  if (int rc = posix_spawnattr_setpgroup(attributes.get(), 0); rc != 0) {
    return rc;
  }
  return posix_spawnattr_setflags(
      attributes.get(),
      static_cast<short>(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK));
}

Result<pid_t> spawn_child(const std::vector<std::string>& argv, bool inherit_environment,
                          const EnvironmentOverrides& overrides, int out_fd, int err_fd) {
  if (argv.empty()) {
    return make_error(ErrorKind::Process, "no program to run: the command line is empty");
  }
  auto program = resolve_program(argv.front());
  if (!program) {
    return program.error();
  }
  auto environment = build_environment(inherit_environment, overrides);
  if (!environment) {
    return environment.error();
  }
  FileActions actions;
  SpawnAttributes attributes;
  if (int rc = set_up_streams(actions, out_fd, err_fd); rc != 0) {
    return make_error(ErrorKind::Process, "cannot prepare to start '{}': {}", printable(argv.front()),
                      std::strerror(rc));
  }
  if (int rc = set_up_attributes(attributes); rc != 0) {
    return make_error(ErrorKind::Process, "cannot prepare to start '{}': {}", printable(argv.front()),
                      std::strerror(rc));
  }
  const std::vector<char*> args = c_strings(argv);
  const std::vector<char*> envp = c_strings(*environment);
  pid_t pid = -1;
  const int rc =
      posix_spawn(&pid, program->c_str(), actions.get(), attributes.get(), args.data(), envp.data());
  if (rc == ENOENT) {
    return make_error(ErrorKind::NotFound, "'{}' not found: check the path", printable(*program));
  }
  if (rc != 0) {
    return make_error(ErrorKind::Process, "cannot start '{}': {}", printable(*program), std::strerror(rc));
  }
  return pid;
}

// Whether the child has ended, without reaping it: an unreaped child keeps
// its pid, and so its process group id, from being reused while we may still
// signal the group.
bool has_exited(pid_t pid) {
  siginfo_t info{};
  while (::waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) != 0) {
    if (errno != EINTR) {
      return true;  // ECHILD: reaped behind our back (SIGCHLD ignored)
    }
  }
  return info.si_pid != 0;
}

ResourceUsage usage_of(const rusage& used) {
  const auto seconds = [](const timeval& time) {
    return static_cast<double>(time.tv_sec) + static_cast<double>(time.tv_usec) / 1e6;
  };
  // Linux reports ru_maxrss in KiB.
  return ResourceUsage{static_cast<std::int64_t>(used.ru_maxrss) * 1024,
                       seconds(used.ru_utime) + seconds(used.ru_stime)};
}

// Blocks until the child is reaped; nullopt when it was reaped elsewhere.
// `usage`, when given, receives what the child used.
std::optional<int> reap(pid_t pid, std::optional<ResourceUsage>* usage = nullptr) {
  int status = 0;
  rusage used{};
  while (::wait4(pid, &status, 0, &used) < 0) {
    if (errno != EINTR) {
      return std::nullopt;
    }
  }
  if (usage != nullptr) {
    *usage = usage_of(used);
  }
  return status;
}

// Reads what is there; closes `fd` at end of file or on a read error.
void read_available(UniqueFd& fd, std::string& sink) {
  constexpr std::size_t kChunk = 65'536;
  std::array<char, kChunk> buffer;  // NOLINT(cppcoreguidelines-pro-type-member-init): read fills it
  const ssize_t count = ::read(fd.get(), buffer.data(), buffer.size());
  if (count > 0) {
    sink.append(buffer.data(), static_cast<std::size_t>(count));
  } else if (count == 0 || errno != EINTR) {
    fd.reset();
  }
}

// One poll() over both pipes, so that neither can fill up while we wait on
// the other; then one read from each that is ready.
void read_streams(UniqueFd& out, UniqueFd& err, ProcessOutput& result, int timeout_ms) {
  std::array<pollfd, 2> fds{};
  std::array<std::pair<UniqueFd*, std::string*>, 2> streams{};
  nfds_t count = 0;
  for (const auto& stream : {std::pair{&out, &result.out}, std::pair{&err, &result.err}}) {
    if (stream.first->valid()) {
      fds.at(count) = pollfd{stream.first->get(), POLLIN, 0};
      streams.at(count) = stream;
      ++count;
    }
  }
  if (::poll(fds.data(), count, timeout_ms) < 0) {
    return;  // EINTR: a signal such as Ctrl-C; the caller re-checks its deadline
  }
  for (nfds_t i = 0; i < count; ++i) {
    if (fds.at(i).revents != 0) {
      read_available(*streams.at(i).first, *streams.at(i).second);
    }
  }
}

int poll_timeout(SteadyClock::time_point now, SteadyClock::time_point wake) {
  const auto milliseconds = std::chrono::ceil<Duration>(wake - now).count();
  return static_cast<int>(std::clamp<Duration::rep>(milliseconds, 0, std::numeric_limits<int>::max()));
}

}  // namespace

StopSequence::StopSequence(pid_t group, Duration grace) : group_(group), grace_(grace) {}

void StopSequence::start(SteadyClock::time_point now) {
  if (!started_) {
    ::kill(-group_, SIGTERM);
    kill_at_ = now + grace_;
    started_ = true;
  }
}

void StopSequence::advance(SteadyClock::time_point now) {
  if (started_ && !killed_ && now >= kill_at_) {
    ::kill(-group_, SIGKILL);
    killed_ = true;
  }
}

SteadyClock::time_point StopSequence::next_step() const {
  return started_ && !killed_ ? kill_at_ : SteadyClock::time_point::max();
}

bool stop_process_group(pid_t group, Duration grace, const std::function<bool()>& is_gone) {
  // After SIGKILL the kernel needs a moment to tear the processes down.
  constexpr Duration after_kill{1'000};
  constexpr Duration check{10};
  StopSequence stop(group, grace);
  stop.start(SteadyClock::now());
  std::optional<SteadyClock::time_point> give_up;
  while (!is_gone()) {
    const auto now = SteadyClock::now();
    stop.advance(now);
    if (stop.killed() && !give_up) {
      give_up = now + after_kill;
    }
    if (give_up && now >= *give_up) {
      return false;
    }
    std::this_thread::sleep_for(check);
  }
  return true;
}

namespace {

// Drains both pipes until the child has exited and both are closed, under
// the deadline; a stop request cuts the call short the same way.
ProcessOutput drain_and_reap(pid_t pid, UniqueFd out, UniqueFd err, const ProcessOptions& options) {
  ProcessOutput result;
  const auto deadline = SteadyClock::now() + options.timeout;
  StopSequence stop(pid, options.kill_grace);
  std::optional<SteadyClock::time_point> stop_reading_at;
  bool exited = false;
  Duration exit_check{1};
  while (true) {
    exited = exited || has_exited(pid);
    const bool pipes_open = out.valid() || err.valid();
    if (exited && !pipes_open) {
      break;
    }
    const auto now = SteadyClock::now();
    if (!stop.started() && !exited) {
      if (now >= deadline) {
        result.timed_out = true;
        stop.start(now);
      } else if (options.cancel != nullptr && options.cancel->stop_requested()) {
        result.interrupted = true;
        stop.start(now);
      }
    }
    stop.advance(now);
    if ((exited || stop.killed()) && !stop_reading_at) {
      stop_reading_at = now + kPipeLinger;
    }
    if (stop_reading_at && now >= *stop_reading_at) {
      break;
    }
    auto wake = std::min(stop.started() ? stop.next_step() : deadline,
                         stop_reading_at.value_or(SteadyClock::time_point::max()));
    if (!exited) {
      wake = std::min(wake, now + (pipes_open ? kExitCheck : exit_check));
      if (!pipes_open) {
        exit_check = std::min(exit_check * 2, kExitCheck);
      }
    }
    read_streams(out, err, result, poll_timeout(now, wake));
  }
  out.reset();
  err.reset();
  if (const auto status = reap(pid)) {
    if (WIFEXITED(*status)) {
      result.exit_code = WEXITSTATUS(*status);
    } else if (WIFSIGNALED(*status)) {
      result.term_signal = WTERMSIG(*status);
    }
  }
  return result;
}

int exit_code_of(std::optional<int> status) {
  if (!status) {
    return -1;
  }
  if (WIFSIGNALED(*status)) {
    return 128 + WTERMSIG(*status);
  }
  return WEXITSTATUS(*status);
}

}  // namespace

Result<ProcessOutput> run_process(const std::vector<std::string>& argv, const ProcessOptions& options) {
  auto out = make_pipe();
  if (!out) {
    return out.error();
  }
  auto err = make_pipe();
  if (!err) {
    return err.error();
  }
  const auto pid =
      spawn_child(argv, options.inherit_environment, options.environment, out->write.get(), err->write.get());
  if (!pid) {
    return pid.error();
  }
  // Only the child may hold the write ends, or we would never see end of file.
  out->write.reset();
  err->write.reset();
  return drain_and_reap(*pid, std::move(out->read), std::move(err->read), options);
}

Result<ChildProcess> ChildProcess::spawn(const std::vector<std::string>& argv,
                                         const EnvironmentOverrides& environment,
                                         const std::filesystem::path& log_path) {
  const UniqueFd log(::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644));
  if (!log.valid()) {
    return make_error(ErrorKind::Io, "cannot open log file {}: {}", printable(log_path.string()),
                      std::strerror(errno));
  }
  const auto pid = spawn_child(argv, true, environment, log.get(), log.get());
  if (!pid) {
    return pid.error();
  }
  return ChildProcess(*pid);
}

ChildProcess::ChildProcess(pid_t pid) : pid_(pid) {
#ifdef SYS_pidfd_open
  // Linux 5.3+: a descriptor that becomes readable when the child ends.
  pidfd_ = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (pidfd_ >= 0) {
    ::fcntl(pidfd_, F_SETFD, FD_CLOEXEC);
  }
#endif
}

void ChildProcess::close_pidfd() {
  if (pidfd_ >= 0) {
    ::close(pidfd_);
    pidfd_ = -1;
  }
}

ChildProcess::ChildProcess(ChildProcess&& other) noexcept
    : pid_(std::exchange(other.pid_, -1)),
      pidfd_(std::exchange(other.pidfd_, -1)),
      exit_code_(std::exchange(other.exit_code_, std::nullopt)),
      term_signal_(other.term_signal_),
      usage_(std::exchange(other.usage_, std::nullopt)) {}

ChildProcess& ChildProcess::operator=(ChildProcess&& other) noexcept {
  if (this != &other) {
    if (pid_ > 0 && !exit_code_) {
      terminate(kDropGrace);
    }
    close_pidfd();
    pid_ = std::exchange(other.pid_, -1);
    pidfd_ = std::exchange(other.pidfd_, -1);
    exit_code_ = std::exchange(other.exit_code_, std::nullopt);
    term_signal_ = other.term_signal_;
    usage_ = std::exchange(other.usage_, std::nullopt);
  }
  return *this;
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_code_) {
    terminate(kDropGrace);
  }
  close_pidfd();
}

std::optional<int> ChildProcess::poll() {
  if (exit_code_ || pid_ <= 0) {
    return exit_code_;
  }
  int status = 0;
  rusage used{};
  pid_t reaped = -1;
  do {
    reaped = ::wait4(pid_, &status, WNOHANG, &used);
  } while (reaped < 0 && errno == EINTR);
  if (reaped == 0) {
    return std::nullopt;
  }
  if (reaped == pid_) {
    usage_ = usage_of(used);
  }
  if (reaped == pid_ && WIFSIGNALED(status)) {
    term_signal_ = WTERMSIG(status);
  }
  exit_code_ = exit_code_of(reaped == pid_ ? std::optional<int>(status) : std::nullopt);
  return exit_code_;
}

bool ChildProcess::wait_for_any(const std::vector<ChildProcess*>& children, Duration timeout,
                                const CancelToken& cancel) {
  // Slices short enough to see a stop request set by a signal on another thread.
  constexpr Duration slice{100};
  constexpr Duration fallback_check{20};
  const auto deadline = SteadyClock::now() + timeout;
  std::vector<pollfd> fds;
  bool all_pidfds = true;
  for (const ChildProcess* child : children) {
    if (child->exit_code_ || child->pid_ <= 0) {
      return true;  // already ended, not yet collected
    }
    all_pidfds = all_pidfds && child->pidfd_ >= 0;
    fds.push_back(pollfd{child->pidfd_, POLLIN, 0});
  }
  while (!cancel.stop_requested()) {
    const auto now = SteadyClock::now();
    if (now >= deadline) {
      return false;
    }
    const Duration wait =
        std::min({slice, std::chrono::ceil<Duration>(deadline - now), all_pidfds ? slice : fallback_check});
    if (fds.empty() || !all_pidfds) {
      std::this_thread::sleep_for(wait);
    } else if (::poll(fds.data(), fds.size(), static_cast<int>(wait.count())) > 0) {
      return true;
    }
    if (std::any_of(children.begin(), children.end(),
                    [](const ChildProcess* child) { return has_exited(child->pid_); })) {
      return true;
    }
  }
  return false;
}

int ChildProcess::terminate(Duration grace) {
  if (exit_code_ || pid_ <= 0) {
    return exit_code_.value_or(-1);
  }
  // The group, not just the child: its own children may ignore SIGTERM. The
  // child is not reaped until then, so the group id cannot have been reused.
  const pid_t pid = pid_;
  if (stop_process_group(pid, grace, [pid] { return has_exited(pid); })) {
    ::kill(-pid, SIGKILL);  // what the child left behind in its group
  }
  const auto status = reap(pid_, &usage_);
  if (status && WIFSIGNALED(*status)) {
    term_signal_ = WTERMSIG(*status);
  }
  exit_code_ = exit_code_of(status);
  return *exit_code_;
}

}  // namespace traitctl
