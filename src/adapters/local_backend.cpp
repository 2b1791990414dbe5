#include "traitctl/adapters/local_backend.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

constexpr int record_version = 1;
// Where the runai backend mounts the host paths; the local job sees the host paths instead.
constexpr std::string_view container_data = "/data";
constexpr std::string_view container_outputs = "/outputs";

std::string errno_text(int error) { return std::strerror(error); }

// Field 22 of /proc/<pid>/stat, the process's start time in ticks since boot:
// with the pid it names one process for good. nullopt when the process is
// gone or a zombie, or there is no /proc.
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

bool have_proc() {
  static const bool present = fs::exists("/proc/self/stat");
  return present;
}

// Whether the process recorded as (pid, start) still runs, and not a stranger
// that was given the same pid since: we may signal its process group. With
// /proc an empty start means the process had ended when it was recorded.
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

bool wait_until_gone(const LocalJob& job, Duration limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (still_running(job.pid, job.pid_start)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(Duration{20});
  }
  return true;
}

// A job that a dead traitctl left running is not our child: it is signalled
// and watched until its new parent reaps it, never waited for.
void stop_orphan(const LocalJob& job, Duration grace) {
  const pid_t target = ::getpgid(job.pid) == job.pid ? -job.pid : job.pid;
  spdlog::warn("stopping {} (pid {}), left running by a traitctl that is gone", job.name, job.pid);
  ::kill(target, SIGTERM);
  if (!wait_until_gone(job, grace)) {
    ::kill(target, SIGKILL);
    if (!wait_until_gone(job, Duration{1'000})) {
      spdlog::warn("{} (pid {}) did not end after SIGKILL", job.name, job.pid);
    }
  }
}

std::int64_t to_unix_ms(TimePoint time) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

TimePoint from_unix_ms(std::int64_t milliseconds) {
  return TimePoint{std::chrono::milliseconds{milliseconds}};
}

std::string_view to_string(JobEnd end) {
  switch (end) {
    case JobEnd::Exited: return "exited";
    case JobEnd::TimedOut: return "timed_out";
    case JobEnd::Interrupted: return "interrupted";
  }
  return "exited";
}

JobEnd job_end_from_string(const std::string& word) {
  for (const JobEnd end : {JobEnd::Exited, JobEnd::TimedOut, JobEnd::Interrupted}) {
    if (word == to_string(end)) {
      return end;
    }
  }
  throw std::invalid_argument(fmt::format("unknown end '{}'", printable(word)));
}

// A running job whose process is gone ended without anyone seeing its exit code.
void settle_abandoned(std::vector<LocalJob>& jobs) {
  for (LocalJob& job : jobs) {
    if (!job.end && !still_running(job.pid, job.pid_start)) {
      job.end = JobEnd::Interrupted;
    }
  }
}

struct Record {
  pid_t owner_pid = -1;
  std::string owner_start;
  std::vector<LocalJob> jobs;
};

fs::path record_path(const fs::path& record_dir) { return record_dir / "jobs.json"; }

}  // namespace

void to_json(nlohmann::json& json, const LocalJob& job) {
  json = {{"name", job.name},
          {"trait", job.trait},
          {"attempt", job.attempt},
          {"pid", job.pid},
          {"pid_start", job.pid_start},
          {"status", job.status()},  // for people and jq; derived from the rest on reading
          {"started_at_ms", to_unix_ms(job.started_at)}};
  if (job.finished_at) {
    json["finished_at_ms"] = to_unix_ms(*job.finished_at);
  }
  if (job.exit_code) {
    json["exit_code"] = *job.exit_code;
  }
  if (job.end) {
    json["end"] = to_string(*job.end);
  }
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
  if (json.contains("end")) {
    job.end = job_end_from_string(json.at("end").get<std::string>());
  }
}

namespace {

std::optional<std::string> read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

Result<Record> read_record(const fs::path& path) {
  std::error_code missing;
  if (!fs::exists(path, missing) && !missing) {
    return Record{};  // no job submitted yet
  }
  const auto text = read_text(path);
  if (!text) {
    return make_error(ErrorKind::Io, "cannot read {}: check its permissions", path.string());
  }
  try {
    const auto document = nlohmann::json::parse(*text);
    const int version = document.at("version").get<int>();
    if (version != record_version) {
      return make_error(ErrorKind::Parse,
                        "{} has version {}, this traitctl reads version {}: use the traitctl "
                        "that wrote it",
                        path.string(), version, record_version);
    }
    Record record;
    document.at("owner").at("pid").get_to(record.owner_pid);
    document.at("owner").at("pid_start").get_to(record.owner_start);
    document.at("jobs").get_to(record.jobs);
    return record;
  } catch (const std::exception& error) {
    return make_error(ErrorKind::Parse, "cannot understand {}: {}; move it aside to forget the local batch",
                      path.string(), error.what());
  }
}

// Temp file in the same folder, fsync, rename, fsync the folder: readers see
// the old record or the new one, never half of one, even after a crash.
Result<void> write_atomically(const fs::path& path, const std::string& content) {
  std::string temp = path.string() + ".XXXXXX";
  const int fd = ::mkostemp(temp.data(), O_CLOEXEC);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot create a file next to {}: {}", path.string(), errno_text(errno));
  }
  auto fail = [&](std::string_view what) -> Error {
    const int error = errno;
    ::close(fd);
    ::unlink(temp.c_str());
    return make_error(ErrorKind::Io, "cannot {} {}: {}", what, temp, errno_text(error));
  };
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t count = ::write(fd, content.data() + written, content.size() - written);
    if (count < 0 && errno == EINTR) {
      continue;
    }
    if (count < 0) {
      return fail("write");
    }
    written += static_cast<std::size_t>(count);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0) {
    return fail("sync");
  }
  ::close(fd);
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    return make_error(ErrorKind::Io, "cannot replace {}: {}", path.string(), errno_text(error));
  }
  const int dir_fd = ::open(path.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return {};
}

// Renames `<job>.log` to `<job>.attempt-<n><tag>.log` (-2, -3... when taken), so
// that the next submission of the job starts a fresh log and nothing is lost.
void keep_log(const fs::path& log_dir, const LocalJob& job, std::string_view tag) {
  const fs::path log = log_dir / (job.name + ".log");
  std::error_code error;
  if (!fs::exists(log, error)) {
    return;
  }
  const std::string stem = fmt::format("{}.attempt-{}{}", job.name, job.attempt, tag);
  fs::path kept = log_dir / (stem + ".log");
  for (int copy = 2; fs::exists(kept, error); ++copy) {
    kept = log_dir / fmt::format("{}-{}.log", stem, copy);
  }
  fs::rename(log, kept, error);
  if (error) {
    spdlog::warn("could not keep the log of {} as {}: {}", job.name, kept.string(), error.message());
  }
}

// The container saw the host paths mounted at /data and /outputs; a local job
// sees the host paths themselves, in DATA_PATH/OUTPUT_PATH and in every value
// that names a file below them (GENOTYPE_FILE=/data/genotype/...). Absolute,
// so that a job which changes folder still finds them. TRAITCTL_ATTEMPT is
// always set: a Run:ai job gets it from its second attempt on only, so that
// first submissions stay those of the old scripts.
EnvironmentOverrides local_environment(const JobSpec& spec, int attempt) {
  const auto absolute = [](const std::string& path) {
    std::error_code error;  // no working folder: keep the path as given
    const fs::path resolved = fs::absolute(path, error);
    return (error ? fs::path(path) : resolved).lexically_normal().string();
  };
  const std::string data = absolute(spec.data_path_host);
  const std::string outputs = absolute(spec.output_path_host);
  const auto on_host = [&](std::string_view value) {
    for (const auto& [mount, host] : {std::pair{container_data, std::string_view(data)},
                                      std::pair{container_outputs, std::string_view(outputs)}}) {
      if (value == mount) {
        return std::string(host);
      }
      if (value.starts_with(mount) && value.substr(mount.size()).starts_with('/')) {
        return (fs::path(host) / value.substr(mount.size() + 1)).string();
      }
    }
    return std::string(value);
  };
  EnvironmentOverrides environment;
  for (const auto& [key, value] : spec.environment) {
    if (key == "DATA_PATH") {
      environment.emplace_back(key, data);
    } else if (key == "OUTPUT_PATH") {
      environment.emplace_back(key, outputs);
    } else if (key != "TRAITCTL_ATTEMPT") {
      environment.emplace_back(key, on_host(value));
    }
  }
  environment.emplace_back("TRAITCTL_ATTEMPT", std::to_string(attempt));
  return environment;
}

Result<int> attempt_of(const JobSpec& spec) {
  for (const auto& [key, value] : spec.environment) {
    if (key == "TRAITCTL_ATTEMPT") {
      return parse_int(value, "TRAITCTL_ATTEMPT");
    }
  }
  return 1;
}

// A project or job name becomes a file name; it must not climb out of its folder.
Result<void> check_file_name(std::string_view name, std::string_view what) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos) {
    return make_error(ErrorKind::Config,
                      "the {} '{}' cannot name a file of the local backend: use letters, "
                      "digits and dashes",
                      what, printable(name));
  }
  return {};
}

Error read_only_error(const std::string& project) {
  return make_error(ErrorKind::Usage, "the local batch of project '{}' was opened read-only",
                    printable(project));
}

}  // namespace

fs::path local_record_dir(const fs::path& state_dir, const std::string& project) {
  return state_dir / "local" / project;
}

bool has_local_record(const fs::path& state_dir, const std::string& project) {
  std::error_code error;
  return fs::exists(record_path(local_record_dir(state_dir, project)), error);
}

std::string LocalJob::status() const {
  if (!end) {
    return "Running";
  }
  return *end == JobEnd::Exited && exit_code == 0 ? "Completed" : "Failed";
}

Result<std::vector<LocalJob>> load_recorded_state(const fs::path& state_dir, const std::string& project) {
  if (auto checked = check_file_name(project, "project"); !checked) {
    return checked.error();
  }
  auto record = read_record(record_path(local_record_dir(state_dir, project)));
  if (!record) {
    return record.error();
  }
  // While its owner lives the record is current; a dead owner's Running jobs
  // are trusted only as long as their processes run.
  if (!still_running(record->owner_pid, record->owner_start)) {
    settle_abandoned(record->jobs);
  }
  return std::move(record->jobs);
}

LocalBackend::LocalBackend(LocalOptions options, Clock& clock, bool read_only)
    : options_(std::move(options)),
      clock_(clock),
      read_only_(read_only),
      record_dir_(local_record_dir(options_.state_dir, options_.project)),
      log_dir_(options_.state_dir / "logs") {}

Result<std::unique_ptr<LocalBackend>> LocalBackend::open(LocalOptions options, Clock& clock) {
  if (auto checked = check_file_name(options.project, "project"); !checked) {
    return checked.error();
  }
  std::unique_ptr<LocalBackend> backend(new LocalBackend(std::move(options), clock, false));
  if (auto loaded = backend->lock_and_load(); !loaded) {
    return loaded.error();
  }
  return backend;
}

Result<std::unique_ptr<LocalBackend>> LocalBackend::open_read_only(LocalOptions options, Clock& clock) {
  if (auto checked = check_file_name(options.project, "project"); !checked) {
    return checked.error();
  }
  std::unique_ptr<LocalBackend> backend(new LocalBackend(std::move(options), clock, true));
  if (auto loaded = backend->reload_if_read_only(); !loaded) {
    return loaded.error();
  }
  return backend;
}

LocalBackend::~LocalBackend() {
  if (lock_fd_ < 0) {
    return;  // read-only, or never owned the batch: nothing of ours to stop or write
  }
  try {
    if (auto stopped = stop_all(options_.kill_grace); !stopped) {
      spdlog::warn("{}", stopped.error().message);
    }
  } catch (const std::exception& error) {  // out of memory or a broken filesystem; the children still die
    spdlog::warn("could not stop the local jobs cleanly: {}", error.what());
  }
  ::close(lock_fd_);
}

Result<void> LocalBackend::lock_and_load() {
  std::error_code error;
  fs::create_directories(record_dir_, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", record_dir_.string(), error.message());
  }
  // O_CLOEXEC: a job that outlives traitctl must not hold the batch's lock.
  const fs::path lock_path = record_dir_ / "jobs.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot open {}: {}", lock_path.string(), errno_text(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    ::close(fd);
    if (lock_error == EWOULDBLOCK) {
      return make_error(ErrorKind::Locked,
                        "another traitctl is running the local batch of project '{}' ({}); "
                        "wait for it to finish or stop it",
                        printable(options_.project), record_dir_.string());
    }
    return make_error(ErrorKind::Io, "cannot lock {}: {}", lock_path.string(), errno_text(lock_error));
  }
  auto record = read_record(record_path(record_dir_));
  if (!record) {
    ::close(fd);
    return record.error();
  }
  lock_fd_ = fd;
  jobs_ = std::move(record->jobs);
  // We hold the lock, so every Running job was started by a traitctl that died.
  for (LocalJob& job : jobs_) {
    if (!job.end) {
      if (still_running(job.pid, job.pid_start)) {
        stop_orphan(job, options_.kill_grace);
      }
      job.end = JobEnd::Interrupted;
      dirty_ = true;
    }
  }
  return dirty_ ? persist() : Result<void>{};
}

Result<void> LocalBackend::reload_if_read_only() {
  if (!read_only_) {
    return {};
  }
  auto jobs = load_recorded_state(options_.state_dir, options_.project);
  if (!jobs) {
    return jobs.error();
  }
  jobs_ = std::move(*jobs);
  return {};
}

void LocalBackend::refresh_children() {
  for (auto child = children_.begin(); child != children_.end();) {
    const auto job = std::find_if(jobs_.begin(), jobs_.end(),
                                  [&](const LocalJob& recorded) { return recorded.name == child->first; });
    std::optional<int> exit_code = child->second.poll();
    if (!exit_code && options_.job_timeout > Duration::zero() &&
        clock_.now() - job->started_at >= options_.job_timeout) {
      spdlog::warn("{} ran past the job timeout of {} s; stopping it", job->name,
                   std::chrono::duration<double>(options_.job_timeout).count());
      exit_code = child->second.terminate(options_.kill_grace);
      job->end = JobEnd::TimedOut;
    }
    if (!exit_code) {
      ++child;
      continue;
    }
    job->end = job->end.value_or(JobEnd::Exited);
    job->exit_code = exit_code;
    job->finished_at = clock_.now();
    dirty_ = true;
    child = children_.erase(child);
  }
}

Result<void> LocalBackend::persist() {
  const nlohmann::json document = {
      {"version", record_version},
      {"project", options_.project},
      {"owner", {{"pid", ::getpid()}, {"pid_start", process_start_time(::getpid()).value_or("")}}},
      {"jobs", jobs_}};
  if (auto written = write_atomically(record_path(record_dir_), document.dump(2) + "\n"); !written) {
    return written.error();
  }
  dirty_ = false;
  return {};
}

Result<void> LocalBackend::sync() {
  if (read_only_) {
    return reload_if_read_only();
  }
  refresh_children();
  return dirty_ ? persist() : Result<void>{};
}

Result<std::vector<Workload>> LocalBackend::list_workloads() {
  const std::lock_guard lock(mutex_);
  if (auto synced = sync(); !synced) {
    return synced.error();
  }
  std::vector<Workload> workloads;
  workloads.reserve(jobs_.size());
  for (const LocalJob& job : jobs_) {
    workloads.push_back({job.name, job.status()});
  }
  return workloads;
}

Result<SubmitOutcome> LocalBackend::submit(const JobSpec& spec) {
  const std::lock_guard lock(mutex_);
  if (read_only_) {
    return read_only_error(options_.project);
  }
  if (auto checked = check_file_name(spec.name, "job name"); !checked) {
    return checked.error();
  }
  if (std::any_of(jobs_.begin(), jobs_.end(), [&](const LocalJob& job) { return job.name == spec.name; })) {
    return SubmitOutcome::AlreadyExists;
  }
  const std::vector<std::string>& argv = options_.command.empty() ? spec.command : options_.command;
  if (argv.empty()) {
    return make_error(ErrorKind::Usage, "no command to run for {}: give one after `--`", spec.name);
  }
  const auto attempt = attempt_of(spec);
  if (!attempt) {
    return attempt.error();
  }
  std::error_code error;
  fs::create_directories(log_dir_, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", log_dir_.string(), error.message());
  }
  auto child = ChildProcess::spawn(argv, local_environment(spec, *attempt), log_dir_ / (spec.name + ".log"));
  if (!child) {
    return make_error(child.error().kind, "cannot start {} for {}: {}", shell_join(argv), spec.name,
                      child.error().message);
  }
  LocalJob job;
  job.name = spec.name;
  job.trait = spec.trait;
  job.attempt = *attempt;
  job.pid = child->pid();
  job.pid_start = process_start_time(job.pid).value_or("");
  job.started_at = clock_.now();
  spdlog::debug("started {} as pid {}: {}", job.name, job.pid, shell_join(argv));
  jobs_.push_back(std::move(job));
  children_.emplace(spec.name, std::move(*child));
  dirty_ = true;
  if (auto persisted = persist(); !persisted) {
    return persisted.error();
  }
  return SubmitOutcome::Created;
}

Result<DeleteOutcome> LocalBackend::remove(const std::string& name) {
  const std::lock_guard lock(mutex_);
  if (read_only_) {
    return read_only_error(options_.project);
  }
  const auto job = std::find_if(jobs_.begin(), jobs_.end(),
                                [&](const LocalJob& recorded) { return recorded.name == name; });
  if (job == jobs_.end()) {
    return DeleteOutcome::NotFound;
  }
  if (const auto child = children_.find(name); child != children_.end()) {
    child->second.terminate(options_.kill_grace);
    children_.erase(child);
  }
  keep_log(log_dir_, *job, "");
  jobs_.erase(job);
  dirty_ = true;
  if (auto persisted = persist(); !persisted) {
    return persisted.error();
  }
  return DeleteOutcome::Deleted;
}

Result<FailureEvidence> LocalBackend::failure_evidence(const std::string& name) {
  const std::lock_guard lock(mutex_);
  if (auto synced = sync(); !synced) {
    return synced.error();
  }
  const auto job = std::find_if(jobs_.begin(), jobs_.end(),
                                [&](const LocalJob& recorded) { return recorded.name == name; });
  FailureEvidence evidence;
  if (job == jobs_.end()) {
    return evidence;
  }
  evidence.exit_code = job->exit_code;
  evidence.timed_out = job->end == JobEnd::TimedOut;
  evidence.log = read_text(log_dir_ / (name + ".log"));
  return evidence;
}

Result<void> LocalBackend::stop_all(Duration grace) {
  const std::lock_guard lock(mutex_);
  if (read_only_) {
    return {};
  }
  refresh_children();
  {
    // All at once: Ctrl-C must not wait one grace period per job.
    std::vector<std::jthread> stoppers;
    stoppers.reserve(children_.size());
    for (auto& [name, child] : children_) {
      stoppers.emplace_back([&child = child, grace] { child.terminate(grace); });
    }
  }
  for (const auto& [name, child] : children_) {
    const auto job = std::find_if(jobs_.begin(), jobs_.end(), [&, &name = name](const LocalJob& recorded) {
      return recorded.name == name;
    });
    keep_log(log_dir_, *job, ".interrupted");
    jobs_.erase(job);
    dirty_ = true;
  }
  children_.clear();
  return dirty_ ? persist() : Result<void>{};
}

Result<std::vector<LocalJob>> LocalBackend::jobs() {
  const std::lock_guard lock(mutex_);
  if (auto synced = sync(); !synced) {
    return synced.error();
  }
  return jobs_;
}

}  // namespace traitctl
