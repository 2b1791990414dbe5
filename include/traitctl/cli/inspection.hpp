// What `status`, `describe` and `logs` share: a batch looked at without
// changing anything — one listing, the ledger (read without the batch lock:
// it is replaced atomically) and the journal — and the rows built from them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/common.hpp"
#include "traitctl/core/backend.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/trait_view.hpp"

namespace traitctl {

// What a command that only looks opens: the batch's ledger store and its
// backend, for Inspect (never changing the batch).
struct LookingGlass {
  LedgerStore store;
  std::unique_ptr<Backend> backend;
};

// `clock` and `cancel` must outlive the backend. Errors: the store's
// (a bad project or prefix) and open_backend's.
[[nodiscard]] Result<LookingGlass> open_for_looking(const BackendOptions& options,
                                                    const BatchContext& context, Clock& clock,
                                                    const CancelToken& cancel);

// For a look from the batch's state alone (`report`): open_for_looking for
// the host backends, whose records and logs are on this machine; for Run:ai
// the store only (backend null), so that no runai CLI is needed.
[[nodiscard]] Result<LookingGlass> open_offline(const BackendOptions& options, const BatchContext& context,
                                                Clock& clock, const CancelToken& cancel);

struct Inspection {
  BatchView view;
  Ledger ledger;
  std::vector<JournalEntry> journal;  // the batch's lines
  TimePoint taken_at;
};

// One listing, the ledger, the journal. Errors: the listing's, or a ledger
// or journal that cannot be read (the ledger is never reset).
[[nodiscard]] Result<Inspection> inspect(const BatchContext& context, Backend& backend,
                                         const LedgerStore& store, TimePoint now);

// The retry policy the batch's loop showed in the journal (the budgets of its
// backoff and out-of-retries events), with a step per MEMORY_LADDER tier; the
// defaults for what the journal does not show.
[[nodiscard]] RetryPolicy policy_seen(const std::vector<JournalEntry>& journal,
                                      const BatchSettings& settings);

// Per trait, what the journal's latest backoff or deferred event planned for
// the trait's current failure: only when nothing about the trait was
// journaled after it, and not before the ledger first saw the failure.
[[nodiscard]] std::map<int, PlannedRetry> planned_retries(const std::vector<JournalEntry>& journal,
                                                          const Ledger& ledger);

// Classifies, for the view only, failed jobs the ledger has not classified
// (a batch run by plain `submit`): the backend's evidence and classify_failure
// with the default ClassifierPolicy, as `retry` would. Never writes the
// ledger. Remembers each job attempt's answer, so a watch asks once per job.
class ViewClassifier {
 public:
  explicit ViewClassifier(bool enabled) : enabled_(enabled) {}

  // Asks about every failed job of `status` without a class (one evidence
  // call each), until `cancel` is set. `before_asking(count)` runs first
  // when there is anything to ask.
  void classify(Backend& backend, const BatchView& view, const BatchStatus& status, const CancelToken& cancel,
                const std::function<void(std::size_t count)>& before_asking);

  [[nodiscard]] const std::map<int, Classification>& classified() const { return classified_; }
  [[nodiscard]] const std::map<int, std::string>& unclassifiable() const { return unclassifiable_; }
  [[nodiscard]] std::map<int, FailureClass> classes() const;

 private:
  using JobKey = std::tuple<int, int, std::string, std::string>;  // trait, attempt, name, id
  bool enabled_;
  std::map<JobKey, Classification> answers_;
  std::map<int, Classification> classified_;
  std::map<int, std::string> unclassifiable_;
};

struct BatchLook {
  BatchStatus status;
  std::vector<TraitRow> rows;  // one per trait of the range
  RetryPolicy policy;
};

// The batch's rows: `classifier` is asked first about failures the ledger
// has not classified.
[[nodiscard]] BatchLook look_at(const BatchContext& context, const Inspection& inspection, Backend& backend,
                                ViewClassifier& classifier, const CancelToken& cancel,
                                const std::function<void(std::size_t count)>& before_asking = {});

}  // namespace traitctl
