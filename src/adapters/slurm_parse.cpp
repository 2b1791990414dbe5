#include "traitctl/adapters/slurm_parse.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <ctime>
#include <limits>
#include <utility>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// What a listing line may show at most in a message.
constexpr std::size_t kQuoteLimit = 200;

std::string quoted(std::string_view text) {
  return printable(text.size() > kQuoteLimit ? text.substr(0, kQuoteLimit) : text) +
         (text.size() > kQuoteLimit ? "..." : "");
}

std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    lines.push_back(text.substr(0, end));
    text.remove_prefix(std::min(end + 1, text.size()));
  }
  return lines;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::optional<std::uint64_t> to_number(std::string_view digits) {
  std::uint64_t value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [stop, error] = std::from_chars(digits.data(), end, value);
  return error == std::errc() && stop == end ? std::optional(value) : std::nullopt;
}

// Where a job sorts in a listing: its id, then the array index or het
// offset; a pending array's "123_[1-5]" sorts after its started tasks.
struct JobOrder {
  std::uint64_t job = 0;
  std::uint64_t part = 0;
  friend auto operator<=>(const JobOrder&, const JobOrder&) = default;
};

std::optional<JobOrder> job_order(std::string_view id) {
  const std::size_t separator = id.find_first_of("_+");
  const auto job = to_number(id.substr(0, separator));
  if (!job || !all_digits(id.substr(0, separator))) {
    return std::nullopt;
  }
  if (separator == std::string_view::npos) {
    return JobOrder{*job, 0};
  }
  const std::string_view part = id.substr(separator + 1);
  if (id[separator] == '_' && part.size() > 2 && part.front() == '[' && part.back() == ']') {
    return JobOrder{*job, std::numeric_limits<std::uint64_t>::max()};
  }
  const auto index = all_digits(part) ? to_number(part) : std::nullopt;
  if (!index) {
    return std::nullopt;
  }
  return JobOrder{*job, *index + 1};
}

struct JobExit {
  int code = 0;
  int signal = 0;
};

// "2:0": the exit code and the signal that ended the job.
std::optional<JobExit> parse_exit_code(std::string_view text) {
  const std::size_t colon = text.find(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const auto code = to_number(text.substr(0, colon));
  const auto signal = to_number(text.substr(colon + 1));
  if (!code || !signal || *code > 255 || *signal > 255) {
    return std::nullopt;
  }
  return JobExit{static_cast<int>(*code), static_cast<int>(*signal)};
}

void set_exit(SlurmJobDetails& details, std::string_view text) {
  if (const auto exit = parse_exit_code(text)) {
    details.exit_code = exit->code;
    details.signal = exit->signal;
  }
}

bool is_key_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == ':' ||
         c == '/';
}

// Whether `Key=` (a letter, then letters, digits, _ : /) starts at `at`.
bool key_starts_at(std::string_view line, std::size_t at) {
  const char first = line[at];
  if (!((first >= 'A' && first <= 'Z') || (first >= 'a' && first <= 'z'))) {
    return false;
  }
  std::size_t end = at;
  while (end < line.size() && is_key_char(line[end])) {
    ++end;
  }
  return end < line.size() && line[end] == '=';
}

using Fields = std::vector<std::pair<std::string_view, std::string_view>>;

// `scontrol -o`'s `Key=Value Key=Value ...`, where a value may hold spaces
// (a path): a value runs until a space followed by the next `Key=`.
Fields scontrol_fields(std::string_view line) {
  std::vector<std::size_t> starts;
  for (std::size_t at = 0; at < line.size(); ++at) {
    if ((at == 0 || line[at - 1] == ' ') && key_starts_at(line, at)) {
      starts.push_back(at);
    }
  }
  Fields fields;
  for (std::size_t i = 0; i < starts.size(); ++i) {
    const std::size_t end = i + 1 < starts.size() ? starts[i + 1] - 1 : line.size();
    std::string_view field = line.substr(starts[i], end - starts[i]);
    while (!field.empty() && field.back() == ' ') {
      field.remove_suffix(1);
    }
    const std::size_t equals = field.find('=');
    fields.emplace_back(field.substr(0, equals), field.substr(equals + 1));
  }
  return fields;
}

std::optional<std::string_view> field(const Fields& fields, std::string_view key) {
  const auto found =
      std::find_if(fields.begin(), fields.end(), [&](const auto& f) { return f.first == key; });
  return found != fields.end() ? std::optional(found->second) : std::nullopt;
}

std::optional<std::string> known_time(std::optional<std::string_view> value) {
  if (!value || value->empty() || *value == "Unknown" || *value == "None" || *value == "N/A") {
    return std::nullopt;
  }
  return std::string(*value);
}

// "None assigned" (sacct of a job that never started), "(null)" (scontrol's).
std::optional<std::string> known_node_list(std::optional<std::string_view> value) {
  if (!value || value->empty() || *value == "(null)" || value->starts_with("None")) {
    return std::nullopt;
  }
  return std::string(*value);
}

// sacct's MaxRSS: "320576K", "1.50G", "0" or empty; units are powers of 1024.
std::optional<std::uint64_t> rss_bytes(std::string_view text) {
  if (text.empty()) {
    return std::nullopt;
  }
  constexpr std::string_view units = "KMGTP";
  double scale = 1.0;
  if (const std::size_t unit = units.find(text.back()); unit != std::string_view::npos) {
    scale = std::pow(1024.0, static_cast<double>(unit + 1));
    text.remove_suffix(1);
  }
  double value = 0;
  const auto* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || !(value >= 0)) {
    return std::nullopt;
  }
  return static_cast<std::uint64_t>(std::llround(value * scale));
}

struct SacctLine {
  std::string_view id;
  std::string_view state;
  std::string_view exit_code;
  std::string_view max_rss;
  std::string_view start;
  std::string_view end;
  std::string_view node_list;
  std::string_view total_cpu;
};

Result<SacctLine> sacct_line(std::string_view line) {
  std::array<std::string_view, 8> parts;
  std::size_t count = 0;
  for (std::string_view rest = line;; ++count) {
    const std::size_t bar = rest.find('|');
    if (count < parts.size()) {
      parts.at(count) = rest.substr(0, bar);
    }
    if (bar == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(bar + 1);
  }
  if ((count + 1 != 4 && count + 1 != parts.size()) || parts[0].empty()) {
    return make_error(
        ErrorKind::Parse,
        "sacct printed a line that is not JobID|State|ExitCode|MaxRSS[|Start|End|NodeList|TotalCPU]: "
        "'{}'",
        quoted(line));
  }
  // "CANCELLED by 0": the state is the first word.
  const std::string_view state = parts[1].substr(0, parts[1].find(' '));
  return SacctLine{parts[0], state, parts[2], parts[3], parts[4], parts[5], parts[6], parts[7]};
}

struct StateWord {
  std::string_view word;
  JobState state;
};

// Every state word Slurm 22.05 prints (squeue %T, scontrol JobState, sacct State).
constexpr std::array kStateWords = {
    StateWord{"PENDING", JobState::Pending},
    // Back to pending after a requeue, or held there.
    StateWord{"REQUEUED", JobState::Pending},
    StateWord{"REQUEUE_FED", JobState::Pending},
    StateWord{"REQUEUE_HOLD", JobState::Pending},
    StateWord{"RESV_DEL_HOLD", JobState::Pending},
    StateWord{"RUNNING", JobState::Running},
    // Allocated and on its way in or out of running.
    StateWord{"CONFIGURING", JobState::OtherActive},
    StateWord{"COMPLETING", JobState::OtherActive},
    StateWord{"SUSPENDED", JobState::OtherActive},
    StateWord{"STOPPED", JobState::OtherActive},  // SIGSTOPped, keeps its allocation
    StateWord{"RESIZING", JobState::OtherActive},
    StateWord{"SIGNALING", JobState::OtherActive},
    StateWord{"STAGE_OUT", JobState::OtherActive},
    StateWord{"COMPLETED", JobState::Succeeded},
    StateWord{"FAILED", JobState::Failed},
    StateWord{"OUT_OF_MEMORY", JobState::Failed},
    StateWord{"TIMEOUT", JobState::Failed},
    StateWord{"NODE_FAIL", JobState::Failed},
    StateWord{"PREEMPTED", JobState::Failed},
    StateWord{"BOOT_FAIL", JobState::Failed},
    StateWord{"DEADLINE", JobState::Failed},
    // Requeued and held by the site's epilog for an exit code it singles out.
    StateWord{"SPECIAL_EXIT", JobState::Failed},
    StateWord{"CANCELLED", JobState::Stopped},
    // A federated job that started on another cluster.
    StateWord{"REVOKED", JobState::Stopped},
};

// Pending reasons (job_reason_codes.html) that stay until someone changes the
// job or the cluster's configuration.
constexpr std::array<std::string_view, 13> kReasonsThatNeverClear = {"BadConstraints",
                                                                     "PartitionConfig",
                                                                     "PartitionNodeLimit",
                                                                     "PartitionTimeLimit",
                                                                     "DependencyNeverSatisfied",
                                                                     "InvalidAccount",
                                                                     "InvalidQOS",
                                                                     "AccountNotAllowed",
                                                                     "QOSNotAllowed",
                                                                     "ReservationDeleted",
                                                                     "DeadLine",
                                                                     "JobHoldMaxRequeue",
                                                                     "MaxMemPerLimit"};

}  // namespace

Result<std::vector<SlurmJob>> parse_squeue(std::string_view output) {
  std::vector<std::pair<JobOrder, SlurmJob>> jobs;
  for (const std::string_view line : lines_of(output)) {
    if (trim_blanks(line).empty()) {
      continue;
    }
    const std::size_t first = line.find('|');
    const std::size_t last = line.rfind('|');
    const std::size_t before_last =
        last == std::string_view::npos || last == 0 ? last : line.rfind('|', last - 1);
    const auto order = first == std::string_view::npos ? std::nullopt : job_order(line.substr(0, first));
    if (before_last == std::string_view::npos || first >= before_last || !order || before_last + 1 == last) {
      return make_error(ErrorKind::Parse, "squeue printed a line that is not {}: '{}'", squeue_format,
                        quoted(line));
    }
    jobs.emplace_back(*order, SlurmJob{std::string(line.substr(0, first)),
                                       std::string(line.substr(first + 1, before_last - first - 1)),
                                       std::string(line.substr(before_last + 1, last - before_last - 1)),
                                       std::string(line.substr(last + 1))});
  }
  std::stable_sort(jobs.begin(), jobs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<SlurmJob> sorted;
  sorted.reserve(jobs.size());
  for (auto& job : jobs) {
    sorted.push_back(std::move(job.second));
  }
  return sorted;
}

bool is_slurm_job_id(std::string_view id) {
  const std::size_t separator = id.find_first_of("_+");
  return all_digits(id.substr(0, separator)) &&
         (separator == std::string_view::npos || all_digits(id.substr(separator + 1)));
}

Result<std::string> parse_sbatch_id(std::string_view output) {
  std::string_view text = output;
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.remove_suffix(1);
  }
  const std::string_view id = text.substr(0, text.find(';'));
  if (!all_digits(id) || text.find('\n') != std::string_view::npos) {
    return make_error(ErrorKind::Parse, "sbatch --parsable printed '{}' where a job id was expected",
                      quoted(output));
  }
  return std::string(id);
}

Result<SlurmJobDetails> parse_scontrol_job(std::string_view output, std::string_view id) {
  std::optional<Fields> chosen;
  for (const std::string_view line : lines_of(output)) {
    Fields fields = scontrol_fields(line);
    if (!field(fields, "JobState")) {
      continue;
    }
    const bool exact = field(fields, "JobId") == id;
    if (!chosen || exact) {
      chosen = std::move(fields);
    }
    if (exact) {
      break;
    }
  }
  if (!chosen) {
    return make_error(ErrorKind::Parse, "scontrol show job printed no JobState for job {}: '{}'",
                      printable(id), quoted(output));
  }
  const Fields& fields = *chosen;
  SlurmJobDetails details;
  details.id = std::string(field(fields, "JobId").value_or(id));
  details.state = std::string(*field(fields, "JobState"));
  details.reason = std::string(field(fields, "Reason").value_or(""));
  set_exit(details, field(fields, "ExitCode").value_or(""));
  if (const auto path = field(fields, "StdOut"); path && !path->empty()) {
    details.stdout_path = std::string(*path);
  }
  details.run_time = known_time(field(fields, "RunTime"));
  details.start_time = known_time(field(fields, "StartTime"));
  details.end_time = known_time(field(fields, "EndTime"));
  details.node_list = known_node_list(field(fields, "NodeList"));
  return details;
}

Result<std::optional<SlurmJobDetails>> parse_sacct_job(std::string_view output, std::string_view id) {
  std::vector<SacctLine> records;
  for (const std::string_view line : lines_of(output)) {
    if (trim_blanks(line).empty()) {
      continue;
    }
    auto record = sacct_line(line);
    if (!record) {
      return record.error();
    }
    records.push_back(*record);
  }
  const auto is_job_line = [](const SacctLine& r) { return r.id.find('.') == std::string_view::npos; };
  auto job = std::find_if(records.begin(), records.end(), [&](const SacctLine& r) { return r.id == id; });
  if (job == records.end()) {
    job = std::find_if(records.begin(), records.end(), is_job_line);
  }
  if (job == records.end()) {
    if (records.empty()) {
      return std::optional<SlurmJobDetails>();
    }
    return make_error(ErrorKind::Parse, "sacct printed steps but no line for job {}: '{}'", printable(id),
                      quoted(output));
  }
  SlurmJobDetails details;
  details.source = DetailsSource::Accounting;
  details.id = std::string(job->id);
  details.state = std::string(job->state);
  set_exit(details, job->exit_code);
  details.start_time = known_time(job->start);
  details.end_time = known_time(job->end);
  details.node_list = known_node_list(job->node_list);
  details.cpu_seconds = slurm_cpu_seconds(job->total_cpu);
  const std::string step_prefix = details.id + ".";
  for (const SacctLine& record : records) {
    if (record.id != job->id && !record.id.starts_with(step_prefix)) {
      continue;
    }
    // An srun step killed for memory while the job itself ended otherwise.
    if (record.state == "OUT_OF_MEMORY") {
      details.state = "OUT_OF_MEMORY";
    }
    if (const auto rss = rss_bytes(record.max_rss); rss && *rss >= details.max_rss_bytes.value_or(0)) {
      details.max_rss_bytes = rss;
    }
  }
  return std::optional(std::move(details));
}

Result<SlurmConfig> parse_scontrol_config(std::string_view output) {
  SlurmConfig config;
  bool versioned = false;
  for (const std::string_view line : lines_of(output)) {
    const std::size_t equals = line.find(" = ");
    if (equals == std::string_view::npos) {
      continue;  // the "Configuration data as of" header, blank lines, the controllers' status
    }
    const std::string_view key = trim_blanks(line.substr(0, equals));
    const std::string_view value = trim_blanks(line.substr(equals + 3));
    if (key == "SLURM_VERSION") {
      config.version = std::string(value);
      versioned = true;
    } else if (key == "AccountingStorageType") {
      config.accounting_storage = std::string(value);
    } else if (key == "MinJobAge") {
      // "300 sec"
      const auto seconds = to_number(value.substr(0, value.find(' ')));
      if (seconds && *seconds <= static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
        config.min_job_age_seconds = static_cast<int>(*seconds);
      }
    }
  }
  if (!versioned) {
    return make_error(ErrorKind::Parse, "scontrol show config printed no SLURM_VERSION: '{}'",
                      quoted(output));
  }
  return config;
}

Result<std::vector<SlurmPartition>> parse_scontrol_partitions(std::string_view output) {
  std::vector<SlurmPartition> partitions;
  for (const std::string_view line : lines_of(output)) {
    if (trim_blanks(line).empty()) {
      continue;
    }
    const Fields fields = scontrol_fields(line);
    const auto name = field(fields, "PartitionName");
    if (!name || name->empty()) {
      return make_error(ErrorKind::Parse,
                        "scontrol show partition printed a line without PartitionName: '{}'", quoted(line));
    }
    partitions.push_back({std::string(*name), field(fields, "Default") == "YES",
                          std::string(field(fields, "State").value_or(""))});
  }
  return partitions;
}

JobState slurm_job_state(std::string_view state) {
  const auto entry = std::find_if(kStateWords.begin(), kStateWords.end(),
                                  [&](const StateWord& e) { return e.word == state; });
  return entry != kStateWords.end() ? entry->state : JobState::Unknown;
}

bool slurm_job_older(std::string_view a, std::string_view b) {
  const auto order_a = job_order(a);
  const auto order_b = job_order(b);
  if (order_a && order_b) {
    return *order_a < *order_b;
  }
  if (order_a || order_b) {
    return order_b.has_value();
  }
  return a < b;
}

bool pending_reason_never_clears(std::string_view reason) {
  // "ReqNodeNotAvail, UnavailableNodes:n1": the code is the first word.
  const std::string_view code = reason.substr(0, reason.find_first_of(", "));
  if (std::find(kReasonsThatNeverClear.begin(), kReasonsThatNeverClear.end(), code) !=
      kReasonsThatNeverClear.end()) {
    return true;
  }
  // A QOS's or association's limit on one job or one node (QOSMaxCpuPerJobLimit,
  // AssocMaxWallDurationPerJobLimit, QOSMaxMemoryPerNode) or a minimum it does not
  // meet; limits per user or on aggregates clear as other jobs end.
  const bool per_job_limit =
      (code.starts_with("QOSMax") || code.starts_with("AssocMax")) &&
      (code.find("PerJob") != std::string_view::npos || code.find("PerNode") != std::string_view::npos);
  return per_job_limit || code.starts_with("QOSMin");
}

std::optional<TimePoint> slurm_time(std::string_view text) {
  std::tm parts{};
  int year = 0;
  int month = 0;
  const auto number = [&text](std::size_t at, std::size_t length, int& value) {
    const char* first = text.data() + at;
    const auto [stop, error] = std::from_chars(first, first + length, value);
    return error == std::errc() && stop == first + length;
  };
  const bool shaped = text.size() == 19 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
                      text[13] == ':' && text[16] == ':';
  if (!shaped || !number(0, 4, year) || !number(5, 2, month) || !number(8, 2, parts.tm_mday) ||
      !number(11, 2, parts.tm_hour) || !number(14, 2, parts.tm_min) || !number(17, 2, parts.tm_sec)) {
    return std::nullopt;
  }
  parts.tm_year = year - 1900;
  parts.tm_mon = month - 1;
  parts.tm_isdst = -1;  // the zone's rule for that date
  const std::time_t seconds = std::mktime(&parts);
  if (seconds == static_cast<std::time_t>(-1)) {
    return std::nullopt;
  }
  return std::chrono::time_point_cast<Duration>(std::chrono::system_clock::from_time_t(seconds));
}

std::optional<double> slurm_cpu_seconds(std::string_view text) {
  double days = 0;
  if (const std::size_t dash = text.find('-'); dash != std::string_view::npos) {
    const auto [stop, error] = std::from_chars(text.data(), text.data() + dash, days);
    if (error != std::errc() || stop != text.data() + dash) {
      return std::nullopt;
    }
    text.remove_prefix(dash + 1);
  }
  double total = 0;
  int fields = 0;
  while (!text.empty()) {
    const std::size_t colon = text.find(':');
    const std::string_view part = text.substr(0, colon);
    double value = 0;
    const auto [stop, error] = std::from_chars(part.data(), part.data() + part.size(), value);
    if (part.empty() || error != std::errc() || stop != part.data() + part.size() || value < 0) {
      return std::nullopt;
    }
    total = total * 60 + value;
    ++fields;
    text.remove_prefix(colon == std::string_view::npos ? text.size() : colon + 1);
  }
  if (fields < 2 || fields > 3) {
    return std::nullopt;
  }
  return days * 86'400 + total;
}

std::vector<std::string> parse_sinfo_nodes(std::string_view output) {
  std::vector<std::string> nodes;
  for (const std::string_view line : lines_of(output)) {
    const std::string_view name = trim_blanks(line);
    if (!name.empty() && std::find(nodes.begin(), nodes.end(), name) == nodes.end()) {
      nodes.emplace_back(name);
    }
  }
  return nodes;
}

}  // namespace traitctl
