// The channel from `traitctl cap N` to the traitctl running the batch: the
// batch database's cap_requests table (docs/state.md), one row per request,
// the latest last. `traitctl cap` adds its row in its own short transaction
// without taking the batch lock (the running command holds that for its
// whole run); the running loop reads the latest at each cycle and applies a
// request it has not applied yet (apply_cap_request in core/concurrency.hpp).
// The rows stay: a run that starts later applies a request no run has
// applied. A batch of a traitctl before the database keeps its request in
// <prefix>.cap.json until the first writer imports it (LedgerStore).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/core/concurrency.hpp"

namespace traitctl {

// Opens the batch database for writing (creating or importing it, see
// LedgerStore::open_for_writing) and adds the request in one transaction.
[[nodiscard]] Result<void> write_cap_request(const LedgerStore& store, const CapRequest& request);

// The latest request; nullopt when there is none. Parse error naming the
// file and the fix when it cannot be read as a request; Io error otherwise.
[[nodiscard]] Result<std::optional<CapRequest>> read_cap_request(const LedgerStore& store);

// The request in an earlier traitctl's <prefix>.cap.json; nullopt when the
// file does not exist. Parse error naming it and the fix.
[[nodiscard]] Result<std::optional<CapRequest>> read_legacy_cap_request(const std::filesystem::path& path);

// read_cap_request for the loop, once per cycle. A request that cannot be
// read gives its error once, for the loop to log, then nullopt while the
// same error persists (the loop keeps the cap it has); another error, or a
// good request, is reported anew.
class CapFileReader {
 public:
  explicit CapFileReader(LedgerStore store) : store_(std::move(store)) {}

  [[nodiscard]] Result<std::optional<CapRequest>> poll();

 private:
  LedgerStore store_;
  std::optional<std::string> reported_error_;
};

}  // namespace traitctl
