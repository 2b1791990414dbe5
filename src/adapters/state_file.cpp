#include "traitctl/adapters/state_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <random>
#include <system_error>
#include <thread>
#include <utility>

namespace traitctl {
namespace {

namespace fs = std::filesystem;

std::string errno_message(int error) { return std::generic_category().message(error); }

Error io_error(std::string_view what, const fs::path& path, int error) {
  return make_error(ErrorKind::Io, "cannot {} {}: {}", what, path.string(), errno_message(error));
}

class Descriptor {
 public:
  explicit Descriptor(int fd) : fd_(fd) {}
  Descriptor(const Descriptor&) = delete;
  Descriptor& operator=(const Descriptor&) = delete;
  Descriptor(Descriptor&&) = delete;
  Descriptor& operator=(Descriptor&&) = delete;
  ~Descriptor() {
    if (fd_ >= 0) {
      ::close(fd_);
    }
  }
  [[nodiscard]] int get() const { return fd_; }
  // Closes now, for the error: close can report a failed deferred write (NFS).
  int close() {
    const int result = ::close(fd_);
    fd_ = -1;
    return result;
  }

 private:
  int fd_;
};

int open_retrying(const char* path, int flags, mode_t mode = 0) {
  int fd = -1;
  do {
    fd = ::open(path, flags, mode);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  } while (fd < 0 && errno == EINTR);
  return fd;
}

// 0 on success, else the errno.
int write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return 0;
}

// ".<name>.tmp-<pid>-<counter>-<random>": unique across threads and
// processes, and hidden from a casual `ls`.
fs::path temp_path_for(const fs::path& path) {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937 random{std::random_device{}()};
  return path.parent_path() / fmt::format(".{}.tmp-{}-{}-{:08x}", path.filename().string(), ::getpid(),
                                          counter.fetch_add(1), random());
}

Result<void> fsync_directory(const fs::path& directory) {
  const Descriptor dir{open_retrying(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (dir.get() < 0) {
    return io_error("open the folder", directory, errno);
  }
  if (::fsync(dir.get()) != 0) {
    return io_error("fsync the folder", directory, errno);
  }
  return {};
}

// Writes and fsyncs `content` into the new file `temp`.
Result<void> write_temp(const fs::path& temp, int fd, std::string_view content) {
  Descriptor file{fd};
  if (const int error = write_all(file.get(), content); error != 0) {
    return io_error("write", temp, error);
  }
  if (::fsync(file.get()) != 0) {
    return io_error("fsync", temp, errno);
  }
  if (file.close() != 0) {
    return io_error("close", temp, errno);
  }
  return {};
}

// The pid the lock's holder wrote into the file. The holder writes it just
// after taking the lock, so a file still empty is read again for a moment
// before giving up.
std::optional<int> holder_pid(const fs::path& path) {
  constexpr auto patience = std::chrono::milliseconds(250);
  const auto give_up = std::chrono::steady_clock::now() + patience;
  while (true) {
    const auto content = read_file_contents(path);
    int pid = 0;
    if (content) {
      const std::string_view text = *content;
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), pid);
      if (error == std::errc{} && pid > 0) {
        return pid;
      }
    }
    if (std::chrono::steady_clock::now() >= give_up) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace

Result<void> write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path directory = path.has_parent_path() ? path.parent_path() : fs::path{"."};
  fs::path temp;
  int fd = -1;
  // A name clash (a crashed process's pid reused) just takes another name.
  for (int tries = 0; fd < 0 && tries < 10; ++tries) {
    temp = temp_path_for(path);
    fd = open_retrying(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0 && errno != EEXIST) {
      break;
    }
  }
  if (fd < 0) {
    return io_error("create a temporary file for", path, errno);
  }
  auto written = write_temp(temp, fd, content);
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = make_error(ErrorKind::Io, "cannot rename {} to {}: {}", temp.string(), path.string(),
                         errno_message(errno));
  }
  if (!written) {
    ::unlink(temp.c_str());
    return written;
  }
  return fsync_directory(directory);
}

Result<std::string> read_file_contents(const fs::path& path) {
  const Descriptor file{open_retrying(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.get() < 0) {
    if (errno == ENOENT) {
      return make_error(ErrorKind::NotFound, "{} does not exist", path.string());
    }
    return io_error("open", path, errno);
  }
  std::string content;
  std::array<char, 65536> buffer{};
  while (true) {
    const ssize_t got = ::read(file.get(), buffer.data(), buffer.size());
    if (got < 0) {
      if (errno == EINTR) {
        continue;
      }
      return io_error("read", path, errno);
    }
    if (got == 0) {
      return content;
    }
    content.append(buffer.data(), static_cast<std::size_t>(got));
  }
}

Result<std::optional<nlohmann::json>> read_versioned_json(const fs::path& path, int version,
                                                          std::string_view remedy) {
  auto text = read_file_contents(path);
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return std::optional<nlohmann::json>{};
    }
    return text.error();
  }
  try {
    auto document = nlohmann::json::parse(*text);
    const int found = document.at("version").get<int>();
    if (found != version) {
      return make_error(ErrorKind::Parse,
                        "{} has version {}, this traitctl reads version {}: use the traitctl that wrote it",
                        path.string(), found, version);
    }
    return std::optional<nlohmann::json>(std::move(document));
  } catch (const nlohmann::json::exception& error) {
    return make_error(ErrorKind::Parse, "cannot understand {}: {}; {}", path.string(), error.what(), remedy);
  }
}

Result<FileLock> FileLock::acquire(const fs::path& path, Duration timeout, const CancelToken& cancel) {
  constexpr Duration poll_interval{50};
  const int fd = open_retrying(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) {
    return io_error("open the lock file", path, errno);
  }
  FileLock lock{fd, path};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) {
      continue;
    }
    if (errno != EWOULDBLOCK) {
      return io_error("lock", path, errno);
    }
    if (cancel.stop_requested()) {
      return make_error(ErrorKind::Interrupted, "interrupted while waiting for the lock {}", path.string());
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      const std::optional<int> holder = holder_pid(path);
      return make_error(ErrorKind::Locked,
                        "{} is held by another traitctl{} working on the same batch; wait for it to "
                        "finish (or stop it), then run this again",
                        path.string(), holder ? fmt::format(" (pid {})", *holder) : "");
    }
    std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(poll_interval, deadline - now));
  }
  // Only informative, for the message above: a failure here leaves the lock held.
  const std::string pid = fmt::format("{}\n", ::getpid());
  if (::ftruncate(fd, 0) == 0) {
    write_all(fd, pid);
  }
  return lock;
}

// A shared lock tried once without blocking: it fails while a holder has the
// exclusive one. When it succeeds, closing the descriptor drops it at once.
// In the microseconds it is held, a traitctl taking the batch lock sees its
// LOCK_EX|LOCK_NB fail and tries again 50 ms later, so it is delayed, never
// refused, unless it was given --lock-timeout 0. Opened read-only without
// O_CREAT, the probe leaves no trace: acquire() would create the file (and
// need its folder) and replace the pid in it with this process's.
Result<FileLock::Probe> FileLock::probe(const fs::path& path) {
  const Descriptor file{open_retrying(path.c_str(), O_RDONLY | O_CLOEXEC)};
  if (file.get() < 0) {
    if (errno == ENOENT) {
      return Probe{};
    }
    return io_error("open the lock file", path, errno);
  }
  int result = 0;
  do {
    result = ::flock(file.get(), LOCK_SH | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result == 0) {
    return Probe{};
  }
  if (errno != EWOULDBLOCK) {
    return io_error("test the lock", path, errno);
  }
  return Probe{true, holder_pid(path)};
}

FileLock::FileLock(FileLock&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)), path_(std::move(other.path_)) {}

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = std::exchange(other.fd_, -1);
    path_ = std::move(other.path_);
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);  // drops the flock: this is the only descriptor of its open file description
    fd_ = -1;
  }
}

}  // namespace traitctl
