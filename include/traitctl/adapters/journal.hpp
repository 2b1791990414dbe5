// The event journal: an append-only JSON Lines record of what every traitctl
// command did, <state_dir>/journal.jsonl, for people and scripts to audit a
// batch afterwards. One line per event:
//   {"time": "2024-05-01T12:00:00.250Z", "command": "retry", "project": "p",
//    "prefix": "x", "event": "resubmitted", "trait": 5, "job": "x-5",
//    "attempt": 2, ...}
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct JournalEvent {
  // submitted, skipped, waited, failed, classified, deleted, resubmitted, out-of-retries, ...
  std::string event;
  std::optional<int> trait;
  std::optional<std::string> job;
  // Extra keys merged into the line, e.g. {"attempt": 2, "exit_code": 2,
  // "class": "mount-failure", "reason": "..."}. They cannot replace the
  // fixed keys above or time/command/project/prefix.
  nlohmann::json details = nlohmann::json::object();
};

// <state_dir>/journal.jsonl.
[[nodiscard]] std::filesystem::path journal_path(const std::filesystem::path& state_dir);

// One line of the journal as read back.
struct JournalEntry {
  TimePoint time;
  std::string command;
  JournalEvent event;  // `details`: every key but the fixed ones
};

// The lines of one batch (project and prefix), oldest first. No journal: no
// lines. A line that is not a JSON object with the fixed keys (one a crash
// cut short) is skipped. Io error naming the file when it cannot be read.
[[nodiscard]] Result<std::vector<JournalEntry>> read_journal(const std::filesystem::path& state_dir,
                                                             std::string_view project,
                                                             std::string_view prefix);

class Journal {
 public:
  // Creates state_dir if needed and opens the journal for appending. Io error
  // naming the file. `clock` stamps the events and must outlive the Journal.
  [[nodiscard]] static Result<Journal> open(const std::filesystem::path& state_dir, std::string command,
                                            std::string project, std::string prefix, const Clock& clock);

  // Thread-safe. Each line is one write(2) to an O_APPEND descriptor, so lines
  // from threads and from other traitctl processes do not interleave on a
  // local file system (not guaranteed on NFS). Not fsynced: the ledger, not
  // the journal, is what retries rely on. The first failed write is logged
  // as a warning, not returned: losing an audit line must not stop a batch.
  void record(const JournalEvent& event);

  [[nodiscard]] const std::filesystem::path& path() const;

  Journal(Journal&& other) noexcept;
  Journal& operator=(Journal&& other) noexcept;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;
  ~Journal();

 private:
  struct State;  // the descriptor and its mutex, kept still while the Journal moves
  explicit Journal(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace traitctl
