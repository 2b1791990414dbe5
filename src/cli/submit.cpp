// traitctl submit: submit PREFIX-<trait> jobs under the per-batch cap.
#include <fmt/ranges.h>

#include <CLI/CLI.hpp>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/wait_status.hpp"
#include "traitctl/config/job_builder.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/submitter.hpp"

namespace traitctl {
namespace {

struct SubmitOptions {
  BatchOptions batch;
  std::optional<int> max_concurrent;
  std::string poll_interval = "30s";
  int parallel = 4;
  std::string lock_timeout = "10s";
  bool dry_run = false;
  bool yes = false;
};

// Records when the batch's first submission started, once, in the ledger
// (for `status`'s elapsed time). A failed save only loses that time.
class BatchStart {
 public:
  BatchStart(const LedgerStore& store, Ledger ledger, const Clock& clock)
      : store_(store), ledger_(std::move(ledger)), clock_(clock) {}
  void submitting() {
    if (ledger_.first_submitted_at) {
      return;
    }
    record_batch_started(ledger_, clock_.now());
    if (auto saved = store_.save(ledger_); !saved) {
      report(Tag::Warning, "could not record the batch's start time: {}", saved.error().message);
    }
  }

 private:
  const LedgerStore& store_;
  Ledger ledger_;
  const Clock& clock_;
};

// Progress lines on stderr, and the same events in the journal. Waits show
// as the live status line on a terminal, as a [WAIT] line elsewhere.
class ConsoleObserver final : public SubmitObserver {
 public:
  ConsoleObserver(Journal& journal, BatchStart& start, StatusLine& status_line)
      : journal_(journal), start_(start), status_line_(status_line) {}

  void on_listing(const BatchView& view, int active) override {
    for (const auto& word : view.unknown_status_words) {
      spdlog::debug("status '{}' is not one traitctl knows; counting it as active", printable(word));
    }
    spdlog::debug("listing: {} jobs of the batch, {} active", view.jobs.size(), active);
  }
  void on_skipped(const BatchJob& existing) override {
    report(Tag::Skip, "Trait {} - job {} already exists ({})", existing.trait, existing.name,
           printable(existing.status));
    journal_.record({"skipped", existing.trait, existing.name, {{"status", existing.status}}});
  }
  void on_waiting(const WaitProgress& progress) override {
    const double next_check = std::chrono::duration<double>(progress.next_poll).count();
    if (!status_line_.enabled()) {
      report(Tag::Wait, "{} active jobs in batch (max: {}). Next check in {}s", progress.active,
             progress.max_concurrent, next_check);
    }
    journal_.record({"waited",
                     std::nullopt,
                     std::nullopt,
                     {{"active", progress.active},
                      {"max_concurrent", progress.max_concurrent},
                      {"next_check_seconds", next_check}}});
  }
  void on_wait_tick(const WaitProgress& progress) override {
    status_line_.show(wait_status(progress, "to submit"));
  }
  void on_submitting(const JobSpec& spec) override {
    report(Tag::Submit, "Trait {} (job: {})", spec.trait, spec.name);
    start_.submitting();
  }
  void on_submitted(const JobSpec& spec, const SubmitResult& result) override {
    if (result.calls > 1) {
      report(Tag::Success, "Trait {} submitted after {} tries", spec.trait, result.calls);
    }
    journal_.record({"submitted", spec.trait, spec.name, {{"calls", result.calls}}});
  }
  void on_submit_failed(const JobSpec& spec, const SubmitResult& result, bool again) override {
    report(again ? Tag::Warning : Tag::Failed, "Trait {} - submission failed after {} tries: {}{}",
           spec.trait, result.calls, result.error, again ? "; trying again next cycle" : "");
    journal_.record({"failed",
                     spec.trait,
                     spec.name,
                     {{"calls", result.calls}, {"reason", result.error}, {"tried_again", again}}});
  }
  void on_listing_failed(const Error& error) override {
    report(Tag::Warning, "Listing the batch failed: {}; trying again next cycle", error.message);
  }

 private:
  Journal& journal_;
  BatchStart& start_;
  StatusLine& status_line_;
};

// Peak memory at the cap, e.g. 50 x "32G" -> "1600G"; the raw product when
// MEMORY has a form we do not multiply.
std::string peak_memory(const std::string& memory, int jobs) {
  std::size_t digits = 0;
  while (digits < memory.size() && std::isdigit(static_cast<unsigned char>(memory[digits])) != 0) {
    ++digits;
  }
  auto amount = parse_int(memory.substr(0, digits), "MEMORY");
  if (digits == 0 || !amount) {
    return fmt::format("{} x {}", jobs, memory);
  }
  return fmt::format("{}{}", static_cast<long long>(*amount) * jobs, memory.substr(digits));
}

int print_plan(const BatchContext& context, RunaiBackend& backend, int max_concurrent, bool json) {
  auto listing = backend.list_workloads();
  if (!listing) {
    return fail_with(listing.error());
  }
  const BatchView view = view_batch(context.settings.prefix, *listing);
  std::vector<int> to_submit;
  std::vector<std::string> existing;
  for (int trait : context.traits) {
    if (const auto job = view.jobs.find(trait); job != view.jobs.end()) {
      existing.push_back(fmt::format("{} ({})", job->second.name, printable(job->second.status)));
    } else {
      to_submit.push_back(trait);
    }
  }
  const BatchSettings& settings = context.settings;
  const int peak_jobs = std::min<int>(max_concurrent, static_cast<int>(context.traits.size()));
  const int cpu = parse_int(settings.cpu, "CPU").ok() ? *parse_int(settings.cpu, "CPU") : 0;
  std::string first_command;
  if (!to_submit.empty()) {
    first_command =
        shell_join(runai_submit_argv(context.runai, build_job_spec(settings, to_submit.front(), 1)));
  }
  if (json) {
    nlohmann::json plan{{"command", "submit"},
                        {"dry_run", true},
                        {"prefix", settings.prefix},
                        {"project", settings.project},
                        {"max_concurrent", max_concurrent},
                        {"active", view.active},
                        {"to_submit", to_submit},
                        {"existing", existing},
                        {"peak",
                         {{"jobs", peak_jobs},
                          {"cpu", cpu * peak_jobs},
                          {"memory", peak_memory(settings.memory, peak_jobs)}}},
                        {"first_command", first_command}};
    std::cout << plan.dump(2) << '\n';
    return to_int(ExitCode::Success);
  }
  fmt::print("Submission plan for batch {} in project {}\n", settings.prefix, settings.project);
  fmt::print("  Traits:            {} ({} .. {})\n", context.traits.size(), context.traits.front(),
             context.traits.back());
  fmt::print("  Already exist:     {}\n", existing.size());
  for (const auto& job : existing) {
    fmt::print("    - {}\n", job);
  }
  fmt::print("  To submit:         {}\n", to_submit.size());
  fmt::print("  Active now:        {} (max concurrent: {})\n", view.active, max_concurrent);
  fmt::print("  Per job:           {} CPU, {} memory\n", printable(settings.cpu), printable(settings.memory));
  fmt::print("  Peak at the cap:   {} jobs, {} CPU, {} memory\n", peak_jobs, cpu * peak_jobs,
             printable(peak_memory(settings.memory, peak_jobs)));
  if (!first_command.empty()) {
    fmt::print("First command:\n  {}\n", first_command);
  }
  fmt::print("No job was submitted (dry run).\n");
  return to_int(ExitCode::Success);
}

void print_summary(const SubmitReport& summary, std::size_t total, bool json, const BatchContext& context) {
  const std::size_t not_started =
      total - summary.submitted.size() - summary.skipped.size() - summary.failed.size();
  if (json) {
    nlohmann::json failed = nlohmann::json::object();
    for (const auto& [trait, message] : summary.failed) {
      failed[std::to_string(trait)] = message;
    }
    nlohmann::json result{{"command", "submit"},
                          {"prefix", context.settings.prefix},
                          {"project", context.settings.project},
                          {"submitted", summary.submitted},
                          {"skipped", summary.skipped},
                          {"failed", failed},
                          {"not_started", not_started},
                          {"total", total},
                          {"interrupted", summary.interrupted}};
    if (summary.fatal) {
      result["error"] = summary.fatal->message;
    }
    std::cout << result.dump(2) << '\n';
    return;
  }
  report(Tag::Info, "Submitted: {}  Skipped: {} (already exist)  Failed: {}  Not started: {}  Total: {}",
         summary.submitted.size(), summary.skipped.size(), summary.failed.size(), not_started, total);
}

int run_submit(const SubmitOptions& options) {
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  BatchSettings& settings = context->settings;
  if (options.max_concurrent) {
    settings.max_concurrent = *options.max_concurrent;
  }
  auto cap = require_positive(settings.max_concurrent, "--max-concurrent (MAX_CONCURRENT)");
  if (!cap) {
    return fail_with(cap.error());
  }
  auto poll_interval = parse_duration(options.poll_interval);
  if (!poll_interval) {
    return fail_with(make_error(ErrorKind::Usage, "--poll-interval: {}", poll_interval.error().message));
  }
  auto parallel = require_positive(options.parallel, "--parallel");
  if (!parallel) {
    return fail_with(parallel.error());
  }
  auto lock_timeout = parse_lock_timeout(options.lock_timeout);
  if (!lock_timeout) {
    return fail_with(lock_timeout.error());
  }

  CancelToken& cancel = install_stop_signals();
  RunaiBackend backend(context->runai);
  if (options.dry_run) {
    return print_plan(*context, backend, *cap, options.batch.json);
  }
  auto confirmed = confirm_or_require_yes(
      options.yes, fmt::format("Submit up to {} jobs of batch {} to project {}?", context->traits.size(),
                               settings.prefix, settings.project));
  if (!confirmed) {
    return fail_with(confirmed.error());
  }
  if (!*confirmed) {
    report(Tag::Info, "Aborted; nothing was submitted.");
    return to_int(ExitCode::Failure);
  }
  auto lock = lock_batch(*context, *lock_timeout, cancel);
  if (!lock) {
    return fail_with(lock.error());
  }
  auto store = LedgerStore::open(context->state_dir, settings.project, settings.prefix);
  if (!store) {
    return fail_with(store.error());
  }
  auto ledger = store->load();
  if (!ledger) {
    return fail_with(ledger.error());
  }
  SystemClock clock;
  auto journal = Journal::open(context->state_dir, "submit", settings.project, settings.prefix, clock);
  if (!journal) {
    return fail_with(journal.error());
  }

  SubmitRequest request;
  request.prefix = settings.prefix;
  request.traits = context->traits;
  request.max_concurrent = *cap;
  request.poll_interval = *poll_interval;
  // A failed runai call is tried again no later than the next look would be.
  request.retry.delay = std::min(request.retry.delay, *poll_interval);
  request.parallel_submits = *parallel;
  request.unlisted_grace = std::max(Duration{60'000}, *poll_interval * 10);
  request.job_for_trait = [&settings](int trait) { return build_job_spec(settings, trait, 1); };

  report(Tag::Info, "Batch {} in project {}: {} traits, at most {} active at once", settings.prefix,
         settings.project, context->traits.size(), *cap);
  BatchStart start(*store, std::move(*ledger), clock);
  ConsoleObserver observer(*journal, start, stderr_status_line());
  const SubmitReport summary = submit_batch(backend, clock, cancel, request, observer);
  stderr_status_line().clear();  // before the report, which may go to the same terminal on stdout
  print_summary(summary, context->traits.size(), options.batch.json, *context);
  if (summary.fatal) {
    return fail_with(*summary.fatal);
  }
  if (summary.interrupted) {
    report(Tag::Warning,
           "Interrupted: no new submissions were started. Run the same command again to continue.");
    return to_int(ExitCode::Interrupted);
  }
  return to_int(summary.failed.empty() ? ExitCode::Success : ExitCode::Failure);
}

}  // namespace

Command register_submit(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<SubmitOptions>();
  CLI::App* command =
      app.add_subcommand("submit", "Submit PREFIX-<trait> jobs, at most N of the batch active at once");
  add_batch_options(*command, options->batch);
  command->add_option(
      "--max-concurrent", options->max_concurrent,
      "Most jobs of this batch in any non-terminal state at once (MAX_CONCURRENT, default 50)");
  command
      ->add_option("--poll-interval", options->poll_interval,
                   "How often to look again while the batch is full, e.g. 30s; a terminal counts down to it")
      ->capture_default_str();
  command
      ->add_option("--parallel", options->parallel,
                   "Submissions in flight at once (never more than free slots)")
      ->capture_default_str();
  add_lock_timeout_option(*command, options->lock_timeout);
  command->add_flag("--dry-run", options->dry_run,
                    "Show the plan and the first runai command; submit nothing");
  command->add_flag("-y,--yes", options->yes, "Do not ask for confirmation (required without a terminal)");
  command->footer(
      "Examples:\n"
      "  traitctl submit --dry-run\n"
      "  traitctl submit --prefix gapit3-trait --traits 2-187 --max-concurrent 50 --yes\n\n"
      "Exit codes: 0 every trait submitted or skipped, 1 a submission or runtime error,\n"
      "2 invalid usage or configuration, 130 interrupted.");
  return Command{command, [options] { return run_submit(*options); }};
}

}  // namespace traitctl
