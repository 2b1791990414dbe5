// The channel from `traitctl cap N` to the traitctl running the batch: the
// file <state_dir>/<project>/<prefix>.cap.json next to the ledger and the lock
// (LedgerStore::cap_path), holding one CapRequest:
//   {"version": 1, "max_concurrent": 20, "reset": false,
//    "set_at": "2024-05-01T12:00:00.250Z", "set_by_pid": 1234}
// `traitctl cap` replaces it atomically without taking the batch lock (the
// running command holds that for its whole run); the running loop reads it
// at each cycle and applies a request it has not applied yet
// (apply_cap_request in core/concurrency.hpp). The file is left in place: a
// run that starts later applies a request no run has applied.
#pragma once

#include <optional>
#include <string>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/core/concurrency.hpp"

namespace traitctl {

// Creates the batch's folder if needed and replaces the file atomically.
[[nodiscard]] Result<void> write_cap_request(const LedgerStore& store, const CapRequest& request);

// The request in the file; nullopt when there is none. Parse error naming the
// file and the fix when it cannot be read as a request; Io error otherwise.
[[nodiscard]] Result<std::optional<CapRequest>> read_cap_request(const LedgerStore& store);

// read_cap_request for the loop, once per cycle. A file that cannot be read
// gives its error once, for the loop to log, then nullopt while the same
// error persists (the loop keeps the cap it has); another error, or a good
// file, is reported anew.
class CapFileReader {
 public:
  explicit CapFileReader(LedgerStore store) : store_(std::move(store)) {}

  [[nodiscard]] Result<std::optional<CapRequest>> poll();

 private:
  LedgerStore store_;
  std::optional<std::string> reported_error_;
};

}  // namespace traitctl
