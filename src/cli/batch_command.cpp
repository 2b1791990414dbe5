#include "traitctl/cli/batch_command.hpp"

#include <fmt/ranges.h>

#include <CLI/CLI.hpp>

#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/output_check.hpp"
#include "traitctl/adapters/parallel_submitter.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/batch_health.hpp"
#include "traitctl/cli/batch_report.hpp"
#include "traitctl/cli/console_reporter.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/cli/plan_preview.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/config/checks.hpp"
#include "traitctl/config/job_builder.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr Duration min_retry_delay{1'000};
constexpr Duration max_retry_delay{300'000};

Result<Duration> duration_flag(std::string_view flag, const std::string& text) {
  auto parsed = parse_duration(text);
  if (!parsed) {
    return make_error(ErrorKind::Usage, "{}: {}", flag, parsed.error().message);
  }
  return *parsed;
}

Result<RetryPolicy> retry_policy(const PolicyOptions& options) {
  RetryPolicy policy;
  policy.max_retries = options.max_retries;
  policy.max_incomplete_retries = options.max_incomplete_retries;
  auto delay = parse_duration(options.retry_delay);
  if (!delay || *delay < min_retry_delay || *delay > max_retry_delay) {
    return make_error(ErrorKind::Usage, "--retry-delay '{}' must be a duration from 1s to 300s, e.g. 30s",
                      printable(options.retry_delay));
  }
  policy.retry_delay = *delay;
  auto max_delay = parse_duration(options.max_delay);
  if (!max_delay || *max_delay < *delay) {
    return make_error(ErrorKind::Usage, "--max-delay '{}' must be a duration of at least --retry-delay ({})",
                      printable(options.max_delay), printable(options.retry_delay));
  }
  policy.max_delay = *max_delay;
  return policy;
}

Result<ClassifierPolicy> classifier(const PolicyOptions& options) {
  ClassifierPolicy policy;
  for (int code : options.retry_exit_codes) {
    policy.add_mount_exit_code(code);
  }
  for (const auto& pattern : options.mount_failure_patterns) {
    if (pattern.empty()) {
      return make_error(ErrorKind::Usage,
                        "--mount-failure-pattern '' would match every log: give a fragment of the line, e.g. "
                        "'is not a mount point'");
    }
    policy.add_mount_pattern(pattern);
  }
  return policy;
}

Result<AdaptivePolicy> adaptive_policy(const GateOptions& options, int max_concurrent) {
  AdaptivePolicy policy;
  policy.enabled = !options.no_adaptive;
  policy.min_concurrent = options.min_concurrent;
  policy.window = options.cap_window;
  policy.burst = options.cap_burst;
  policy.healthy_run = options.cap_healthy_run;
  if (auto valid = check_adaptive_policy(policy, max_concurrent); !valid) {
    return valid.error();
  }
  return policy;
}

// A tier's request as the budget counts it.
JobSize size_of_tier(const ResourceTier& tier) {
  const auto cpu = parse_cpu(tier.cpu);
  const auto memory = parse_memory(tier.memory);
  return JobSize{cpu ? *cpu : 0.0, memory ? *memory : 0};
}

// The budget over the active jobs, and how large each trait's next job is.
Result<void> set_budget(const BatchSettings& settings, const std::vector<ResourceTier>& tiers,
                        PlanSettings& plan) {
  const auto text = [](const std::string& value) {
    return value.empty() ? std::nullopt : std::optional<std::string_view>(value);
  };
  auto budget = parse_resource_budget(text(settings.max_cpu), text(settings.max_memory));
  if (!budget) {
    return budget.error();
  }
  plan.budget = *budget;
  plan.largest_job = size_of_tier(tiers.back());
  plan.size_of = [tiers](int /*trait*/, const TraitRecord& record) {
    return size_of_tier(
        tiers[std::min(static_cast<std::size_t>(std::max(record.oom_retries, 0)), tiers.size() - 1)]);
  };
  return {};
}

struct Prepared {
  BatchContext context;
  BatchRequest request;
  Duration lock_timeout{10'000};
};

Result<Prepared> prepare(const BatchCommand& command) {
  auto loaded = load_batch_context(command.batch);
  if (!loaded) {
    return loaded.error();
  }
  Prepared prepared{std::move(*loaded), {}, {}};
  BatchSettings& settings = prepared.context.settings;
  if (command.loop.max_concurrent) {
    settings.max_concurrent = *command.loop.max_concurrent;
  }
  auto cap = require_positive(settings.max_concurrent, "--max-concurrent (MAX_CONCURRENT)");
  if (!cap) {
    return cap.error();
  }
  auto parallel = require_positive(command.loop.parallel, "--parallel");
  if (!parallel) {
    return parallel.error();
  }
  auto poll = duration_flag("--poll-interval", command.loop.poll_interval);
  if (!poll) {
    return poll.error();
  }
  auto lock_timeout = duration_flag("--lock-timeout", command.loop.lock_timeout);
  if (!lock_timeout) {
    return lock_timeout.error();
  }
  auto policy = retry_policy(command.policy);
  if (!policy) {
    return policy.error();
  }
  auto classifier_policy = classifier(command.policy);
  if (!classifier_policy) {
    return classifier_policy.error();
  }
  auto tiers = resource_tiers(settings.cpu, settings.memory, settings.memory_ladder, settings.cpu_ladder);
  if (!tiers) {
    return tiers.error();
  }
  auto adaptive = adaptive_policy(command.gate, *cap);
  if (!adaptive) {
    return adaptive.error();
  }
  prepared.lock_timeout = *lock_timeout;
  BatchRequest& request = prepared.request;
  PlanSettings& plan = request.plan;
  plan.stage.mode = command.mode;
  plan.stage.mode.dry_run = command.loop.dry_run;
  plan.stage.policy = *policy;
  plan.stage.policy.memory_steps = static_cast<int>(tiers->size()) - 1;
  plan.stage.check_outputs = command.mode.retry_failures && !settings.expected_output.empty();
  // A submitted job a listing never shows is tried again well after the
  // listing's lag (seconds); trying early is safe, as an "already exists"
  // then is taken as the job the lost answer created. A delete that did not
  // take is tried again too.
  plan.stage.unlisted_grace = std::max(Duration{15'000}, *poll * 3);
  plan.stage.delete_grace = std::max(Duration{30'000}, *poll * 5);
  plan.prefix = settings.prefix;
  plan.traits = prepared.context.traits;
  plan.max_concurrent = *cap;
  plan.poll_interval = *poll;
  plan.confirm_interval = confirm_interval(command.backend, *poll);
  plan.max_config_errors = command.gate.max_config_errors;
  plan.max_unknown_errors = command.gate.max_unknown_errors;
  if (auto budget = set_budget(settings, *tiers, plan); !budget) {
    return budget.error();
  }
  request.adaptive = *adaptive;
  request.classifier = *classifier_policy;
  request.parallel_submits = *parallel;
  request.submit_runner = std::make_shared<ParallelSubmitter>();
  // A failed call is tried again no later than the next look would be.
  request.call_retry.delay = std::min(request.call_retry.delay, *poll);
  // A trait climbs one memory tier per out-of-memory retry, across runs.
  request.job_for = [settings, tiers = *tiers](int trait, int attempt, const TraitRecord& record) {
    const auto tier = std::min(static_cast<std::size_t>(std::max(record.oom_retries, 0)), tiers.size() - 1);
    return build_job_spec(settings, trait, attempt, tiers[tier]);
  };
  for (const ResourceTier& tier : *tiers) {
    request.memory_tiers.push_back(tier.memory);
  }
  request.learning.enabled = settings.learn_memory;
  request.learning.min_failures = settings.learn_memory_min;
  request.learning.share = settings.learn_memory_share;
  request.avoid_nodes = settings.avoid_nodes;
  if (plan.stage.check_outputs) {
    request.find_outputs = [folder = settings.output_path_host, pattern = settings.expected_output](
                               int trait) { return find_expected_output(folder, pattern, trait); };
  }
  return prepared;
}

// What `validate` would FAIL is refused before a batch starts: one wrong
// MODEL would otherwise fail 186 jobs.
Result<void> check_configuration(const BatchCommand& command, const BatchContext& context) {
  const bool submits = command.kind == CommandKind::Submit || command.kind == CommandKind::Run;
  if (!submits || command.loop.no_validate) {
    return {};
  }
  std::vector<std::string> failed;
  for (const Check& check : check_settings(context.settings, context.traits, LocalFileProbe{})) {
    if (check.status == CheckStatus::Fail) {
      failed.push_back(fmt::format("{}: {}", check.name, check.message));
    }
  }
  if (failed.empty()) {
    return {};
  }
  return make_error(ErrorKind::Config,
                    "the configuration fails {} of validate's checks: {}; fix it (`traitctl validate` shows "
                    "every check), or pass --no-validate to go ahead anyway",
                    failed.size(), fmt::join(failed, "; "));
}

// Local jobs live as long as the traitctl that started them: only `run`
// starts and watches them to the end.
Result<void> check_backend_fits(const BatchCommand& command) {
  if (!is_local(command.backend) || command.kind == CommandKind::Run || command.loop.dry_run) {
    return {};
  }
  return make_error(
      ErrorKind::Usage,
      "{} --backend local only looks (add --dry-run): local jobs stop with the traitctl that "
      "started them; `traitctl run --backend local -- COMMAND` submits and retries them as it goes",
      command_name(command.kind));
}

BackendAccess access_for(const BatchCommand& command) {
  if (command.loop.dry_run) {
    return command.kind == CommandKind::Retry ? BackendAccess::Inspect : BackendAccess::Preview;
  }
  return BackendAccess::Run;
}

std::string question(const BatchCommand& command, const BatchContext& context, const PlanSettings& plan) {
  const std::string batch =
      fmt::format("batch {} in project {} ({}, at most {} active at once)", context.settings.prefix,
                  context.settings.project, command.backend.kind, plan.max_concurrent);
  switch (command.kind) {
    case CommandKind::Submit:
      return fmt::format("Submit up to {} of {}?", plural(plan.traits.size(), "job"), batch);
    case CommandKind::Retry:
      return fmt::format("Retry the failed jobs of {}{}?", batch,
                         command.mode.watch ? " until it is settled" : "");
    case CommandKind::Resubmit:
      return fmt::format("Delete and resubmit {} of {}?", plural(plan.traits.size(), "trait"), batch);
    case CommandKind::Run:
      return fmt::format("Run {} of {} until every trait is settled?", plural(plan.traits.size(), "trait"),
                         batch);
  }
  return "Go ahead?";
}

// The confirmation, unless --yes; end of input counts as no, Ctrl-C exits 130.
std::optional<int> refused_confirmation(const BatchCommand& command, const std::string& text,
                                        const CancelToken& cancel) {
  if (command.loop.dry_run) {
    return std::nullopt;
  }
  auto confirmed = confirm_or_require_yes(command.loop.yes, text, cancel);
  if (!confirmed) {
    return fail_with(confirmed.error());
  }
  if (!*confirmed) {
    report(Tag::Info, "Aborted; nothing was changed.");
    return to_int(ExitCode::Failure);
  }
  return std::nullopt;
}

int drive(const BatchCommand& command, Prepared& prepared, Backend& backend, const CancelToken& cancel) {
  const BatchContext& context = prepared.context;
  const BatchSettings& settings = context.settings;
  std::optional<FileLock> lock;
  if (!command.loop.dry_run) {
    auto acquired = lock_batch(context, prepared.lock_timeout, cancel);
    if (!acquired) {
      return fail_with(acquired.error());
    }
    lock.emplace(std::move(*acquired));
  }
  auto store = LedgerStore::open(context.state_dir, settings.project, settings.prefix);
  if (!store) {
    return fail_with(store.error());
  }
  SystemClock clock;
  std::optional<Journal> journal;
  if (!command.loop.dry_run) {
    auto opened = Journal::open(context.state_dir, std::string(command_name(command.kind)), settings.project,
                                settings.prefix, clock);
    if (!opened) {
      return fail_with(opened.error());
    }
    journal.emplace(std::move(*opened));
    if (auto writable = open_state_for_writing(*store, context, command_name(command.kind), &*journal);
        !writable) {
      return fail_with(writable.error());
    }
  }
  auto ledger = store->load();
  if (!ledger) {
    return fail_with(ledger.error());
  }
  prepared.request.save_ledger = [&store](const Ledger& updated, const std::set<int>& touched) {
    return store->save(updated, touched);
  };
  CapFileReader cap_file(*store);
  prepared.request.poll_cap_request = [&cap_file] { return cap_file.poll(); };
  ConsoleReporter reporter(journal ? &*journal : nullptr, stderr_status_line(),
                           command.kind == CommandKind::Submit ? "to submit" : "to settle",
                           command.loop.dry_run && !command.batch.json, command.backend.kind);
  report(Tag::Info, "Batch {} in project {} ({}): {}, at most {} active at once", settings.prefix,
         settings.project, command.backend.kind, plural(prepared.request.plan.traits.size(), "trait"),
         prepared.request.plan.max_concurrent);
  const TimePoint started = clock.now();
  const BatchReport summary = run_batch(backend, clock, cancel, prepared.request, *ledger, reporter);
  stderr_status_line().clear();  // before the report, which may go to the same terminal on stdout
  const BatchHealth health = batch_health(*ledger, settings, command.backend.kind);
  print_batch_report(command.kind, summary, context, command.batch.json,
                     std::chrono::duration_cast<Duration>(clock.now() - started), &health);
  return batch_exit_code(command.kind, summary, prepared.request.plan.traits.size());
}

}  // namespace

std::string_view command_name(CommandKind kind) {
  switch (kind) {
    case CommandKind::Submit: return "submit";
    case CommandKind::Retry: return "retry";
    case CommandKind::Resubmit: return "resubmit";
    case CommandKind::Run: return "run";
  }
  return "submit";
}

void add_loop_options(CLI::App& command, LoopOptions& options) {
  command
      .add_option("--max-concurrent", options.max_concurrent,
                  "Most jobs of this batch in any non-terminal state at once (MAX_CONCURRENT, default 50)")
      ->type_name("N")
      ->group(help_group::concurrency);
  command
      .add_option("--parallel", options.parallel,
                  "Submissions in flight at once (never more than free slots)")
      ->capture_default_str()
      ->type_name("N")
      ->group(help_group::concurrency);
  command
      .add_option("--poll-interval", options.poll_interval,
                  "How often to look at the cluster while waiting, e.g. 30s; a terminal counts down to it")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::backend);
  add_lock_timeout_option(command, options.lock_timeout);
  command.add_flag("--dry-run", options.dry_run, "Show what would happen; change nothing")
      ->group(help_group::output);
  command.add_flag("-y,--yes", options.yes, "Do not ask for confirmation (required without a terminal)")
      ->group(help_group::output);
}

void add_validation_option(CLI::App& command, LoopOptions& options) {
  command
      .add_flag("--no-validate", options.no_validate,
                "Go ahead even when a check of `traitctl validate` fails (a bad MODEL, image, range, ...)")
      ->group(help_group::batch);
}

void add_gate_options(CLI::App& command, GateOptions& options) {
  const auto count_option = [&command](const std::string& name, int& value, const std::string& description) {
    command.add_option(name, value, description)
        ->capture_default_str()
        ->type_name("N")
        ->group(help_group::concurrency);
  };
  command
      .add_flag("--no-adaptive", options.no_adaptive,
                "Keep the cap fixed at --max-concurrent instead of halving it on bursts of mount failures")
      ->group(help_group::concurrency);
  count_option("--min-concurrent", options.min_concurrent, "The lowest the adaptive cap goes");
  count_option("--cap-window", options.cap_window, "Finished attempts the adaptive cap looks at");
  count_option("--cap-burst", options.cap_burst, "Mount failures among them that halve the cap");
  count_option("--cap-healthy-run", options.cap_healthy_run,
               "Finishes in a row without a mount failure that raise a lowered cap by one");
  count_option("--max-config-errors", options.max_config_errors,
               "Stop submitting new traits once this many failed as configuration errors (0: no limit)");
  count_option("--max-unknown-errors", options.max_unknown_errors,
               "Stop submitting new traits once this many failed for unknown reasons (0: no limit)");
}

void add_policy_options(CLI::App& command, PolicyOptions& options) {
  // The range is in the description: CLI11 would add it to the type name.
  const auto in_range = [](int low, int high) { return CLI::Range(low, high).description(""); };
  command
      .add_option(
          "--max-retries", options.max_retries,
          "Automatic retries of mount and infrastructure failures per trait over the batch's life (1-10)")
      ->check(in_range(1, 10))
      ->capture_default_str()
      ->type_name("N")
      ->group(help_group::retries);
  command
      .add_option("--retry-delay", options.retry_delay,
                  "Backoff before the 2nd retry, doubled for each later one (1s-300s)")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::retries);
  command.add_option("--max-delay", options.max_delay, "The longest backoff")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::retries);
  command
      .add_option("--max-incomplete-retries", options.max_incomplete_retries,
                  "Retries of a trait whose job exited 0 without its expected output (0-10)")
      ->check(in_range(0, 10))
      ->capture_default_str()
      ->type_name("N")
      ->group(help_group::retries);
  command
      .add_option("--retry-exit-code", options.retry_exit_codes,
                  fmt::format("Another container exit code (1-255) that marks a mount failure, retried "
                              "(repeatable; added to the defaults: {})",
                              fmt::join(ClassifierPolicy{}.mount_exit_codes, ", ")))
      ->check(in_range(1, 255))
      ->type_name("CODE")
      ->group(help_group::retries);
  command
      .add_option("--mount-failure-pattern", options.mount_failure_patterns,
                  fmt::format("Another log line fragment (any case) that marks a mount failure when no exit "
                              "code is known (repeatable; added to the defaults: {})",
                              fmt::join(ClassifierPolicy{}.mount_patterns, ", ")))
      ->type_name("FRAGMENT")
      ->group(help_group::retries);
}

int run_batch_command(const BatchCommand& command, const TargetResolver& resolve) {
  auto prepared = prepare(command);
  if (!prepared) {
    return fail_with(prepared.error());
  }
  if (auto fits = check_backend_fits(command); !fits) {
    return fail_with(fits.error());
  }
  if (auto valid = check_configuration(command, prepared->context); !valid) {
    return fail_with(valid.error());
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto backend = open_backend(command.backend, prepared->context, access_for(command), clock, cancel);
  if (!backend) {
    return fail_with(backend.error());
  }
  const bool submits = command.kind == CommandKind::Submit || command.kind == CommandKind::Run;
  if (command.loop.dry_run && submits) {
    const BatchSettings& settings = prepared->context.settings;
    auto store = LedgerStore::open(prepared->context.state_dir, settings.project, settings.prefix);
    auto ledger = store ? store->load() : Result<Ledger>(store.error());
    if (!ledger) {
      return fail_with(ledger.error());
    }
    // A trait's first job starts at the tier the batch has learned.
    const int top = static_cast<int>(prepared->request.memory_tiers.size()) - 1;
    const auto job_of = [&](int trait) {
      TraitRecord record = ledger->traits[trait];
      if (record.attempts.empty() && !record.pending) {
        record.oom_retries = starting_tier(record, ledger->learned_memory_tier, top);
      }
      return prepared->request.job_for(
          trait, record.pending ? record.pending->attempt : current_attempt(record), record);
    };
    std::string learned;
    if (ledger->learned_memory_tier && *ledger->learned_memory_tier > 0) {
      learned = tier_memory(settings, *ledger->learned_memory_tier);
    }
    const int code =
        print_submission_plan(prepared->context, command.backend, **backend,
                              prepared->request.plan.max_concurrent, command.batch.json, job_of, learned);
    if (code != to_int(ExitCode::Success) || command.kind == CommandKind::Submit || command.batch.json) {
      return code;
    }
  }
  if (resolve) {
    if (auto resolved = resolve(**backend, prepared->context, prepared->request.plan); !resolved) {
      return fail_with(resolved.error());
    }
    if (prepared->request.plan.traits.empty()) {
      report(Tag::Info, "Nothing to {}.", command_name(command.kind));
      return to_int(ExitCode::Success);
    }
  }
  if (auto refused = refused_confirmation(
          command, question(command, prepared->context, prepared->request.plan), cancel)) {
    return *refused;
  }
  // The local backend stops its jobs when it goes out of scope: an
  // interrupted run leaves no process behind.
  return drive(command, *prepared, **backend, cancel);
}

}  // namespace traitctl
