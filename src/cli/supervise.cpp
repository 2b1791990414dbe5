#include "traitctl/cli/supervise.hpp"

#include <fmt/chrono.h>
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <utility>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/wait_status.hpp"
#include "traitctl/config/job_builder.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr Duration min_retry_delay{1'000};
constexpr Duration max_retry_delay{300'000};

std::string_view command_name(Outcome outcome) {
  switch (outcome) {
    case Outcome::Retry: return "retry";
    case Outcome::Resubmit: return "resubmit";
    case Outcome::Run: return "run";
  }
  return "retry";
}

double seconds(Duration duration) { return std::chrono::duration<double>(duration).count(); }

// Progress lines on stderr and one journal event per step. Waits show as the
// live status line on a terminal, as [WAIT] lines elsewhere.
class ConsoleRetryObserver final : public RetryObserver {
 public:
  ConsoleRetryObserver(const std::string& prefix, int max_retries, Journal* journal, StatusLine& status_line)
      : prefix_(prefix), max_retries_(max_retries), journal_(journal), status_line_(status_line) {}

  void on_analyzing(const BatchJob& job) override { report(Tag::Info, "Analyzing: {}", job.name); }
  void on_classified(const BatchJob& job, FailureClass failure) override {
    if (is_retryable(failure)) {
      spdlog::info("  \u2192 Retryable: {}", failure_reason(failure));
    }
    record("classified", job.trait, {{"class", to_string(failure)}, {"status", job.status}});
  }
  void on_not_retryable(const BatchJob& job, const std::string& reason) override {
    spdlog::info("  \u2192 Not retryable, skipping ({})", reason);
    record("skipped", job.trait, {{"reason", reason}});
  }
  void on_out_of_retries(int trait, int retries_used) override {
    report(Tag::Failed, "Trait {} is out of retries ({} of {} used)", trait, retries_used, max_retries_);
    record("out-of-retries", trait, {{"retries", retries_used}});
  }
  void on_backoff(int trait, Duration remaining, int retry_number) override {
    // The engine repeats a backoff every cycle; on a terminal the status line
    // counts it, so only its start gets a line.
    const bool repeated = !announced_backoffs_.emplace(trait, retry_number).second;
    if (repeated && status_line_.enabled()) {
      return;
    }
    report(Tag::Wait, "Trait {}: retry {}/{} in {:.0f}s (backoff)", trait, retry_number, max_retries_,
           seconds(remaining));
  }
  void on_would_retry(int trait, FailureClass failure, int retry_number) override {
    if (retry_number == 0) {
      report(Tag::DryRun, "Would resubmit trait {}", trait);
    } else {
      report(Tag::DryRun, "Would retry trait {} ({} detected, attempt {}/{})", trait, failure_reason(failure),
             retry_number, max_retries_);
    }
  }
  void on_changed_before_delete(int trait, const std::string& status) override {
    report(Tag::Warning, "Trait {}: the job is no longer failed ({}); not deleting it", trait,
           printable(status));
    record("skipped", trait, {{"reason", "changed before delete"}, {"status", status}});
  }
  void on_deleting(const std::string& job) override {
    report(Tag::Info, "Deleting failed job {}...", job);
    record("deleted", batch_trait(prefix_, job), {}, job);
  }
  void on_delete_failed(const std::string& job, const std::string& error) override {
    report(Tag::Failed, "Deleting {} failed: {}", job, error);
    record("failed", batch_trait(prefix_, job), {{"reason", error}}, job);
  }
  void on_resubmitting(int trait, int retry_number, bool manual) override {
    if (manual) {
      report(Tag::Info, "Resubmitting trait {} (manual)...", trait);
    } else {
      report(Tag::Info, "Resubmitting trait {} (attempt {}/{})...", trait, retry_number, max_retries_);
    }
  }
  void on_resubmitted(int trait, int attempt) override {
    report(Tag::Success, "Trait {} resubmitted", trait);
    record("resubmitted", trait, {{"attempt", attempt}});
  }
  void on_resubmit_failed(int trait, const std::string& error) override {
    report(Tag::Failed, "Resubmission failed: {}", error);
    record("failed", trait, {{"reason", error}});
  }
  void on_submitting(const JobSpec& spec) override {
    report(Tag::Submit, "Trait {} (job: {})", spec.trait, spec.name);
  }
  void on_submitted(int trait) override { record("submitted", trait, {{"attempt", 1}}); }
  void on_submit_failed(int trait, const std::string& error) override {
    report(Tag::Failed, "Trait {} - submission failed: {}", trait, error);
    record("failed", trait, {{"reason", error}});
  }
  void on_waiting(const WaitProgress& progress) override {
    if (!status_line_.enabled()) {
      report(Tag::Wait, "{} active jobs in batch (max: {}). Next check in {:.1f}s", progress.active,
             progress.max_concurrent, seconds(progress.next_poll));
    }
  }
  void on_wait_tick(const WaitProgress& progress) override {
    status_line_.show(wait_status(progress, "to settle"));
  }

 private:
  void record(std::string event, std::optional<int> trait, nlohmann::json details,
              std::optional<std::string> job = std::nullopt) {
    if (journal_ == nullptr) {
      return;
    }
    if (!job && trait) {
      job = job_name(prefix_, *trait);
    }
    journal_->record(JournalEvent{std::move(event), trait, std::move(job), std::move(details)});
  }

  std::string prefix_;
  int max_retries_;
  Journal* journal_;
  StatusLine& status_line_;
  std::set<std::pair<int, int>> announced_backoffs_;  // (trait, retry number)
};

nlohmann::json trait_map(const std::map<int, std::string>& entries) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [trait, text] : entries) {
    object[std::to_string(trait)] = text;
  }
  return object;
}

// " (traits 2, 15)" after a count, so the report names them; "" for none.
std::string named(const std::vector<int>& traits) {
  return traits.empty() ? "" : fmt::format(" (traits {})", fmt::join(traits, ", "));
}

int count_of(const RetryReport& summary, FailureClass failure) {
  const auto found = summary.by_class.find(failure);
  return found == summary.by_class.end() ? 0 : found->second;
}

void print_report(Outcome outcome, const RetryReport& summary, const BatchContext& context, bool json,
                  Duration wall_time) {
  if (json) {
    nlohmann::json deferred = nlohmann::json::object();
    for (const auto& [trait, eligible_at] : summary.deferred) {
      deferred[std::to_string(trait)] = format_utc(eligible_at);
    }
    nlohmann::json result{{"command", command_name(outcome)},
                          {"prefix", context.settings.prefix},
                          {"project", context.settings.project},
                          {"failed_jobs_found", summary.failed_found},
                          {"mount_failures", count_of(summary, FailureClass::Mount)},
                          {"configuration_errors", count_of(summary, FailureClass::Config)},
                          {"oom", count_of(summary, FailureClass::Oom)},
                          {"timeouts", count_of(summary, FailureClass::Timeout)},
                          {"incomplete", count_of(summary, FailureClass::Incomplete)},
                          {"infrastructure", count_of(summary, FailureClass::Infrastructure)},
                          {"unknown", count_of(summary, FailureClass::Unknown)},
                          {"retried", summary.retried},
                          {"resubmitted_manually", summary.resubmitted_manually},
                          {"would_retry", summary.would_retry},
                          {"succeeded_after_retry", summary.succeeded_after_retry},
                          {"out_of_retries", summary.out_of_retries},
                          {"resubmission_failures", trait_map(summary.resubmission_failures)},
                          {"skipped", trait_map(summary.not_retryable)},
                          {"deferred", deferred},
                          {"interrupted", summary.interrupted}};
    if (outcome == Outcome::Run) {
      result["submitted"] = summary.submitted;
      result["completed"] = summary.completed;
      result["submission_failures"] = trait_map(summary.submission_failures);
      result["total"] = context.traits.size();
      result["wall_seconds"] = seconds(wall_time);
    }
    if (summary.fatal) {
      result["error"] = summary.fatal->message;
    }
    std::cout << result.dump(2) << '\n';
    return;
  }
  spdlog::info("");
  report(Tag::Info, "Statistics:");
  if (outcome == Outcome::Run) {
    spdlog::info("  Traits:                    {}", context.traits.size());
    spdlog::info("  Submitted:                 {}", summary.submitted.size());
    spdlog::info("  Completed:                 {}", summary.completed.size());
    spdlog::info("  Submission failures:       {}", summary.submission_failures.size());
  }
  spdlog::info("  Failed jobs found:         {}", summary.failed_found);
  spdlog::info("  Mount failures:            {}", count_of(summary, FailureClass::Mount));
  spdlog::info("  Configuration errors:      {}", count_of(summary, FailureClass::Config));
  spdlog::info("  Out of memory:             {}", count_of(summary, FailureClass::Oom));
  spdlog::info("  Unknown:                   {}", count_of(summary, FailureClass::Unknown));
  // Classes that need a --job-timeout, the engine's output check or a
  // cluster that reports them: shown when they happened.
  for (const auto& [failure, label] :
       {std::pair{FailureClass::Timeout, "Timed out:                 "},
        std::pair{FailureClass::Incomplete, "Incomplete outputs:        "},
        std::pair{FailureClass::Infrastructure, "Infrastructure:            "}}) {
    if (count_of(summary, failure) > 0) {
      spdlog::info("  {}{}", label, count_of(summary, failure));
    }
  }
  spdlog::info("  Retried:                   {}",
               summary.retried.size() + summary.resubmitted_manually.size());
  spdlog::info("  Succeeded after retry:     {}", summary.succeeded_after_retry.size());
  std::vector<int> not_retryable;
  for (const auto& [trait, reason] : summary.not_retryable) {
    not_retryable.push_back(trait);
  }
  spdlog::info("  Out of retries:            {}{}", summary.out_of_retries.size(),
               named(summary.out_of_retries));
  spdlog::info("  Resubmission failures:     {}", summary.resubmission_failures.size());
  spdlog::info("  Skipped (not retryable):   {}{}", not_retryable.size(), named(not_retryable));
  for (const auto& [trait, eligible_at] : summary.deferred) {
    spdlog::info("  Trait {} becomes eligible for retry at {}", trait, format_utc(eligible_at));
  }
  if (outcome == Outcome::Run) {
    spdlog::info("  Wall time:                 {:.1f}s", seconds(wall_time));
  }
}

int exit_code(Outcome outcome, const RetryReport& summary) {
  if (summary.fatal) {
    return fail_with(*summary.fatal);
  }
  if (summary.interrupted) {
    report(Tag::Warning, "Interrupted: nothing new was started. Run the same command again to continue.");
    return to_int(ExitCode::Interrupted);
  }
  switch (outcome) {
    case Outcome::Retry: return to_int(ExitCode::Success);
    case Outcome::Resubmit:
      return to_int(summary.resubmission_failures.empty() ? ExitCode::Success : ExitCode::Failure);
    case Outcome::Run:
      if (!summary.submission_failures.empty() || !summary.resubmission_failures.empty()) {
        return to_int(ExitCode::Failure);
      }
      return to_int(summary.out_of_retries.empty() && summary.not_retryable.empty() ? ExitCode::Success
                                                                                    : ExitCode::BatchFailed);
  }
  return to_int(ExitCode::Success);
}

}  // namespace

void add_supervision_options(CLI::App& command, SupervisionOptions& options, bool with_policy) {
  if (with_policy) {
    command
        .add_option("--max-retries", options.max_retries,
                    "Automatic retries per trait over the batch's whole life (1-10)")
        ->check(CLI::Range(1, 10))
        ->capture_default_str();
    command
        .add_option("--retry-delay", options.retry_delay,
                    "Backoff before the 2nd retry, doubled for each later one (1s-300s)")
        ->capture_default_str();
    command.add_option("--max-delay", options.max_delay, "The longest backoff")->capture_default_str();
    command
        .add_option(
            "--retry-exit-code", options.retry_exit_codes,
            fmt::format("Another container exit code that marks a mount failure, retried (repeatable; "
                        "added to the defaults: {})",
                        fmt::join(ClassifierPolicy{}.mount_exit_codes, ", ")))
        ->check(CLI::Range(1, 255));
    command.add_option(
        "--mount-failure-pattern", options.mount_failure_patterns,
        fmt::format("Another log line fragment (any case) that marks a mount failure when no exit "
                    "code is known (repeatable; added to the defaults: {})",
                    fmt::join(ClassifierPolicy{}.mount_patterns, ", ")));
  }
  command.add_option("--max-concurrent", options.max_concurrent,
                     "Most jobs of this batch active at once (MAX_CONCURRENT, default 50)");
  command
      .add_option("--poll-interval", options.poll_interval,
                  "How often to look at the cluster while waiting; a terminal counts down to it")
      ->capture_default_str();
  command
      .add_option("--lock-timeout", options.lock_timeout,
                  "How long to wait for another traitctl working on this batch")
      ->capture_default_str();
  command.add_flag("--dry-run", options.dry_run, "Classify and show what would happen; change nothing");
  command.add_flag("-y,--yes", options.yes, "Do not ask for confirmation (required without a terminal)");
}

Result<Supervision> prepare_supervision(const BatchOptions& batch, const SupervisionOptions& options) {
  auto loaded = load_batch_context(batch);
  if (!loaded) {
    return loaded.error();
  }
  BatchContext& context = *loaded;
  BatchSettings& settings = context.settings;
  if (options.max_concurrent) {
    settings.max_concurrent = *options.max_concurrent;
  }
  auto cap = require_positive(settings.max_concurrent, "--max-concurrent (MAX_CONCURRENT)");
  if (!cap) {
    return cap.error();
  }
  RetryRequest request;
  request.prefix = settings.prefix;
  request.traits = context.traits;
  request.max_concurrent = *cap;
  request.policy.max_retries = options.max_retries;
  auto delay = parse_duration(options.retry_delay);
  if (!delay || *delay < min_retry_delay || *delay > max_retry_delay) {
    return make_error(ErrorKind::Usage, "--retry-delay '{}' must be a duration from 1s to 300s, e.g. 30s",
                      printable(options.retry_delay));
  }
  request.policy.retry_delay = *delay;
  auto max_delay = parse_duration(options.max_delay);
  if (!max_delay || *max_delay < *delay) {
    return make_error(ErrorKind::Usage, "--max-delay '{}' must be a duration of at least --retry-delay ({})",
                      printable(options.max_delay), options.retry_delay);
  }
  request.policy.max_delay = *max_delay;
  auto poll = parse_duration(options.poll_interval);
  if (!poll) {
    return make_error(ErrorKind::Usage, "--poll-interval: {}", poll.error().message);
  }
  request.poll_interval = *poll;
  // A failed runai call is tried again no later than the next look would be.
  request.submit_retry.delay = std::min(request.submit_retry.delay, *poll);
  request.confirm_interval = std::min(*poll, Duration{2'000});
  request.unlisted_grace = std::max(Duration{60'000}, *poll * 10);
  for (const int code : options.retry_exit_codes) {
    request.classifier.add_mount_exit_code(code);
  }
  for (const std::string& pattern : options.mount_failure_patterns) {
    if (pattern.empty()) {
      return make_error(ErrorKind::Usage,
                        "--mount-failure-pattern '' would match nothing: give a fragment of the log line");
    }
    request.classifier.add_mount_pattern(pattern);
  }
  request.dry_run = options.dry_run;
  request.job_for = [settings](int trait, int attempt) { return build_job_spec(settings, trait, attempt); };
  return Supervision{std::move(context), std::move(request)};
}

int supervise(Outcome outcome, const BatchContext& context, const SupervisionOptions& options,
              RetryRequest& request, Backend& backend, bool json) {
  CancelToken& cancel = install_stop_signals();
  const BatchSettings& settings = context.settings;
  if (!options.dry_run) {
    auto confirmed = confirm_or_require_yes(
        options.yes,
        fmt::format("{} batch {} in project {}?", outcome == Outcome::Run ? "Run" : "Retry failed jobs of",
                    settings.prefix, settings.project));
    if (!confirmed) {
      return fail_with(confirmed.error());
    }
    if (!*confirmed) {
      report(Tag::Info, "Aborted; nothing was changed.");
      return to_int(ExitCode::Failure);
    }
  }
  auto lock_timeout = parse_duration(options.lock_timeout);
  if (!lock_timeout) {
    return fail_with(make_error(ErrorKind::Usage, "--lock-timeout: {}", lock_timeout.error().message));
  }
  auto store = LedgerStore::open(context.state_dir, settings.project, settings.prefix);
  if (!store) {
    return fail_with(store.error());
  }
  std::optional<FileLock> lock;
  if (!options.dry_run) {
    auto acquired = store->lock(*lock_timeout, cancel);
    if (!acquired) {
      return fail_with(acquired.error());
    }
    lock.emplace(std::move(*acquired));
  }
  auto ledger = store->load();
  if (!ledger) {
    return fail_with(ledger.error());
  }
  SystemClock clock;
  std::optional<Journal> journal;
  if (!options.dry_run) {
    auto opened = Journal::open(context.state_dir, std::string(command_name(outcome)), settings.project,
                                settings.prefix, clock);
    if (!opened) {
      return fail_with(opened.error());
    }
    journal.emplace(std::move(*opened));
  }
  request.save_ledger = [&store](const Ledger& updated) { return store->save(updated); };
  ConsoleRetryObserver observer(settings.prefix, request.policy.max_retries, journal ? &*journal : nullptr,
                                stderr_status_line());
  const TimePoint started = clock.now();
  const RetryReport summary = supervise_batch(backend, clock, cancel, request, *ledger, observer);
  stderr_status_line().clear();  // before the report, which may go to the same terminal on stdout
  print_report(outcome, summary, context, json, std::chrono::duration_cast<Duration>(clock.now() - started));
  return exit_code(outcome, summary);
}

}  // namespace traitctl
