#include "files.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "flags.hpp"

namespace fake_runai {

namespace fs = std::filesystem;

namespace {

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw SetupError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

}  // namespace

void write_atomically(const fs::path& path, std::string_view data) {
  const fs::path temp = path.string() + fmt::format(".tmp.{}", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  write_all(fd, data, temp);
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    throw SetupError(fmt::format("cannot rename {} to {}: {}", temp.string(), path.string(), ec.message()));
  }
}

void append_line(const fs::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  write_all(fd, line + "\n", path);
  ::close(fd);
}

ExclusiveLock::ExclusiveLock(const fs::path& path)
    : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
  if (fd_ < 0) {
    throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  while (::flock(fd_, LOCK_EX) != 0) {
    if (errno != EINTR) {
      ::close(fd_);
      throw SetupError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
    }
  }
}

ExclusiveLock::~ExclusiveLock() { ::close(fd_); }  // closing releases the flock

}  // namespace fake_runai
