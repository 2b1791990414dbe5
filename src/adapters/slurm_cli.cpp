#include "traitctl/adapters/slurm_cli.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <system_error>

#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;

// How many of Slurm's error lines a message quotes.
constexpr std::size_t kQuotedLines = 4;

std::string slurm_program(const SlurmOptions& options, std::string_view name) {
  return options.bin_dir.empty() ? std::string(name) : (options.bin_dir / name).string();
}

// POSIX sh single quotes keep every byte but the quote itself, which is
// spelled '\''; a CR gets '' after it so that no "\r\n" reaches sbatch.
std::string sh_quote(std::string_view word) {
  std::string quoted = "'";
  for (const char c : word) {
    if (c == '\'') {
      quoted += "'\\''";
    } else if (c == '\r') {
      quoted += "\r''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

bool slurm_error_mentions(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

// Slurm's own words from a failed call: its stderr (else stdout) lines
// without the "sbatch: error: " prefixes, escaped, joined with "; ".
std::string slurm_said(const ProcessOutput& output) {
  const std::string& text = output.err.empty() ? output.out : output.err;
  std::string said;
  std::size_t quoted = 0;
  for (std::size_t start = 0; start < text.size() && quoted < kQuotedLines;) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = trim_blanks(std::string_view(text).substr(start, end - start));
    start = end + 1;
    for (std::string_view prefix : {": error: ", ": fatal: "}) {
      if (const std::size_t at = line.find(prefix); at != std::string_view::npos && at < 20) {
        line.remove_prefix(at + prefix.size());
      }
    }
    if (!line.empty()) {
      said += said.empty() ? "" : "; ";
      said += printable(line);
      ++quoted;
    }
  }
  return said.empty() ? "nothing" : said;
}

// What to do about a refusal Slurm explains; "" when there is nothing to add.
std::string slurm_hint_for(std::string_view text) {
  if (slurm_error_mentions(text, "Invalid --mem specification")) {
    return ": --mem takes a whole number with K, M, G or T";
  }
  if (slurm_error_mentions(text, "Memory specification can not be satisfied") ||
      slurm_error_mentions(text, "Requested node configuration is not available")) {
    return ": no node of the partition has that much memory or that many CPUs; ask for less or choose "
           "another partition (`sinfo -o '%P %c %m'` shows what the nodes have)";
  }
  if (slurm_error_mentions(text, "Invalid partition")) {
    return ": choose one of the partitions `sinfo -s` lists";
  }
  if (slurm_error_mentions(text, "Invalid account") || slurm_error_mentions(text, "Invalid qos")) {
    return ": `sacctmgr show associations user=$USER` lists the accounts and QOS you may use";
  }
  if (slurm_error_mentions(text, "time limit")) {
    return ": ask for a shorter --time than the partition's limit (`sinfo -s` shows it)";
  }
  return "";
}

}  // namespace

std::string slurm_job_script(const std::vector<std::string>& command) {
  std::string script =
      "#!/bin/sh\n"
      "# Written by traitctl; sbatch runs a copy of it.\n"
      "exec";
  for (const std::string& word : command) {
    script += ' ';
    script += sh_quote(word);
  }
  script += '\n';
  return script;
}

fs::path slurm_script_path(const SlurmOptions& options, const std::string& name) {
  return options.script_dir / (name + ".sh");
}

Result<std::vector<std::string>> slurm_submit_argv(const SlurmOptions& options, const JobSpec& spec,
                                                   const fs::path& log_path, const fs::path& script_path) {
  auto cpus = slurm_cpus(spec.cpu);
  if (!cpus) {
    return cpus.error();
  }
  auto memory = slurm_memory(spec.memory);
  if (!memory) {
    return memory.error();
  }
  std::vector<std::string> argv{slurm_program(options, "sbatch"),
                                "--parsable",
                                "--job-name",
                                spec.name,
                                "--cpus-per-task",
                                std::to_string(*cpus),
                                "--mem",
                                *memory,
                                "--output",
                                log_path.string()};
  for (const auto& [flag, value] :
       {std::pair{"--partition", &options.partition}, std::pair{"--account", &options.account},
        std::pair{"--qos", &options.qos}, std::pair{"--time", &options.time_limit}}) {
    if (!value->empty()) {
      argv.insert(argv.end(), {flag, *value});
    }
  }
  if (!spec.avoid_nodes.empty()) {
    argv.push_back(fmt::format("--exclude={}", fmt::join(spec.avoid_nodes, ",")));
  }
  argv.emplace_back("--export=ALL");
  argv.insert(argv.end(), options.extra_sbatch_args.begin(), options.extra_sbatch_args.end());
  argv.push_back(script_path.string());
  return argv;
}

std::vector<std::string> slurm_list_argv(const SlurmOptions& options, uid_t uid) {
  return {slurm_program(options, "squeue"),
          "-h",
          "-t",
          "all",
          "-o",
          std::string(squeue_format),
          "-u",
          std::to_string(uid)};
}

Error slurm_call_error(const std::vector<std::string>& argv, const ProcessOutput& output,
                       const std::optional<std::string>& slurm_conf) {
  const std::string command = shell_join(argv);
  if (output.timed_out) {
    return make_error(ErrorKind::Timeout,
                      "`{}` did not answer in time and was stopped: the Slurm controller may be overloaded; "
                      "raise the Slurm call timeout",
                      command);
  }
  if (output.interrupted) {
    return make_error(ErrorKind::Interrupted, "`{}` was cut short: interrupted", command);
  }
  if (output.term_signal != 0) {
    return make_error(ErrorKind::Backend, "`{}` was killed by signal {}", command, output.term_signal);
  }
  const std::string text = output.err + output.out;
  const std::string said = slurm_said(output);
  if (slurm_error_mentions(text, "Unable to contact slurm controller")) {
    return make_error(
        ErrorKind::Backend,
        "`{}` could not reach the Slurm controller (Slurm said: {}): the controller is down, or "
        "SLURM_CONF ({}) points at another cluster's slurm.conf",
        command, said, slurm_conf ? "'" + printable(*slurm_conf) + "'" : "unset");
  }
  if (slurm_error_mentions(text, "Could not establish a configuration source") ||
      slurm_error_mentions(text, "Unable to process configuration file")) {
    return make_error(ErrorKind::Config,
                      "`{}` found no Slurm configuration (Slurm said: {}): set SLURM_CONF to the cluster's "
                      "slurm.conf, or run traitctl on a machine of the cluster",
                      command, said);
  }
  // The request reached the controller, whose answer did not come back.
  if (slurm_error_mentions(text, "Socket timed out on send/recv")) {
    return make_error(ErrorKind::Transient,
                      "`{}` got no answer from the Slurm controller (Slurm said: {}): what it asked for may "
                      "have been done all the same",
                      command, said);
  }
  const std::string hint = slurm_hint_for(text);
  return make_error(hint.empty() ? ErrorKind::Backend : ErrorKind::Config, "`{}` failed (exit {}): {}{}",
                    command, output.exit_code, said, hint);
}

SlurmCli::SlurmCli(SlurmOptions options) : options_(std::move(options)) {}

std::optional<std::string> SlurmCli::slurm_conf() const {
  const auto set = std::find_if(options_.environment.rbegin(), options_.environment.rend(),
                                [](const auto& variable) { return variable.first == "SLURM_CONF"; });
  if (set != options_.environment.rend()) {
    return set->second;
  }
  const char* inherited = std::getenv("SLURM_CONF");
  return inherited != nullptr ? std::optional<std::string>(inherited) : std::nullopt;
}

Result<ProcessOutput> SlurmCli::call(const std::vector<std::string>& argv,
                                     const EnvironmentOverrides& job_environment) const {
  // Slurm retries a missing SLURM_CONF for 60 s before it gives up.
  if (const auto conf = slurm_conf(); conf && !fs::exists(*conf)) {
    return make_error(ErrorKind::Config,
                      "SLURM_CONF is '{}', which does not exist: point it at the cluster's slurm.conf or "
                      "unset it",
                      printable(*conf));
  }
  spdlog::debug("running: {}", shell_join(argv));
  ProcessOptions process_options;
  process_options.timeout = options_.call_timeout;
  process_options.environment = options_.environment;
  process_options.cancel = options_.cancel;
  process_options.environment.insert(process_options.environment.end(), job_environment.begin(),
                                     job_environment.end());
  auto output = run_process(argv, process_options);
  if (!output && output.error().kind == ErrorKind::NotFound) {
    if (options_.bin_dir.empty()) {
      return make_error(ErrorKind::NotFound,
                        "'{}' was not found on PATH: install Slurm's client commands (Debian and Ubuntu: "
                        "slurm-client) or put the folder holding them on PATH",
                        printable(argv.front()));
    }
    return make_error(ErrorKind::NotFound, "'{}' does not exist: check the Slurm bin folder setting",
                      printable(argv.front()));
  }
  return output;
}

Result<std::string> SlurmCli::submit(const JobSpec& spec, const fs::path& log_path) {
  if (spec.name.empty() || spec.name.front() == '.' || spec.name.find('/') != std::string::npos ||
      spec.name.find('\0') != std::string::npos) {
    return make_error(ErrorKind::Usage, "job name '{}' cannot name a job script: use letters, digits and -",
                      printable(spec.name));
  }
  if (spec.command.empty()) {
    return make_error(ErrorKind::Usage, "job {} has no command to run", printable(spec.name));
  }
  std::error_code error;
  fs::create_directories(options_.script_dir, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create the job script folder {}: {}",
                      printable(options_.script_dir.string()), error.message());
  }
  const fs::path script = slurm_script_path(options_, spec.name);
  if (auto written = write_file_atomically(script, slurm_job_script(spec.command)); !written) {
    return written.error();
  }
  auto argv = slurm_submit_argv(options_, spec, log_path, script);
  if (!argv) {
    return argv.error();
  }
  auto output = call(*argv, spec.environment);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return slurm_call_error(*argv, *output, slurm_conf());
  }
  return parse_sbatch_id(output->out);
}

Result<std::vector<SlurmJob>> SlurmCli::list() {
  auto text = answer_of(slurm_list_argv(options_, ::getuid()));
  if (!text) {
    return text.error();
  }
  return parse_squeue(*text);
}

Result<std::optional<SlurmJobDetails>> SlurmCli::from_accounting(const std::string& id) {
  const std::vector<std::string> argv{slurm_program(options_, "sacct"),
                                      "-j",
                                      id,
                                      "-n",
                                      "-P",
                                      "-o",
                                      "JobID,State,ExitCode,MaxRSS,Start,End,NodeList,TotalCPU"};
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    if (!output->timed_out && slurm_error_mentions(output->err + output->out, "accounting storage is disabled")) {
      accounting_disabled_.store(true);
      return std::optional<SlurmJobDetails>();
    }
    return slurm_call_error(argv, *output, slurm_conf());
  }
  return parse_sacct_job(output->out, id);
}

Result<std::optional<SlurmJobDetails>> SlurmCli::job_details(const std::string& id) {
  if (!is_slurm_job_id(id)) {
    return make_error(ErrorKind::Usage, "'{}' is not a Slurm job id", printable(id));
  }
  std::optional<SlurmJobDetails> accounted;
  if (!accounting_disabled_.load()) {
    auto found = from_accounting(id);
    if (!found) {
      return found.error();
    }
    accounted = std::move(*found);
    if (accounted && has_ended(slurm_job_state(accounted->state))) {
      return accounted;
    }
  }
  // No accounting, or the database has not heard of the job or of its end
  // yet (slurmctld tells slurmdbd after the fact): the controller knows.
  const std::vector<std::string> argv{slurm_program(options_, "scontrol"), "show", "job", "-o", id};
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    if (!output->timed_out && slurm_error_mentions(output->err + output->out, "Invalid job id specified")) {
      return accounted;  // purged from the controller: what the database had, if anything
    }
    return slurm_call_error(argv, *output, slurm_conf());
  }
  auto details = parse_scontrol_job(output->out, id);
  if (!details) {
    return details.error();
  }
  return std::optional(std::move(*details));
}

Result<void> SlurmCli::cancel(const std::string& id) {
  if (!is_slurm_job_id(id)) {
    return make_error(ErrorKind::Usage, "'{}' is not a Slurm job id", printable(id));
  }
  auto text = answer_of({slurm_program(options_, "scancel"), id});
  if (!text) {
    return text.error();
  }
  return {};
}

Result<std::string> SlurmCli::answer_of(const std::vector<std::string>& argv) const {
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return slurm_call_error(argv, *output, slurm_conf());
  }
  return std::move(output->out);
}

Result<SlurmConfig> SlurmCli::config() {
  auto text = answer_of({slurm_program(options_, "scontrol"), "show", "config"});
  if (!text) {
    return text.error();
  }
  return parse_scontrol_config(*text);
}

Result<std::vector<SlurmPartition>> SlurmCli::partitions() {
  auto text = answer_of({slurm_program(options_, "scontrol"), "show", "partition", "-o"});
  if (!text) {
    return text.error();
  }
  return parse_scontrol_partitions(*text);
}

Result<std::vector<std::string>> SlurmCli::partition_nodes() {
  std::vector<std::string> argv{slurm_program(options_, "sinfo"), "-h", "-N", "-o", "%N"};
  if (!options_.partition.empty()) {
    argv.insert(argv.end(), {"-p", options_.partition});
  }
  auto text = answer_of(argv);
  if (!text) {
    return text.error();
  }
  return parse_sinfo_nodes(*text);
}

Result<std::string> SlurmCli::sbatch_version() {
  auto text = answer_of({slurm_program(options_, "sbatch"), "--version"});
  if (!text) {
    return text.error();
  }
  std::string_view version = *text;
  while (!version.empty() && (version.back() == '\n' || version.back() == '\r')) {
    version.remove_suffix(1);
  }
  return std::string(trim_blanks(version));
}

}  // namespace traitctl
