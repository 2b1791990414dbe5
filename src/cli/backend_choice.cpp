#include "traitctl/cli/backend_choice.hpp"

#include <CLI/CLI.hpp>

#include "traitctl/adapters/local_backend.hpp"
#include "traitctl/adapters/process.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

void add_backend_option(CLI::App& command, BackendOptions& options) {
  command
      .add_option("--backend", options.kind,
                  "Where the batch's jobs run: runai (the cluster) or local (processes)")
      ->check(CLI::IsMember({"runai", "local"}))
      ->capture_default_str();
}

void add_local_job_options(CLI::App& command, BackendOptions& options) {
  command
      .add_option("--job-timeout", options.job_timeout,
                  "local: stop a job running longer than this, e.g. 2h (0: no limit)")
      ->capture_default_str();
  command.add_option("job_command", options.job_command,
                     "local: the job's command and arguments, after `--`");
}

bool is_local(const BackendOptions& options) { return options.kind == "local"; }

Result<std::unique_ptr<Backend>> open_backend(const BackendOptions& options, const BatchContext& context,
                                              BackendAccess access, Clock& clock, const CancelToken& cancel) {
  if (!is_local(options)) {
    // Found before anything is asked or started.
    if (auto program = resolve_program(context.runai.executable); !program) {
      return make_error(ErrorKind::NotFound,
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
  const bool recorded_batch_needed = access == BackendAccess::Inspect || access == BackendAccess::Delete;
  if (recorded_batch_needed && !has_local_record(local.state_dir, local.project)) {
    return make_error(ErrorKind::NotFound,
                      "no local batch of project '{}' is recorded in {}: start one with "
                      "`traitctl run --backend local -- COMMAND`, or pass the --state-dir it used",
                      printable(local.project),
                      printable(local_record_dir(local.state_dir, local.project).string()));
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
      return make_error(ErrorKind::Usage, "the job command {}; give the program after `--` as a path or a name on "
                        "PATH", program.error().message);
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
  if (!is_local(options)) {
    return runai_submit_argv(context.runai, spec);
  }
  return options.job_command.empty() ? spec.command : options.job_command;
}

Duration confirm_interval(const BackendOptions& options, Duration poll_interval) {
  constexpr Duration local_pause{50};  // never a busy loop, whatever a record says
  constexpr Duration remote_pause{2'000};
  return std::min(poll_interval, is_local(options) ? local_pause : remote_pause);
}

}  // namespace traitctl
