// State files that survive crashes and concurrent traitctl processes: whole
// files replaced atomically, and exclusive flock(2) locks.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "traitctl/core/cancel.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// Readers see the old content or the new, never a mix, even across a crash or
// power loss: the content goes to a uniquely named temp file in the same
// folder, which is fsynced, renamed over `path`, and the folder fsynced. On
// failure the temp file is removed and `path` is untouched. Io error naming
// the file and the failed step.
[[nodiscard]] Result<void> write_file_atomically(const std::filesystem::path& path, std::string_view content);

// The whole file. NotFound when it does not exist, Io for other failures.
[[nodiscard]] Result<std::string> read_file_contents(const std::filesystem::path& path);

// A JSON state file written as {"version": N, ...}. Nullopt when the file
// does not exist (nothing recorded yet); Parse error naming the file for bad
// JSON or another version, ending with `remedy` (what the user can do).
[[nodiscard]] Result<std::optional<nlohmann::json>> read_versioned_json(const std::filesystem::path& path,
                                                                        int version, std::string_view remedy);

// The record a versioned state file holds, `decode`d from its document;
// `Record{}` when the file does not exist. A document `decode` cannot read
// (a nlohmann::json exception) is the same Parse error.
template <typename Record, typename Decode>
[[nodiscard]] Result<Record> read_versioned_record(const std::filesystem::path& path, int version,
                                                   std::string_view remedy, Decode decode) {
  auto document = read_versioned_json(path, version, remedy);
  if (!document) {
    return document.error();
  }
  if (!*document) {
    return Record{};
  }
  try {
    return decode(**document);
  } catch (const nlohmann::json::exception& error) {
    return make_error(ErrorKind::Parse, "cannot understand {}: {}; {}", path.string(), error.what(), remedy);
  }
}

// An exclusive flock(2) on a lock file, released when destroyed (or when the
// process dies, so a crash never leaves a stale lock). The holder writes its
// pid into the file so that a waiting process can name it. The file is never
// removed: removing it would let two processes lock two different files.
// The descriptor is close-on-exec, so children do not keep the lock alive.
class FileLock {
 public:
  // Creates the lock file if needed (not its folder) and tries LOCK_NB every
  // 50 ms until `timeout` (zero: one try). Locked error naming the file, the
  // holder's pid and what to do; Interrupted when `cancel` is set; Io
  // otherwise.
  [[nodiscard]] static Result<FileLock> acquire(const std::filesystem::path& path, Duration timeout,
                                                const CancelToken& cancel);

  struct Probe {
    bool held = false;
    std::optional<int> holder_pid;  // when held, the pid the holder wrote
  };
  // Whether another process holds the lock now, for a command that reports
  // on the batch without acting on it. Never creates or writes the file and
  // never waits: see the .cpp for why it cannot hold up the holder. A missing
  // file is not held. Io error naming the file.
  [[nodiscard]] static Result<Probe> probe(const std::filesystem::path& path);

  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  [[nodiscard]] const std::filesystem::path& path() const { return path_; }

 private:
  FileLock(int fd, std::filesystem::path path) : fd_(fd), path_(std::move(path)) {}
  void release() noexcept;

  int fd_ = -1;
  std::filesystem::path path_;
};

}  // namespace traitctl
