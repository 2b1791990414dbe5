// The ledger in the batch database's tables (docs/state.md): the batch row,
// one row per trait, one per attempt, and the cap requests of `traitctl cap`.
// Each function runs inside a transaction its caller holds; the stores
// (adapters/ledger_store.hpp, adapters/cap_file.hpp) decide when.
#pragma once

#include <optional>

#include "traitctl/adapters/sqlite.hpp"
#include "traitctl/core/concurrency.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

// The whole ledger. Parse error naming the file and the value that is not
// what traitctl writes (a hand-edited row), Io error otherwise.
[[nodiscard]] Result<Ledger> read_ledger_tables(sqlite::Database& db);

// Writes the rows of `after` that differ from `before` (everything when
// `before` is null): the batch row, changed or new trait and attempt rows;
// rows of traits or attempts `after` no longer has are deleted.
[[nodiscard]] Result<void> write_ledger_changes(sqlite::Database& db, const Ledger* before, const Ledger& after);

// A `traitctl cap` request, kept with those before it.
[[nodiscard]] Result<void> insert_cap_request(sqlite::Database& db, const CapRequest& request);
// The latest cap request; nullopt when there is none.
[[nodiscard]] Result<std::optional<CapRequest>> read_latest_cap_request(sqlite::Database& db);

}  // namespace traitctl
