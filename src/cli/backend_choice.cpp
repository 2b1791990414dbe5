#include "traitctl/cli/backend_choice.hpp"

#include <CLI/CLI.hpp>

#include "traitctl/adapters/local_backend.hpp"
#include "traitctl/adapters/process.hpp"
#include "traitctl/adapters/slurm_backend.hpp"
#include "traitctl/cli/help_format.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

SlurmBackendOptions slurm_backend_options(const BackendOptions& options, const BatchContext& context) {
  SlurmBackendOptions slurm;
  slurm.slurm = slurm_options(options, context);
  slurm.state_dir = context.state_dir;
  slurm.project = context.settings.project;
  slurm.prefix = context.settings.prefix;
  slurm.command = options.job_command;
  return slurm;
}

}  // namespace

void add_backend_option(CLI::App& command, BackendOptions& options) {
  command
      .add_option("--backend", options.kind,
                  "Where the batch's jobs run: runai (the cluster), local (processes) or slurm (batch jobs)")
      ->check(CLI::IsMember({"runai", "local", "slurm"}))
      ->capture_default_str()
      ->type_name("BACKEND")
      ->group(help_group::backend);
}

void add_job_command_option(CLI::App& command, BackendOptions& options) {
  command
      .add_option("job_command", options.job_command,
                  "local, slurm: the job's command and arguments (slurm: the latest submission's when "
                  "none is given)")
      ->option_text("-- COMMAND ARGS...");
}

void add_local_job_options(CLI::App& command, BackendOptions& options) {
  command
      .add_option("--job-timeout", options.job_timeout,
                  "local: stop a job running longer than this, e.g. 2h (0: no limit)")
      ->capture_default_str()
      ->type_name("DURATION")
      ->group(help_group::local_and_slurm);
  add_job_command_option(command, options);
}

void add_slurm_options(CLI::App& command, BackendOptions& options) {
  SlurmFlags& flags = options.slurm;
  const auto slurm_option = [&command](const std::string& name, auto& value, const std::string& description,
                                       const std::string& type) {
    return command.add_option(name, value, description)->type_name(type)->group(help_group::local_and_slurm);
  };
  slurm_option("--partition", flags.partition, "slurm: the partition to submit to (SLURM_PARTITION)", "NAME");
  slurm_option("--account", flags.account, "slurm: the account to charge (SLURM_ACCOUNT)", "NAME");
  slurm_option("--qos", flags.qos, "slurm: the quality of service (SLURM_QOS)", "NAME");
  slurm_option("--time", flags.time_limit,
               "slurm: each job's time limit, e.g. 4:00:00 or 2-00:00:00 (SLURM_TIME)", "TIME");
  slurm_option("--slurm-arg", flags.extra_args,
               "slurm: one more sbatch word, e.g. --slurm-arg=--constraint=avx2 (repeatable; replaces "
               "SLURM_EXTRA_ARGS)",
               "ARG")
      ->allow_extra_args(false);
}

bool is_local(const BackendOptions& options) { return options.kind == "local"; }
bool is_slurm(const BackendOptions& options) { return options.kind == "slurm"; }

SlurmOptions slurm_options(const BackendOptions& options, const BatchContext& context) {
  const SlurmSettings& settings = context.settings.slurm;
  const SlurmFlags& flags = options.slurm;
  SlurmOptions slurm;
  slurm.partition = flags.partition.value_or(settings.partition);
  slurm.account = flags.account.value_or(settings.account);
  slurm.qos = flags.qos.value_or(settings.qos);
  slurm.time_limit = flags.time_limit.value_or(settings.time_limit);
  slurm.extra_sbatch_args = flags.extra_args.empty() ? settings.extra_args : flags.extra_args;
  return slurm;
}

Result<std::unique_ptr<Backend>> open_backend(const BackendOptions& options, const BatchContext& context,
                                              BackendAccess access, Clock& clock, const CancelToken& cancel) {
  if (is_slurm(options)) {
    SlurmBackendOptions slurm = slurm_backend_options(options, context);
    slurm.require_command = access == BackendAccess::Run;
    slurm.read_only = access == BackendAccess::Preview;
    auto backend = SlurmBackend::open(std::move(slurm), clock, cancel);
    if (!backend) {
      return backend.error();
    }
    return std::unique_ptr<Backend>(std::move(*backend));
  }
  if (!is_local(options)) {
    // Found before anything is asked or started.
    if (auto program = resolve_program(context.runai.executable); !program) {
      return make_error(
          ErrorKind::NotFound,
          "the runai CLI '{}' was not found: install it, or point traitctl at it with --runai PATH or "
          "TRAITCTL_RUNAI",
          printable(context.runai.executable));
    }
    RunaiOptions runai = context.runai;
    runai.cancel = &cancel;
    return std::unique_ptr<Backend>(std::make_unique<RunaiBackend>(std::move(runai)));
  }
  LocalOptions local;
  local.state_dir = context.state_dir;
  local.project = context.settings.project;
  local.prefix = context.settings.prefix;
  const bool recorded_batch_needed = access == BackendAccess::Inspect || access == BackendAccess::Delete;
  if (recorded_batch_needed && !has_local_record(local.state_dir, local.project, local.prefix)) {
    return make_error(ErrorKind::NotFound,
                      "no local batch {} of project '{}' is recorded in {}: start one with "
                      "`traitctl run --backend local -- COMMAND`, or pass the --state-dir and --prefix it used",
                      printable(local.prefix), printable(local.project),
                      printable(RecordDatabase(local.state_dir, local.project, local.prefix, false).path().string()));
  }
  if (access == BackendAccess::Run) {
    auto timeout = parse_duration(options.job_timeout);
    if (!timeout) {
      return make_error(ErrorKind::Usage, "--job-timeout: {}", timeout.error().message);
    }
    if (options.job_command.empty()) {
      return make_error(ErrorKind::Usage,
                        "the local backend needs the job's command after `--`, e.g. "
                        "traitctl run --backend local -- examples/gwas-trait.sh");
    }
    // Found now, not after a batch of failed submissions.
    if (auto program = resolve_program(options.job_command.front()); !program) {
      return make_error(ErrorKind::Usage,
                        "the job command {}; give the program after `--` as a path or a name on "
                        "PATH",
                        program.error().message);
    }
    local.command = options.job_command;
    local.job_timeout = *timeout;
  }
  auto backend = access == BackendAccess::Preview || access == BackendAccess::Inspect
                     ? LocalBackend::open_read_only(std::move(local), clock)
                     : LocalBackend::open(std::move(local), clock);
  if (!backend) {
    return backend.error();
  }
  return std::unique_ptr<Backend>(std::move(*backend));
}

std::vector<std::string> submission_preview(const BackendOptions& options, const BatchContext& context,
                                            const JobSpec& spec) {
  if (is_slurm(options)) {
    auto argv = slurm_submission_preview(slurm_backend_options(options, context), spec);
    return argv ? std::move(*argv) : std::vector<std::string>{"sbatch", "# " + argv.error().message};
  }
  if (!is_local(options)) {
    return runai_submit_argv(context.runai, spec);
  }
  return options.job_command.empty() ? spec.command : options.job_command;
}

Duration confirm_interval(const BackendOptions& options, Duration poll_interval) {
  constexpr Duration local_pause{50};  // never a busy loop, whatever a record says
  // sbatch's job is listed the moment it returns, and squeue answers in
  // milliseconds: one second keeps a confirmation quick without hammering
  // the controller.
  constexpr Duration slurm_pause{1'000};
  constexpr Duration remote_pause{2'000};
  const Duration pause = is_local(options) ? local_pause : is_slurm(options) ? slurm_pause : remote_pause;
  return std::min(poll_interval, pause);
}

}  // namespace traitctl
