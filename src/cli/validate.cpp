// traitctl validate: pre-flight checks of the settings, the files this machine
// can see, and the runai CLI (or Slurm), each reported as ok, warn or FAIL
// with the fix.
#include <fmt/color.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/process.hpp"
#include "traitctl/adapters/signals.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/commands.hpp"
#include "traitctl/cli/slurm_checks.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/config/checks.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

struct ValidateOptions {
  BatchOptions batch;
  BackendOptions backend;
};

// The first non-empty line of stderr, else of stdout.
std::string first_line_of(const ProcessOutput& output) {
  for (const std::string* text : {&output.err, &output.out}) {
    std::size_t start = 0;
    while (start < text->size()) {
      const std::size_t end = std::min(text->find('\n', start), text->size());
      if (end > start) {
        return text->substr(start, end - start);
      }
      start = end + 1;
    }
  }
  return "no error output";
}

// `runai <kind> list --help` answers without a login and tells how listings page.
Check check_runai(const RunaiOptions& runai) {
  const std::vector<std::string> argv{runai.executable, runai.workload_kind, "list", "--help"};
  ProcessOptions process;
  process.timeout = runai.call_timeout;
  auto output = run_process(argv, process);
  if (!output) {
    return make_check("runai", CheckStatus::Fail, runai.executable,
                      output.error().kind == ErrorKind::NotFound
                          ? "not found: install the runai CLI, or point traitctl at it with --runai PATH or "
                            "TRAITCTL_RUNAI"
                          : output.error().message);
  }
  if (output->timed_out) {
    return make_check(
        "runai", CheckStatus::Fail, runai.executable,
        fmt::format("`{}` did not answer within {}s; raise --runai-timeout if the machine is slow",
                    shell_join(argv), std::chrono::duration<double>(runai.call_timeout).count()));
  }
  if (!output->succeeded()) {
    return make_check("runai", CheckStatus::Fail, runai.executable,
                      fmt::format("`{}` failed: {}; traitctl needs the v2 runai CLI (2.18 or later)",
                                  shell_join(argv), first_line_of(*output)));
  }
  switch (detect_list_paging(output->out + output->err)) {
    case ListPaging::LimitOffset:
      return make_check("runai", CheckStatus::Ok, runai.executable,
                        "answers; listings page with --limit/--offset");
    case ListPaging::NextToken:
      return make_check("runai", CheckStatus::Ok, runai.executable,
                        "answers; listings page with --next-token");
    case ListPaging::None: break;
  }
  return make_check("runai", CheckStatus::Warn, runai.executable,
                    "this runai CLI has neither --limit nor --next-token: a listing of 50 or more workloads "
                    "cannot be proven complete and will be refused; upgrade the runai CLI to 2.18 or later");
}

Check check_listing(const BatchContext& context) {
  const std::string& project = context.settings.project;
  RunaiBackend backend(context.runai);
  auto listing = backend.list_workloads();
  if (!listing) {
    return make_check("project listing", CheckStatus::Fail, project, listing.error().message);
  }
  const BatchView view = view_batch(context.settings.prefix, *listing);
  return make_check(
      "project listing", CheckStatus::Ok, project,
      fmt::format("{} in the project; {} of this batch, {} active", plural(listing->size(), "workload"),
                  plural(view.jobs.size(), "job"), view.active));
}

// The batch's attempt ledger must be readable: submit, retry and run stop on
// one that is not. None yet is fine (the first submit starts it). A PROJECT
// or JOB_PREFIX that failed its own check names no ledger worth reading.
Check check_ledger(const BatchContext& context, const std::vector<Check>& settings_checks) {
  const bool unnamed = std::any_of(settings_checks.begin(), settings_checks.end(), [](const Check& check) {
    return check.status == CheckStatus::Fail && (check.name == "PROJECT" || check.name == "JOB_PREFIX");
  });
  auto store = LedgerStore::open(context.state_dir, context.settings.project, context.settings.prefix);
  if (unnamed || !store) {
    return make_check("ledger", CheckStatus::Warn, "", "not checked: fix PROJECT and JOB_PREFIX first");
  }
  std::error_code error;
  const bool legacy = !std::filesystem::exists(store->database_path(), error) &&
                      std::filesystem::exists(store->legacy_ledger_path(), error);
  const std::string path =
      printable((legacy ? store->legacy_ledger_path() : store->database_path()).string());
  auto ledger = store->load();
  if (!ledger) {
    return make_check("ledger", CheckStatus::Fail, path, ledger.error().message);
  }
  if (ledger->traits.empty()) {
    return make_check("ledger", CheckStatus::Ok, path, "no attempts recorded yet");
  }
  return make_check(
      "ledger", CheckStatus::Ok, path,
      fmt::format("readable; attempts recorded for {}", plural(ledger->traits.size(), "trait")));
}

// "ok", "warn" or "FAIL", padded to one width; green, yellow or bold red with `color`.
std::string status_word(CheckStatus status, bool color) {
  const std::string word =
      fmt::format("{:<4}", status == CheckStatus::Fail ? "FAIL" : std::string(to_string(status)));
  if (!color) {
    return word;
  }
  switch (status) {
    case CheckStatus::Ok: return fmt::format(fmt::fg(fmt::terminal_color::green), "{}", word);
    case CheckStatus::Warn: return fmt::format(fmt::fg(fmt::terminal_color::yellow), "{}", word);
    case CheckStatus::Fail:
      return fmt::format(fmt::emphasis::bold | fmt::fg(fmt::terminal_color::red), "{}", word);
  }
  return word;
}

// `color`: the status words get colours (a terminal, or --color=always).
void print_checks(const std::vector<Check>& checks, bool as_json, bool color) {
  if (as_json) {
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& check : checks) {
      nlohmann::json row{{"name", check.name},
                         {"status", to_string(check.status)},
                         {"value", check.value},
                         {"message", check.message}};
      if (check.estimated_gib) {
        row["estimated_gib"] = *check.estimated_gib;
      }
      rows.push_back(std::move(row));
    }
    const nlohmann::json result{{"command", "validate"}, {"ok", !any_failed(checks)}, {"checks", rows}};
    std::cout << result.dump(2) << '\n';
    return;
  }
  // A longer value overflows its cell rather than widening the column: one
  // 100 KB value must not pad every row of the report to 100 KB.
  constexpr std::size_t max_value_width = 80;
  std::size_t name_width = 0;
  std::size_t value_width = 0;
  for (const auto& check : checks) {
    name_width = std::max(name_width, check.name.size());
    value_width = std::max(value_width, std::min(check.value.size(), max_value_width));
  }
  for (const auto& check : checks) {
    fmt::print("{}  {:<{}}  {:<{}}  {}\n", status_word(check.status, color), check.name, name_width,
               check.value.empty() ? "-" : check.value, value_width, check.message);
  }
  const auto count = [&checks](CheckStatus status) {
    return std::count_if(checks.begin(), checks.end(),
                         [status](const Check& check) { return check.status == status; });
  };
  fmt::print("{} checks: {} ok, {} warnings, {} failed\n", checks.size(), count(CheckStatus::Ok),
             count(CheckStatus::Warn), count(CheckStatus::Fail));
}

int run_validate(const ValidateOptions& options, bool color) {
  auto context = load_batch_context(options.batch, Validation::Lenient);
  if (!context) {
    // A bad flag is a usage error; a .env that cannot be loaded is one more failed check.
    if (context.error().kind == ErrorKind::Usage) {
      return fail_with(context.error());
    }
    print_checks({make_check("configuration", CheckStatus::Fail, options.batch.env_file.value_or(".env"),
                             context.error().message)},
                 options.batch.json, color);
    return to_int(ExitCode::Failure);
  }
  std::vector<Check> checks;
  if (is_slurm(options.backend)) {
    SystemClock clock;
    checks = check_slurm(options.backend, *context, clock, install_stop_signals());
  } else if (!is_local(options.backend)) {
    checks.push_back(check_runai(context->runai));
    if (checks.back().status == CheckStatus::Fail) {
      checks.push_back(make_check("project listing", CheckStatus::Warn, context->settings.project,
                                  "not checked: runai is not answering"));
    } else {
      checks.push_back(check_listing(*context));
    }
  }
  const LocalFileProbe probe;
  auto settings_checks = check_settings(context->settings, context->traits, probe);
  settings_checks.push_back(check_ledger(*context, settings_checks));
  checks.insert(checks.end(), std::make_move_iterator(settings_checks.begin()),
                std::make_move_iterator(settings_checks.end()));
  print_checks(checks, options.batch.json, color);
  return to_int(any_failed(checks) ? ExitCode::Failure : ExitCode::Success);
}

}  // namespace

Command register_validate(CLI::App& app, const GlobalOptions& global) {
  auto options = std::make_shared<ValidateOptions>();
  CLI::App* command =
      app.add_subcommand("validate", "Check the settings, input files and runai (or Slurm) before a batch");
  add_batch_options(*command, options->batch);
  add_expected_output_option(*command, options->batch);
  add_backend_option(*command, options->backend);
  add_slurm_options(*command, options->backend);
  command->footer(
      "Each check prints ok, warn or FAIL with the value and the fix. Host paths this\n"
      "machine cannot see are warnings: they may exist only on the cluster nodes.\n\n"
      "Examples:\n"
      "  traitctl validate\n"
      "  traitctl validate --env-file batch2.env --json\n"
      "  traitctl validate --backend slurm --partition long   # sbatch, the controller, the partition\n\n"
      "Exit codes: 0 no check failed (warnings allowed), 1 a check failed,\n"
      "2 invalid usage.");
  // `global` lives as long as the app; --color is parsed by the time this runs.
  return Command{command,
                 [options, &global] { return run_validate(*options, global.color_on(STDOUT_FILENO)); }};
}

}  // namespace traitctl
