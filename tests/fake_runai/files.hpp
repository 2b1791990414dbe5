// Files in $FAKE_RUNAI_DIR (and the job's output folder), written so that
// readers that take no lock never see half a file.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

namespace fake_runai {

// Replaces the file whole (a temporary file in the same folder, then rename).
void write_atomically(const std::filesystem::path& path, std::string_view data);
// Appends `line` and a newline with one O_APPEND write.
void append_line(const std::filesystem::path& path, const std::string& line);

// flock(LOCK_EX) on `path` for the object's lifetime.
class ExclusiveLock {
 public:
  explicit ExclusiveLock(const std::filesystem::path& path);
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;
  ExclusiveLock(ExclusiveLock&&) = delete;
  ExclusiveLock& operator=(ExclusiveLock&&) = delete;
  ~ExclusiveLock();

 private:
  int fd_;
};

}  // namespace fake_runai
