// traitctl logs: a trait's job log as its backend keeps it — the current
// job's, or an earlier attempt's where the backend keeps those — and, with
// --follow, what is appended until the job ends.
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/backend_choice.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/inspection.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr Duration follow_poll{1'000};
constexpr int max_failed_listings = 3;  // in a row, while following

struct LogsOptions {
  BatchOptions batch;
  BackendOptions backend;
  int trait = 0;
  std::optional<int> attempt;
  std::optional<int> tail;
  bool follow = false;
};

// Which job's log is asked for, and how to ask.
struct Target {
  Workload job;     // as listed, or as the ledger remembers it
  int attempt = 0;  // for Backend::job_log: 0 the listed (current) job
  bool listed = false;
  bool trait_listed = false;  // some job of the trait is listed
};

void print_raw(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

Result<void> check_usage(const LogsOptions& options) {
  if (options.batch.json) {
    return make_error(ErrorKind::Usage,
                      "logs prints the log as the job wrote it; `traitctl describe {} --json` has its "
                      "attempts as data",
                      options.trait);
  }
  if (options.trait < 1) {
    return make_error(ErrorKind::Usage, "TRAIT must be a trait number, 1 or more (got {})", options.trait);
  }
  if (options.attempt && *options.attempt < 1) {
    return make_error(ErrorKind::Usage, "--attempt must be 1 or more (got {})", *options.attempt);
  }
  if (options.tail && *options.tail < 0) {
    return make_error(ErrorKind::Usage, "--tail must be 0 or more lines (got {})", *options.tail);
  }
  return {};
}

// The job of the asked attempt. The listed job is the trait's latest
// (listed_attempt in the ledger); an earlier one is named by the ledger.
Result<Target> find_target(const LogsOptions& options, const BatchContext& context, const Ledger& ledger,
                           const BatchView& view) {
  const std::string name = job_name(context.settings.prefix, options.trait);
  const auto record = ledger.traits.find(options.trait);
  const int latest = record == ledger.traits.end() ? 1 : listed_attempt(record->second);
  const int wanted = options.attempt.value_or(latest);
  if (wanted > latest) {
    return make_error(ErrorKind::NotFound, "trait {} has had {} so far: --attempt takes 1 to {}",
                      options.trait, plural(latest, "attempt"), latest);
  }
  const auto listed = view.jobs.find(options.trait);
  const bool trait_listed = listed != view.jobs.end();
  if (wanted == latest && trait_listed) {
    return Target{listed->second, 0, true, true};
  }
  Workload remembered{name, JobState::Unknown, "", "", ""};
  if (record != ledger.traits.end()) {
    if (const AttemptRecord* attempt = find_attempt(record->second, wanted)) {
      remembered.id = attempt->job_id;
    }
  }
  return Target{remembered, wanted, false, trait_listed};
}

Result<JobLog> read_log(Backend& backend, const Target& target, int trait) {
  auto log = backend.job_log(target.job, target.attempt);
  if (!log && !target.trait_listed && log.error().kind == ErrorKind::NotFound) {
    return make_error(
        ErrorKind::NotFound,
        "no job of trait {} is listed now ({} was not submitted, or was deleted), and no log of "
        "its attempt {} is kept: {}",
        trait, printable(target.job.name), target.attempt, log.error().message);
  }
  return log;
}

class Follower {
 public:
  Follower(Backend& backend, const BatchContext& context, const LogsOptions& options, Clock& clock,
           const CancelToken& cancel)
      : backend_(backend), context_(context), options_(options), clock_(clock), cancel_(cancel) {}

  // Prints the new bytes of the job's log each poll until a listing shows
  // the job ended (or gone) and its last bytes are out.
  int run(Workload job) {
    const std::string& name = job.name;
    while (true) {
      const bool ended = has_ended(job.state);
      auto log = backend_.job_log(job, 0);
      if (log) {
        print_new(std::move(log->text));
      } else if (ended || job.state == JobState::Running) {
        if (ended) {
          return fail_with(log.error());
        }
        warn_once(fmt::format("the log of {} is not readable yet: {}", printable(name), log.error().message));
      } else {
        warn_once(fmt::format("{} is {}; waiting for its log", printable(name), printable(job.status)));
      }
      if (ended) {
        report(Tag::Info, "{} ended ({})", printable(name), printable(job.status));
        return to_int(ExitCode::Success);
      }
      clock_.sleep_for(follow_poll, cancel_);
      if (cancel_.stop_requested()) {
        return to_int(ExitCode::Interrupted);
      }
      auto listed = look_again(name);
      if (!listed) {
        return cancel_.stop_requested() ? to_int(ExitCode::Interrupted) : fail_with(listed.error());
      }
      if (!*listed) {
        report(Tag::Info, "{} is gone; its log above is all there was", printable(name));
        return to_int(ExitCode::Success);
      }
      job = **listed;
    }
  }

 private:
  // The job as listed now; nullopt once it is not listed. A failed listing
  // is tried again next poll, a few times in a row at most.
  Result<std::optional<Workload>> look_again(const std::string& name) {
    for (int failed = 1;; ++failed) {
      auto listing = backend_.list_workloads();
      if (listing) {
        const BatchView view = view_batch(context_.settings.prefix, *listing);
        const auto job = view.jobs.find(options_.trait);
        if (job == view.jobs.end() || job->second.name != name) {
          return std::optional<Workload>{};
        }
        return std::optional<Workload>{job->second};
      }
      if (failed >= max_failed_listings || cancel_.stop_requested()) {
        return listing.error();
      }
      report(Tag::Warning, "{}; trying again", listing.error().message);
      clock_.sleep_for(follow_poll, cancel_);
    }
  }

  // A log only grows; one that does not begin with what was printed was
  // replaced (a new job of the name) and is printed from its start.
  void print_new(std::string text) {
    const bool first = printed_.empty();
    if (!std::string_view(text).starts_with(printed_)) {
      report(Tag::Info, "the log started over");
      printed_.clear();
    }
    std::string_view fresh = std::string_view(text).substr(printed_.size());
    if (first && options_.tail) {
      fresh = last_lines(fresh, static_cast<std::size_t>(*options_.tail));
    }
    print_raw(fresh);
    printed_ = std::move(text);
  }

  void warn_once(const std::string& message) {
    if (message != last_warning_) {
      report(Tag::Info, "{}", message);
      last_warning_ = message;
    }
  }

  Backend& backend_;
  const BatchContext& context_;
  const LogsOptions& options_;
  Clock& clock_;
  const CancelToken& cancel_;
  std::string printed_;  // the log as printed so far
  std::string last_warning_;
};

int run_logs(const LogsOptions& options) {
  if (auto usage = check_usage(options); !usage) {
    return fail_with(usage.error());
  }
  auto context = load_batch_context(options.batch);
  if (!context) {
    return fail_with(context.error());
  }
  CancelToken& cancel = install_stop_signals();
  SystemClock clock;
  auto glass = open_for_looking(options.backend, *context, clock, cancel);
  if (!glass) {
    return fail_with(glass.error());
  }
  Backend& backend = *glass->backend;
  auto ledger = glass->store.load();
  if (!ledger) {
    return fail_with(ledger.error());
  }
  auto listing = backend.list_workloads();
  if (!listing) {
    return cancel.stop_requested() ? to_int(ExitCode::Interrupted) : fail_with(listing.error());
  }
  auto target = find_target(options, *context, *ledger, view_batch(context->settings.prefix, *listing));
  if (!target) {
    return fail_with(target.error());
  }
  if (options.follow) {
    if (!target->listed) {
      return fail_with(make_error(ErrorKind::NotFound,
                                  "--follow follows the trait's current job, and trait {} has none listed{}",
                                  options.trait, options.attempt ? " at that attempt: drop --follow" : ""));
    }
    return Follower(backend, *context, options, clock, cancel).run(target->job);
  }
  auto log = read_log(backend, *target, options.trait);
  if (!log) {
    return cancel.stop_requested() ? to_int(ExitCode::Interrupted) : fail_with(log.error());
  }
  spdlog::debug("log of {}: {}", target->job.name, log->location);
  print_raw(options.tail ? last_lines(log->text, static_cast<std::size_t>(*options.tail)) : log->text);
  return to_int(ExitCode::Success);
}

}  // namespace

Command register_logs(CLI::App& app, const GlobalOptions& /*global*/) {
  auto options = std::make_shared<LogsOptions>();
  CLI::App* command =
      app.add_subcommand("logs", "Print a trait's job log: the current job's, or an earlier attempt's");
  command->add_option("TRAIT", options->trait, "The trait whose log to print, e.g. 5")->required();
  command
      ->add_option("--attempt", options->attempt,
                   "The attempt whose log to print (default: the current job's); earlier attempts' logs "
                   "are kept by the local backend, not by Run:ai")
      ->type_name("N");
  command->add_option("--tail", options->tail, "Print only the last N lines")->type_name("N");
  command->add_flag("--follow,-f", options->follow,
                    "Keep printing what the job appends until it ends (Ctrl-C stops)");
  add_batch_options(*command, options->batch, false);
  add_backend_option(*command, options->backend);
  command->footer(
      "The log goes to stdout as the job wrote it; messages go to stderr. Run:ai keeps\n"
      "the log of a trait's current job only (a resubmission deletes the old job and its\n"
      "log); the local backend keeps every attempt's log under <state-dir>/logs/.\n"
      "--follow polls the log every second and prints only what is new, until a listing\n"
      "shows the job ended and its last bytes are printed.\n\n"
      "Examples:\n"
      "  traitctl logs 5\n"
      "  traitctl logs 5 --tail 50\n"
      "  traitctl logs 5 --follow\n"
      "  traitctl logs 5 --attempt 1 --backend local\n\n"
      "Exit codes: 0 the log was printed (--follow: the job ended), 1 no log is kept\n"
      "for that job or attempt, the listing or the backend failed, or the ledger is\n"
      "unreadable, 2 invalid usage, 130 interrupted.");
  return Command{command, [options] { return run_logs(*options); }};
}

}  // namespace traitctl
