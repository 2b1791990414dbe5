#include "traitctl/cli/inspection.hpp"

#include <spdlog/spdlog.h>

namespace traitctl {
namespace {

std::optional<FailureClass> class_of(const JournalEntry& entry) {
  const auto found = entry.event.details.find("class");
  if (found == entry.event.details.end() || !found->is_string()) {
    return std::nullopt;
  }
  auto failure = failure_class_from_string(found->get<std::string>());
  return failure ? std::optional<FailureClass>(*failure) : std::nullopt;
}

int int_detail(const JournalEntry& entry, const char* key) {
  const auto found = entry.event.details.find(key);
  return found != entry.event.details.end() && found->is_number_integer() ? found->get<int>() : 0;
}

}  // namespace

Result<LookingGlass> open_for_looking(const BackendOptions& options, const BatchContext& context,
                                      Clock& clock, const CancelToken& cancel) {
  auto store = LedgerStore::open(context.state_dir, context.settings.project, context.settings.prefix);
  if (!store) {
    return store.error();
  }
  auto backend = open_backend(options, context, BackendAccess::Inspect, clock, cancel);
  if (!backend) {
    return backend.error();
  }
  return LookingGlass{std::move(*store), std::move(*backend)};
}

Result<LookingGlass> open_offline(const BackendOptions& options, const BatchContext& context, Clock& clock,
                                  const CancelToken& cancel) {
  if (is_local(options) || is_slurm(options)) {
    return open_for_looking(options, context, clock, cancel);
  }
  auto store = LedgerStore::open(context.state_dir, context.settings.project, context.settings.prefix);
  if (!store) {
    return store.error();
  }
  return LookingGlass{std::move(*store), nullptr};
}

Result<Inspection> inspect(const BatchContext& context, Backend& backend, const LedgerStore& store,
                           TimePoint now) {
  auto listing = backend.list_workloads();
  if (!listing) {
    return listing.error();
  }
  auto ledger = store.load();
  if (!ledger) {
    return ledger.error();
  }
  auto journal = read_journal(context.state_dir, context.settings.project, context.settings.prefix);
  if (!journal) {
    return journal.error();
  }
  return Inspection{view_batch(context.settings.prefix, *listing), std::move(*ledger), std::move(*journal),
                    now};
}

RetryPolicy policy_seen(const std::vector<JournalEntry>& journal, const BatchSettings& settings) {
  RetryPolicy policy;
  policy.memory_steps = static_cast<int>(settings.memory_ladder.size());
  for (const JournalEntry& entry : journal) {
    const int budget = int_detail(entry, "retry_budget");
    const auto failure = class_of(entry);
    if (budget <= 0 || !failure) {
      continue;
    }
    if (*failure == FailureClass::Mount || *failure == FailureClass::Infrastructure) {
      policy.max_retries = budget;
    } else if (*failure == FailureClass::Incomplete) {
      policy.max_incomplete_retries = budget;
    }
  }
  return policy;
}

std::map<int, PlannedRetry> planned_retries(const std::vector<JournalEntry>& journal, const Ledger& ledger) {
  std::map<int, const JournalEntry*> latest;
  for (const JournalEntry& entry : journal) {
    if (entry.event.trait) {
      latest[*entry.event.trait] = &entry;
    }
  }
  std::map<int, PlannedRetry> planned;
  for (const auto& [trait, entry] : latest) {
    const bool deferred = entry->event.event == "deferred";
    if (!deferred && entry->event.event != "backoff") {
      continue;
    }
    const auto record = ledger.traits.find(trait);
    if (record == ledger.traits.end() || !record->second.failure_first_seen ||
        entry->time < *record->second.failure_first_seen) {
      continue;  // about an earlier failure
    }
    const auto eligible = entry->event.details.find("eligible_at");
    if (eligible == entry->event.details.end() || !eligible->is_string()) {
      continue;
    }
    auto eligible_at = parse_utc(eligible->get<std::string>());
    if (!eligible_at) {
      continue;
    }
    planned[trait] =
        PlannedRetry{*eligible_at, int_detail(*entry, "retry"), int_detail(*entry, "retry_budget"), deferred};
  }
  return planned;
}

void ViewClassifier::classify(Backend& backend, const BatchView& view, const BatchStatus& status,
                              const CancelToken& cancel,
                              const std::function<void(std::size_t count)>& before_asking) {
  classified_.clear();
  unclassifiable_.clear();
  if (!enabled_) {
    return;
  }
  std::vector<std::pair<JobKey, const Workload*>> to_ask;
  for (const TraitStatus& trait : status.traits) {
    const auto job = view.jobs.find(trait.trait);
    if (trait.state != TraitState::Failed || trait.failure || job == view.jobs.end()) {
      continue;
    }
    JobKey key{trait.trait, trait.attempts, job->second.name, job->second.id};
    if (const auto known = answers_.find(key); known != answers_.end()) {
      classified_[trait.trait] = known->second;
    } else {
      to_ask.emplace_back(std::move(key), &job->second);
    }
  }
  if (to_ask.empty()) {
    return;
  }
  if (before_asking) {
    before_asking(to_ask.size());
  }
  const ClassifierPolicy policy;
  for (const auto& [key, job] : to_ask) {
    if (cancel.stop_requested()) {
      return;
    }
    const int trait = std::get<0>(key);
    auto evidence = backend.failure_evidence(*job);
    if (!evidence) {
      spdlog::debug("could not ask why {} failed: {}", job->name, evidence.error().message);
      unclassifiable_[trait] = "could not ask why: " + evidence.error().message;
      continue;
    }
    Classification classification = classify_failure(*evidence, policy);
    answers_[key] = classification;
    classified_[trait] = std::move(classification);
  }
}

std::map<int, FailureClass> ViewClassifier::classes() const {
  std::map<int, FailureClass> classes;
  for (const auto& [trait, classification] : classified_) {
    classes[trait] = classification.failure;
  }
  return classes;
}

BatchLook look_at(const BatchContext& context, const Inspection& inspection, Backend& backend,
                  ViewClassifier& classifier, const CancelToken& cancel,
                  const std::function<void(std::size_t count)>& before_asking) {
  BatchLook look;
  look.policy = policy_seen(inspection.journal, context.settings);
  const BatchStatus unclassified =
      summarize_batch(inspection.view, context.traits, inspection.ledger, look.policy);
  classifier.classify(backend, inspection.view, unclassified, cancel, before_asking);
  look.status =
      summarize_batch(inspection.view, context.traits, inspection.ledger, look.policy, classifier.classes());
  const std::map<int, PlannedRetry> planned = planned_retries(inspection.journal, inspection.ledger);
  look.rows = trait_rows(RowSources{look.status, inspection.ledger, classifier.classified(),
                                    classifier.unclassifiable(), planned, look.policy,
                                    context.settings.memory_ladder});
  return look;
}

}  // namespace traitctl
