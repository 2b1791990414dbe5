#include "traitctl/adapters/local_record.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

constexpr int record_version = 1;

bool have_proc() {
  static const bool present = fs::exists("/proc/self/stat");
  return present;
}

TimePoint from_unix_ms(std::int64_t milliseconds) {
  return TimePoint{std::chrono::milliseconds{milliseconds}};
}

}  // namespace

std::string_view job_end_word(JobEnd end) {
  switch (end) {
    case JobEnd::Exited: return "exited";
    case JobEnd::TimedOut: return "timed_out";
    case JobEnd::Interrupted: return "interrupted";
  }
  return "exited";
}

std::optional<JobEnd> job_end_from_word(std::string_view word) {
  for (const JobEnd end : {JobEnd::Exited, JobEnd::TimedOut, JobEnd::Interrupted}) {
    if (word == job_end_word(end)) {
      return end;
    }
  }
  return std::nullopt;
}

void from_json(const nlohmann::json& json, LocalJob& job) {
  json.at("name").get_to(job.name);
  json.at("trait").get_to(job.trait);
  json.at("attempt").get_to(job.attempt);
  json.at("pid").get_to(job.pid);
  json.at("pid_start").get_to(job.pid_start);
  job.started_at = from_unix_ms(json.at("started_at_ms").get<std::int64_t>());
  if (json.contains("finished_at_ms")) {
    job.finished_at = from_unix_ms(json.at("finished_at_ms").get<std::int64_t>());
  }
  if (json.contains("exit_code")) {
    job.exit_code = json.at("exit_code").get<int>();
  }
  job.term_signal = json.value("signal", 0);
  if (json.contains("end")) {
    const auto word = json.at("end").get<std::string>();
    job.end = job_end_from_word(word);
    if (!job.end) {
      throw std::invalid_argument(fmt::format("unknown end '{}'", printable(word)));
    }
  }
}

Result<LocalRecord> read_legacy_local_record(const fs::path& path) {
  return read_versioned_record<LocalRecord>(path, record_version, "move it aside to forget the local batch",
                                            [](const nlohmann::json& document) {
                                              LocalRecord record;
                                              document.at("owner").at("pid").get_to(record.owner_pid);
                                              document.at("owner").at("pid_start").get_to(record.owner_start);
                                              document.at("jobs").get_to(record.jobs);
                                              return record;
                                            });
}

std::string LocalJob::status() const {
  if (!end) {
    return "Running";
  }
  if (*end == JobEnd::Interrupted) {
    return "Interrupted";
  }
  return *end == JobEnd::Exited && exit_code == 0 ? "Completed" : "Failed";
}

JobState LocalJob::state() const {
  if (!end) {
    return JobState::Running;
  }
  if (*end == JobEnd::Interrupted) {
    return JobState::Stopped;  // never finished: the next owner runs it again
  }
  return *end == JobEnd::Exited && exit_code == 0 ? JobState::Succeeded : JobState::Failed;
}

std::optional<std::string> process_start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const std::size_t name_end = stat.rfind(')');  // the command name may hold spaces and parentheses
  if (!in || name_end == std::string::npos) {
    return std::nullopt;
  }
  std::istringstream fields(stat.substr(name_end + 1));
  std::string state;
  fields >> state;
  if (state == "Z" || state == "X") {
    return std::nullopt;
  }
  std::string field;
  for (int index = 4; index <= 22; ++index) {
    fields >> field;
  }
  return fields ? std::optional(field) : std::nullopt;
}

bool still_running(pid_t pid, const std::string& start) {
  if (pid <= 0 || (::kill(pid, 0) != 0 && errno != EPERM)) {
    return false;
  }
  if (!have_proc()) {
    return true;
  }
  const auto current = process_start_time(pid);
  return current && *current == start;
}

Result<void> check_file_name(std::string_view name, std::string_view what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::Config,
                      "the {} '{}' cannot name a file in the state folder: use letters, digits and dashes",
                      what, printable(name));
  }
  return {};
}

}  // namespace traitctl
