#include "traitctl/adapters/runai_backend.hpp"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "traitctl/adapters/runai_describe.hpp"
#include "traitctl/adapters/runai_listing.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// Rows asked for per page with --limit; a full page means more may follow.
constexpr int limit_page_size = 1000;
// Rows each --offset page repeats of the page before. Rows that end between
// two page calls shift the offsets; a page that repeats none of them may
// have skipped rows, and the listing is read again.
constexpr int page_overlap = 100;
// Passes over the pages before a listing that keeps shifting is an error.
constexpr int max_listing_passes = 5;
// A runaway pager (a CLI that ignores --offset) must not loop forever.
constexpr int max_pages = 1000;
// The documented default page of v2.18-2.20 and a common one elsewhere.
constexpr std::size_t default_truncation = 50;

bool mentions(std::string_view haystack, std::initializer_list<std::string_view> needles) {
  const std::string lowered = lowercase_ascii(haystack);
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view needle) { return lowered.find(needle) != std::string::npos; });
}

// The first lines of stderr (else stdout), enough to say what went wrong.
std::string error_excerpt(const ProcessOutput& output) {
  const std::string& text = output.err.empty() ? output.out : output.err;
  std::string excerpt;
  std::size_t lines = 0;
  for (std::size_t start = 0; start < text.size() && lines < 5;) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    std::string_view line = std::string_view(text).substr(start, end - start);
    if (!line.empty()) {
      excerpt += excerpt.empty() ? "" : " | ";
      excerpt += printable(line);
      ++lines;
    }
    start = end + 1;
  }
  return excerpt.empty() ? "no error output" : excerpt;
}

bool network_failure(const ProcessOutput& output) {
  return mentions(output.err + output.out, {"something went wrong", "i/o timeout", "connection refused",
                                            "no such host", "tls handshake"});
}

// The CLI did not answer, as opposed to answering that something is missing.
bool failed_transiently(const ProcessOutput& output) {
  return !output.succeeded() && (output.timed_out || output.term_signal != 0 || network_failure(output));
}

std::string hint_for(const ProcessOutput& output) {
  const std::string combined = output.err + output.out;
  if (mentions(combined, {"re-login", "login", "unauthorized", "token is expired", "401"})) {
    return "; the runai login may have expired: run `runai login` and try again";
  }
  if (network_failure(output)) {
    return "; this looks like a network or cluster failure: try again";
  }
  return "";
}

Error call_failed(const std::vector<std::string>& argv, const ProcessOutput& output) {
  if (output.timed_out) {
    return make_error(ErrorKind::Timeout,
                      "`{}` did not answer in time and was stopped; raise --runai-timeout "
                      "if the cluster is slow",
                      shell_join(argv));
  }
  if (output.term_signal != 0) {
    return make_error(ErrorKind::Transient, "`{}` was killed by signal {}", shell_join(argv),
                      output.term_signal);
  }
  // A network failure leaves unknown whether the call took effect.
  return make_error(network_failure(output) ? ErrorKind::Transient : ErrorKind::Backend,
                    "`{}` failed (exit {}): {}{}", shell_join(argv), output.exit_code, error_excerpt(output),
                    hint_for(output));
}

}  // namespace

ListPaging detect_list_paging(std::string_view list_help) {
  if (list_help.find("--next-token") != std::string_view::npos ||
      list_help.find("--max-items") != std::string_view::npos) {
    return ListPaging::NextToken;
  }
  if (list_help.find("--limit") != std::string_view::npos) {
    return ListPaging::LimitOffset;
  }
  return ListPaging::None;
}

std::vector<std::string> runai_submit_argv(const RunaiOptions& options, const JobSpec& spec) {
  std::vector<std::string> argv{
      options.executable,
      options.workload_kind,
      "submit",
      spec.name,
      "--project",
      spec.project,
      "--image",
      spec.image,
      "--cpu-core-request",
      spec.cpu,
      "--cpu-memory-request",
      spec.memory,
      "--host-path",
      fmt::format("path={},mount=/data,mount-propagation=HostToContainer", spec.data_path_host),
      "--host-path",
      fmt::format("path={},mount=/outputs,mount-propagation=HostToContainer,readwrite",
                  spec.output_path_host)};
  for (const auto& [key, value] : spec.environment) {
    argv.emplace_back("--environment");
    argv.push_back(fmt::format("{}={}", key, value));
  }
  argv.emplace_back("--command");
  argv.emplace_back("--");
  argv.insert(argv.end(), spec.command.begin(), spec.command.end());
  return argv;
}

std::vector<std::string> runai_list_argv(const RunaiOptions& options) {
  return {options.executable, options.workload_kind, "list", "--project", options.project};
}

std::vector<std::string> runai_job_argv(const RunaiOptions& options, std::string_view verb,
                                        std::string_view name) {
  return {options.executable, options.workload_kind, std::string(verb),
          std::string(name),  "--project",           options.project};
}

RunaiBackend::RunaiBackend(RunaiOptions options) : options_(std::move(options)) {}

Result<ProcessOutput> RunaiBackend::call(const std::vector<std::string>& argv) const {
  spdlog::debug("running: {}", shell_join(argv));
  ProcessOptions process_options;
  process_options.timeout = options_.call_timeout;
  process_options.cancel = options_.cancel;
  auto output = run_process(argv, process_options);
  if (!output) {
    if (output.error().kind == ErrorKind::NotFound) {
      return make_error(
          ErrorKind::NotFound,
          "the runai CLI '{}' was not found: install it, or point traitctl at it with --runai PATH "
          "or TRAITCTL_RUNAI",
          printable(options_.executable));
    }
    return output.error();
  }
  if (output->interrupted) {
    return make_error(ErrorKind::Interrupted, "`{}` was stopped: traitctl is stopping", shell_join(argv));
  }
  return output;
}

Result<ListPaging> RunaiBackend::list_paging() {
  const std::lock_guard lock(paging_mutex_);
  if (paging_) {
    return *paging_;
  }
  auto argv = runai_list_argv(options_);
  argv.resize(3);  // runai <kind> list
  argv.emplace_back("--help");
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return make_error(ErrorKind::Backend,
                      "`{}` failed: {}; traitctl needs the v2 runai CLI (2.18 or later) with `runai {} list`",
                      shell_join(argv), error_excerpt(*output), options_.workload_kind);
  }
  paging_ = detect_list_paging(output->out + output->err);
  return *paging_;
}

Result<std::vector<Workload>> RunaiBackend::list_workloads() {
  auto paging = list_paging();
  if (!paging) {
    return paging.error();
  }
  auto listed = [&]() -> Result<std::vector<Workload>> {
    if (*paging != ListPaging::LimitOffset) {
      return list_token_pages(*paging);
    }
    for (int pass = 1; pass <= max_listing_passes; ++pass) {
      bool joined = true;
      auto workloads = list_offset_pages(joined);
      if (!workloads || joined) {
        return workloads;
      }
      spdlog::debug("rows of the runai listing shifted between two pages; reading it again");
    }
    return make_error(ErrorKind::Transient,
                      "the runai listing shifted between its pages {} times in a row (workloads come and go "
                      "faster than it can be read); try again",
                      max_listing_passes);
  }();
  if (listed) {
    for (const auto& workload : *listed) {
      if (!is_known_runai_status(workload.status)) {
        spdlog::debug("status '{}' of {} is not one traitctl knows; counting it as active",
                      printable(workload.status), printable(workload.name));
      }
    }
  }
  return listed;
}

namespace {

// Adds a page's rows; a row seen on an earlier page is replaced by the newer sighting.
void merge_page(std::vector<Workload>& workloads, std::map<std::string, std::size_t>& index,
                std::vector<Workload> page) {
  for (auto& workload : page) {
    const auto [found, added] = index.try_emplace(workload.name, workloads.size());
    if (added) {
      workloads.push_back(std::move(workload));
    } else {
      workloads[found->second] = std::move(workload);
    }
  }
}

}  // namespace

Result<std::vector<Workload>> RunaiBackend::list_offset_pages(bool& joined) {
  std::vector<Workload> workloads;
  std::map<std::string, std::size_t> index;
  std::set<std::string> previous_tail;  // the last rows of the page before
  for (int page = 0; page < max_pages; ++page) {
    auto argv = runai_list_argv(options_);
    argv.insert(argv.end(), {"--limit", std::to_string(limit_page_size), "--offset",
                             std::to_string(page * (limit_page_size - page_overlap))});
    auto parsed = list_page(argv);
    if (!parsed) {
      return parsed.error();
    }
    const std::vector<Workload>& rows = parsed->workloads;
    if (page > 0 && std::none_of(rows.begin(), rows.end(), [&](const Workload& workload) {
          return previous_tail.contains(workload.name);
        })) {
      joined = false;
      return workloads;
    }
    previous_tail.clear();
    for (std::size_t row = rows.size() - std::min(rows.size(), std::size_t{page_overlap}); row < rows.size();
         ++row) {
      previous_tail.insert(rows[row].name);
    }
    const bool last = rows.size() < static_cast<std::size_t>(limit_page_size);
    merge_page(workloads, index, std::move(parsed->workloads));
    if (last) {
      return workloads;
    }
  }
  return make_error(ErrorKind::Backend, "the runai listing did not end after {} pages; stopping", max_pages);
}

Result<ListingPage> RunaiBackend::list_page(const std::vector<std::string>& argv) const {
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return call_failed(argv, *output);
  }
  auto parsed = parse_listing(output->out);
  if (!parsed) {
    return make_error(ErrorKind::Parse, "could not read the output of `{}`: {}", shell_join(argv),
                      parsed.error().message);
  }
  return parsed;
}

Result<std::vector<Workload>> RunaiBackend::list_token_pages(ListPaging paging) {
  std::vector<Workload> workloads;
  std::map<std::string, std::size_t> index;
  std::optional<std::string> next_token;
  for (int page = 0; page < max_pages; ++page) {
    auto argv = runai_list_argv(options_);
    if (next_token) {
      argv.insert(argv.end(), {"--next-token", *next_token});
    }
    auto parsed = list_page(argv);
    if (!parsed) {
      return parsed.error();
    }
    const std::size_t rows = parsed->workloads.size();
    next_token = parsed->next_token;
    merge_page(workloads, index, std::move(parsed->workloads));
    if (paging == ListPaging::None && (next_token || rows == default_truncation)) {
      return make_error(ErrorKind::Backend,
                        "`{}` printed {} workloads and this runai CLI offers no --limit or --next-token to "
                        "prove the listing complete; traitctl will not act on a listing that may be "
                        "truncated: upgrade the runai CLI to 2.18 or later",
                        shell_join(argv), rows);
    }
    if (!next_token || paging == ListPaging::None) {
      return workloads;
    }
  }
  return make_error(ErrorKind::Backend, "the runai listing did not end after {} pages; stopping", max_pages);
}

Result<SubmitReceipt> RunaiBackend::submit(const JobSpec& spec) {
  // --host-path separates its fields with commas: a comma in a folder would
  // make runai mount something else.
  for (const auto& [name, path] : {std::pair{"DATA_PATH_HOST", &spec.data_path_host},
                                   std::pair{"OUTPUT_PATH_HOST", &spec.output_path_host}}) {
    if (path->find(',') != std::string::npos) {
      return make_error(ErrorKind::Config,
                        "{} '{}' holds a comma, which runai's --host-path cannot carry: use a "
                        "path (or a symlink) without one",
                        name, printable(*path));
    }
  }
  const auto argv = runai_submit_argv(options_, spec);
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (output->succeeded()) {
    return SubmitReceipt{SubmitOutcome::Created, ""};
  }
  if (!output->timed_out && mentions(output->err + output->out, {"already exists"})) {
    return SubmitReceipt{SubmitOutcome::AlreadyExists, ""};
  }
  return call_failed({options_.executable, options_.workload_kind, "submit", spec.name}, *output);
}

Result<DeleteOutcome> RunaiBackend::remove(const Workload& job) {
  const auto argv = runai_job_argv(options_, "delete", job.name);
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  // v1 printed "Job X does not exist in project P" and exited 0; v2 says "no workload was found".
  const bool missing =
      !output->timed_out &&
      mentions(output->err + output->out, {"does not exist", "no workload was found", "not found"});
  if (missing) {
    return DeleteOutcome::NotFound;
  }
  if (output->succeeded()) {
    return DeleteOutcome::Deleted;
  }
  return call_failed(argv, *output);
}

Result<FailureEvidence> RunaiBackend::failure_evidence(const Workload& job) {
  const std::string& name = job.name;
  auto describe_argv = runai_job_argv(options_, "describe", name);
  describe_argv.insert(describe_argv.end(), {"-o", "json"});
  auto described = call(describe_argv);
  if (!described) {
    return described.error();
  }
  FailureEvidence evidence;
  if (described->succeeded()) {
    evidence = evidence_from_describe(described->out, name);
  } else {
    spdlog::debug("describe gave no exit code for {}: {}", name, error_excerpt(*described));
  }
  const auto logs_argv = runai_job_argv(options_, "logs", name);
  auto logs = call(logs_argv);
  if (!logs) {
    return logs.error();
  }
  if (logs->succeeded()) {
    evidence.log = std::move(logs->out);
  } else {
    spdlog::debug("logs unavailable for {}: {}", name, error_excerpt(*logs));
  }
  // Nothing to tell the failure by because the CLI did not answer: an error
  // to ask again, never a verdict of "logs unavailable" on a retryable job.
  if (!evidence.exit_code && !evidence.signal && !evidence.reason && !evidence.log) {
    if (failed_transiently(*logs)) {
      return call_failed(logs_argv, *logs);
    }
    if (failed_transiently(*described)) {
      return call_failed(describe_argv, *described);
    }
  }
  return evidence;
}

Result<AttemptFacts> RunaiBackend::attempt_facts(const Workload& job) {
  auto argv = runai_job_argv(options_, "describe", job.name);
  argv.insert(argv.end(), {"-o", "json"});
  auto described = call(argv);
  if (!described) {
    return described.error();
  }
  if (!described->succeeded()) {
    return call_failed(argv, *described);
  }
  return facts_from_describe(described->out, job.name);
}

Result<JobLog> RunaiBackend::job_log(const Workload& job, int attempt) {
  const auto argv = runai_job_argv(options_, "logs", job.name);
  if (attempt != 0) {
    return make_error(
        ErrorKind::NotFound,
        "Run:ai keeps the logs of {}'s current job only: earlier attempts' logs went with their "
        "jobs; see `traitctl describe` for how they ended",
        printable(job.name));
  }
  auto output = call(argv);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return call_failed(argv, *output);
  }
  return JobLog{std::move(output->out), shell_join(argv)};
}

}  // namespace traitctl
