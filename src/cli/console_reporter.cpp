#include "traitctl/cli/console_reporter.hpp"

#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "traitctl/cli/advice.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/cli/wait_status.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

std::string retry_of(const BatchEvent& event) { return retry_label(event.retry_number, event.retry_budget); }

std::string class_of(const BatchEvent& event) {
  return event.classification ? std::string(to_string(event.classification->failure)) : "failure";
}

std::string seconds_until(const BatchEvent& event, TimePoint now) {
  if (!event.eligible_at) {
    return "0s";
  }
  return format_duration(std::chrono::ceil<std::chrono::seconds>(*event.eligible_at - now));
}

// The journal's keys beyond the fixed ones (docs/journal.md).
nlohmann::json details_of(const BatchEvent& event) {
  nlohmann::json details = nlohmann::json::object();
  if (event.attempt > 0) {
    details["attempt"] = event.attempt;
  }
  if (!event.status.empty()) {
    details["status"] = event.status;
  }
  if (!event.message.empty()) {
    details["reason"] = event.message;
  }
  if (event.calls > 0) {
    details["calls"] = event.calls;
  }
  if (!event.memory.empty()) {
    details["memory"] = event.memory;
    details["cpu"] = event.cpu;
  }
  if (event.duration) {
    details["duration_seconds"] = std::chrono::duration<double>(*event.duration).count();
  }
  if (event.facts) {
    const AttemptFacts& facts = *event.facts;
    const auto time_or_null = [](const std::optional<TimePoint>& time) {
      return time ? nlohmann::json(format_utc(*time)) : nlohmann::json(nullptr);
    };
    details["started_at"] = time_or_null(facts.started_at);
    details["ended_at"] = time_or_null(facts.ended_at);
    details["node"] = facts.node ? nlohmann::json(*facts.node) : nlohmann::json(nullptr);
    details["peak_memory_bytes"] =
        facts.peak_memory_bytes ? nlohmann::json(*facts.peak_memory_bytes) : nlohmann::json(nullptr);
    details["cpu_seconds"] = facts.cpu_seconds ? nlohmann::json(*facts.cpu_seconds) : nlohmann::json(nullptr);
  }
  if (event.memory_tier) {
    details["tier"] = *event.memory_tier;
  }
  if (!event.nodes.empty()) {
    details["nodes"] = event.nodes;
  }
  if (event.retry_number > 0) {
    details["retry"] = event.retry_number;
    details["retry_budget"] = event.retry_budget;
  }
  if (event.manual) {
    details["manual"] = true;
  }
  if (const auto& classification = event.classification) {
    details["class"] = to_string(classification->failure);
    details["evidence"] = classification->evidence;
    if (classification->exit_code) {
      details["exit_code"] = *classification->exit_code;
    }
    if (classification->reason) {
      details["container_reason"] = *classification->reason;
    }
  }
  if (event.eligible_at) {
    details["eligible_at"] = format_utc(*event.eligible_at);
  }
  switch (event.kind) {
    case EventKind::SubmitFailed:
    case EventKind::SubmitUnconfirmed:
    case EventKind::DeleteFailed:
    case EventKind::ResubmitFailed:
    case EventKind::EvidenceFailed:
    case EventKind::ListingFailed: details["tried_again"] = event.again; break;
    default: break;
  }
  return details;
}

}  // namespace

ConsoleReporter::ConsoleReporter(Journal* journal, StatusLine& status_line, std::string remaining_label,
                                 bool plan_on_stdout, std::string backend)
    : journal_(journal),
      status_line_(status_line),
      remaining_label_(std::move(remaining_label)),
      plan_on_stdout_(plan_on_stdout),
      backend_(std::move(backend)) {}

void ConsoleReporter::on_event(const BatchEvent& event) {
  print(event);
  record(event);
}

void ConsoleReporter::record(const BatchEvent& event) {
  if (journal_ == nullptr || !is_journaled(event.kind)) {
    return;
  }
  if (event.cap) {  // cap-lowered, cap-raised, cap-set
    journal_->record(JournalEvent{std::string(journal_event(event.cap->event)), std::nullopt, std::nullopt,
                                  journal_details(*event.cap)});
    return;
  }
  std::optional<int> trait;
  std::optional<std::string> job;
  if (event.trait > 0) {
    trait = event.trait;
    job = event.job;
  }
  journal_->record(JournalEvent{std::string(to_string(event.kind)), trait, job, details_of(event)});
}

void ConsoleReporter::print(const BatchEvent& event) const {
  const int trait = event.trait;
  const std::string status = printable(event.status);
  const std::string message = printable(event.message);
  const std::string again = event.again ? "; trying again next cycle" : "";
  switch (event.kind) {
    case EventKind::Submitting: report(Tag::Submit, "Trait {} (job: {})", trait, event.job); return;
    case EventKind::Submitted:
      if (!event.message.empty()) {
        report(Tag::Info, "Trait {} was submitted after all: {}", trait, message);
      } else if (event.calls > 1) {
        report(Tag::Success, "Trait {} submitted after {} tries", trait, event.calls);
      }
      return;
    case EventKind::Existing:
      report(Tag::Skip, "Trait {} - job {} already exists{}", trait, event.job,
             status.empty() ? "" : fmt::format(" ({})", status));
      return;
    case EventKind::SubmitFailed:
      report(event.again ? Tag::Warning : Tag::Failed, "Trait {} - submission failed: {}{}", trait, message,
             again);
      return;
    case EventKind::SubmitUnconfirmed:
      report(Tag::Warning,
             "Trait {} - no answer to the submission ({}); it counts against the cap until a "
             "listing shows it",
             trait, message);
      return;
    case EventKind::Completed: report(Tag::Success, "Trait {} completed ({})", trait, event.job); return;
    case EventKind::JobFailed:
      report(Tag::Failed, "Trait {} - job {} failed ({}); {}", trait, event.job, status,
             log_hint(trait, event.attempt, backend_));
      return;
    case EventKind::Stopped:
      report(Tag::Warning, "Trait {} - job {} was stopped ({}): it never completed", trait, event.job,
             status);
      return;
    case EventKind::Vanished:
      report(Tag::Warning, "Trait {} - job {} is gone, and traitctl did not delete it", trait, event.job);
      return;
    case EventKind::Classified:
      report(Tag::Info, "Trait {}: {} ({})", trait, failure_reason(event.classification->failure),
             printable(event.classification->evidence));
      return;
    case EventKind::NotRetryable: report(Tag::Skip, "Trait {} - {}: not retried", trait, message); return;
    case EventKind::OutOfRetries:
      report(Tag::Failed, "Trait {} is out of retries: {} used ({})", trait,
             retry_label(event.retry_number, event.retry_budget), class_of(event));
      return;
    case EventKind::Backoff:
      report(Tag::Wait, "Trait {}: {} ({}) in {}", trait, retry_of(event), class_of(event),
             seconds_until(event, std::chrono::system_clock::now()));
      return;
    case EventKind::Deferred:
      report(Tag::Info, "Trait {}: {} ({}) becomes eligible at {}; left for a later run", trait,
             retry_of(event), class_of(event), format_utc(*event.eligible_at));
      return;
    case EventKind::WouldRetry: {
      const std::string plan =
          event.manual || !event.classification
              ? fmt::format("Would resubmit trait {} ({})", trait,
                            status.empty() ? "no job listed" : fmt::format("job {}: {}", event.job, status))
              : fmt::format("Would retry trait {} ({}, {})", trait, retry_of(event), class_of(event));
      if (plan_on_stdout_) {
        status_line_.clear_then([&plan] { fmt::print("{}\n", plan); });
      } else {
        report(Tag::DryRun, "{}", plan);
      }
      return;
    }
    case EventKind::EvidenceFailed:
      report(Tag::Warning, "Trait {}: could not tell why {} failed: {}{}", trait, event.job, message, again);
      return;
    case EventKind::ChangedBeforeDelete:
      report(Tag::Warning, "Trait {}: the job is no longer failed ({}); not deleting it", trait, status);
      return;
    case EventKind::Deleting: report(Tag::Info, "Deleting {} ({})...", event.job, status); return;
    case EventKind::DeleteFailed:
      report(event.again ? Tag::Warning : Tag::Failed, "Deleting {} failed: {}{}", event.job, message, again);
      return;
    case EventKind::Gone: spdlog::debug("{} is gone", event.job); return;
    case EventKind::NameHeld:
      report(Tag::Warning, "Trait {}: the name {} is still taken by the old job; waiting for it to go", trait,
             event.job);
      return;
    case EventKind::Resubmitting:
      if (event.manual) {
        report(Tag::Info, "Resubmitting trait {} (manual, attempt {})...", trait, event.attempt);
      } else {
        report(Tag::Info, "Resubmitting trait {} ({}, attempt {}, memory {})...", trait, retry_of(event),
               event.attempt, printable(event.memory));
      }
      return;
    case EventKind::Resubmitted:
      report(Tag::Success, "Trait {} resubmitted (attempt {})", trait, event.attempt);
      return;
    case EventKind::ResubmitFailed:
      report(event.again ? Tag::Warning : Tag::Failed, "Resubmitting trait {} failed: {}{}", trait, message,
             again);
      return;
    case EventKind::OutputsNotVisible:
      report(
          Tag::Warning,
          "The outputs folder {} is not visible from this machine: completion is judged by exit codes alone",
          message);
      return;
    case EventKind::ListingFailed:
      report(event.again ? Tag::Warning : Tag::Failed, "Listing the batch failed: {}{}", message, again);
      return;
    case EventKind::SubmissionStopped:
      report(Tag::Failed,
             "No new trait is submitted: {} (the limit is {}); every further trait would fail the same way. "
             "Jobs already running go on. Fix it, then run again: {}",
             message, event.retry_budget,
             printable(event.classification ? event.classification->evidence : ""));
      return;
    case EventKind::CapChanged: report(Tag::Cap, "{}", message); return;
    case EventKind::CapFileUnreadable: report(Tag::Warning, "{}; the cap stays as it is", message); return;
    case EventKind::MemoryTierLearned:
      report(Tag::Info, "The batch learned its memory tier: traits not yet submitted start at {} ({})",
             printable(event.memory), message);
      return;
    case EventKind::NodeAvoided:
      report(Tag::Warning, "New jobs avoid the suspect node{} {}: {}", event.nodes.size() == 1 ? "" : "s",
             printable(fmt::format("{}", fmt::join(event.nodes, ", "))), message);
      return;
    case EventKind::OversizedJob:
      report(Tag::Warning,
             "Trait {} ({} CPU, {} memory) is larger than the whole resource budget: it starts alone, and "
             "nothing else of the batch starts until it ends",
             trait, printable(event.cpu), printable(event.memory));
      return;
  }
}

void ConsoleReporter::on_waiting(const WaitProgress& progress) {
  WaitProgress shown = progress;
  shown.next_poll = Duration{0};
  if (last_wait_ == shown) {
    return;  // nothing changed since the last [WAIT] line
  }
  last_wait_ = shown;
  if (!status_line_.enabled()) {
    report(Tag::Wait, "{}",
           wait_status(progress, remaining_label_).substr(std::string_view("[WAIT] ").size()));
  }
  if (journal_ != nullptr) {
    journal_->record({"waited",
                      std::nullopt,
                      std::nullopt,
                      {{"active", progress.active},
                       {"max_concurrent", progress.max_concurrent},
                       {"remaining", progress.remaining},
                       {"in_backoff", progress.in_backoff},
                       {"next_check_seconds", std::chrono::duration<double>(progress.next_poll).count()}}});
  }
}

void ConsoleReporter::on_wait_tick(const WaitProgress& progress) {
  status_line_.show(wait_status(progress, remaining_label_));
}

}  // namespace traitctl
