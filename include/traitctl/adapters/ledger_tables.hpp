// The ledger in the batch database's tables (docs/state.md): the batch row,
// one row per trait, one per attempt, and the cap requests of `traitctl cap`.
// Each function runs inside a transaction its caller holds; the stores
// (adapters/ledger_store.hpp, adapters/cap_file.hpp) decide when.
#pragma once

#include <optional>
#include <set>
#include <vector>

#include "traitctl/adapters/sqlite.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

// The whole ledger. Parse error naming the file and the value that is not
// what traitctl writes (a hand-edited row), Io error otherwise.
[[nodiscard]] Result<Ledger> read_ledger_tables(sqlite::Database& db);

// What differs between what the database holds (`before`; null: nothing)
// and `after`: the batch row, and those of the `touched` traits added,
// changed or gone. Only the touched traits are compared: the caller names
// every trait whose record may have changed (BatchPlan::record), so that a
// cycle's cost follows what it changed, not the size of the batch.
struct LedgerChanges {
  bool batch_row = false;
  std::vector<int> traits;
  [[nodiscard]] bool empty() const { return !batch_row && traits.empty(); }
};
[[nodiscard]] LedgerChanges ledger_changes(const Ledger* before, const Ledger& after,
                                           const std::set<int>& touched);
// Every trait of the ledger, as `touched` for a ledger written whole.
[[nodiscard]] std::set<int> every_trait(const Ledger& ledger);

// Writes those changes: the batch row, changed or new trait and attempt rows;
// rows of traits or attempts `after` no longer has are deleted.
[[nodiscard]] Result<void> write_ledger_changes(sqlite::Database& db, const Ledger* before, const Ledger& after,
                                                const LedgerChanges& changes);
// `before` made equal to `after` by copying only the changed rows, so that
// a cycle's cost follows what it changed, not the batch.
void apply_ledger_changes(Ledger& before, const Ledger& after, const LedgerChanges& changes);

// A `traitctl cap` request, kept with those before it.
[[nodiscard]] Result<void> insert_cap_request(sqlite::Database& db, const CapRequest& request);
// The latest cap request; nullopt when there is none.
[[nodiscard]] Result<std::optional<CapRequest>> read_latest_cap_request(sqlite::Database& db);

}  // namespace traitctl
