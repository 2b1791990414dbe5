#include "traitctl/adapters/local_backend.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <thread>

#include "traitctl/adapters/host_environment.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

std::string errno_text(int error) { return std::strerror(error); }

// A job that a dead traitctl left running is not our child: its group is
// stopped and watched until its new parent reaps it, never waited for.
void stop_orphan(const LocalJob& job, Duration grace) {
  const pid_t group = ::getpgid(job.pid) == job.pid ? job.pid : -1;
  spdlog::warn("stopping {} (pid {}), left running by a traitctl that is gone", job.name, job.pid);
  const auto gone = [&job] { return !still_running(job.pid, job.pid_start); };
  if (group < 0) {
    ::kill(job.pid, SIGKILL);  // not a group leader: nothing else of it to reach
    return;
  }
  if (!stop_process_group(group, grace, gone)) {
    spdlog::warn("{} (pid {}) did not end after SIGKILL", job.name, job.pid);
  }
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

Result<void> check_names(const LocalOptions& options) {
  if (auto checked = check_file_name(options.project, "project"); !checked) {
    return checked.error();
  }
  return check_file_name(options.prefix, "prefix");
}

Error read_only_error(const std::string& project) {
  return make_error(ErrorKind::Usage, "the local batch of project '{}' was opened read-only",
                    printable(project));
}

}  // namespace

LocalBackend::LocalBackend(LocalOptions options, Clock& clock, bool read_only)
    : options_(std::move(options)),
      clock_(clock),
      read_only_(read_only),
      log_dir_(options_.state_dir / "logs") {}

Result<std::unique_ptr<LocalBackend>> LocalBackend::open(LocalOptions options, Clock& clock) {
  if (auto checked = check_names(options); !checked) {
    return checked.error();
  }
  std::unique_ptr<LocalBackend> backend(new LocalBackend(std::move(options), clock, false));
  if (auto loaded = backend->lock_and_load(); !loaded) {
    return loaded.error();
  }
  return backend;
}

Result<std::unique_ptr<LocalBackend>> LocalBackend::open_read_only(LocalOptions options, Clock& clock) {
  if (auto checked = check_names(options); !checked) {
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
  const fs::path lock_path = local_lock_path(options_.state_dir, options_.project, options_.prefix);
  std::error_code error;
  fs::create_directories(lock_path.parent_path(), error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", lock_path.parent_path().string(), error.message());
  }
  // O_CLOEXEC: a job that outlives traitctl must not hold the batch's lock.
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot open {}: {}", lock_path.string(), errno_text(errno));
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int lock_error = errno;
    ::close(fd);
    if (lock_error == EWOULDBLOCK) {
      return make_error(ErrorKind::Locked,
                        "another traitctl is running the local batch {} of project '{}' ({}); "
                        "wait for it to finish or stop it",
                        printable(options_.prefix), printable(options_.project), lock_path.string());
    }
    return make_error(ErrorKind::Io, "cannot lock {}: {}", lock_path.string(), errno_text(lock_error));
  }
  store_.emplace(options_.state_dir, options_.project, options_.prefix, true);
  auto record = store_->read();
  if (!record) {
    ::close(fd);
    return record.error();
  }
  lock_fd_ = fd;
  jobs_ = std::move(record->jobs);
  reindex();
  if (auto stopped = stop_unrecorded_spawns(); !stopped) {
    return stopped.error();
  }
  for (const LocalJob& job : jobs_) {
    if (job.row == 0) {
      unrecorded_.push_back(job.name);  // from a jobs.json of an earlier traitctl: imported by the first write
    }
  }
  // We hold the lock, so every unfinished job was started by a traitctl that
  // died: stopped and forgotten, so that this run starts it afresh.
  std::vector<std::string> unfinished;
  for (const LocalJob& job : jobs_) {
    if (!job.end || *job.end == JobEnd::Interrupted) {
      if (!job.end && still_running(job.pid, job.pid_start)) {
        stop_orphan(job, options_.kill_grace);
      }
      unfinished.push_back(job.name);
    }
  }
  for (const std::string& name : unfinished) {
    forget(name, ".interrupted");
  }
  // Rows to delete mean a database that exists. Nothing is written
  // otherwise: the batch's database is the ledger store's to create.
  if (!forgotten_.empty()) {
    if (auto persisted = persist(); !persisted) {
      return persisted.error();
    }
  }
  return spawns_->clear();
}

Result<void> LocalBackend::stop_unrecorded_spawns() {
  auto spawns = SpawnLog::open(SpawnLog::path_for(options_.state_dir, options_.project, options_.prefix));
  if (!spawns) {
    return spawns.error();
  }
  spawns_.emplace(std::move(*spawns));
  auto children = spawns_->read();
  if (!children) {
    return children.error();
  }
  for (const SpawnedChild& child : *children) {
    const LocalJob* recorded = find(child.name);
    if (recorded != nullptr && recorded->pid == child.pid) {
      continue;  // recorded before the crash, and handled with the record
    }
    LocalJob orphan;
    orphan.name = child.name;
    orphan.attempt = child.attempt;
    orphan.pid = child.pid;
    orphan.pid_start = child.pid_start;
    if (still_running(orphan.pid, orphan.pid_start)) {
      stop_orphan(orphan, options_.kill_grace);
    }
    if (recorded == nullptr) {
      keep_log(log_dir_, orphan, ".interrupted");
    }
  }
  return {};
}

Result<void> LocalBackend::reload_if_read_only() {
  if (!read_only_) {
    return {};
  }
  if (!store_) {
    store_.emplace(options_.state_dir, options_.project, options_.prefix, false);
  }
  auto record = store_->read();
  if (!record) {
    return record.error();
  }
  // While its owner lives the record is current; a dead owner's Running jobs
  // are trusted only as long as their processes run.
  if (!still_running(record->owner_pid, record->owner_start)) {
    settle_abandoned(record->jobs);
  }
  jobs_ = std::move(record->jobs);
  reindex();
  return {};
}

void LocalBackend::refresh_children() {
  for (auto child = children_.begin(); child != children_.end();) {
    LocalJob* job = find(child->first);
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
    job->term_signal = child->second.term_signal();
    job->finished_at = clock_.now();
    if (const auto& usage = child->second.usage()) {
      job->peak_memory_bytes = usage->peak_memory_bytes;
      job->cpu_seconds = usage->cpu_seconds;
    }
    changed_.insert(job->name);
    dirty_ = true;
    child = children_.erase(child);
  }
}

Result<void> LocalBackend::persist() {
  std::vector<const LocalJob*> changed;
  std::vector<LocalJob*> added;
  for (const std::string& name : changed_) {
    if (const LocalJob* job = find(name); job != nullptr && job->row != 0) {
      changed.push_back(job);
    }
  }
  for (const std::string& name : unrecorded_) {
    if (LocalJob* job = find(name)) {
      added.push_back(job);
    }
  }
  if (auto written = store_->write(changed, forgotten_, added); !written) {
    return written.error();
  }
  const bool spawned = !unrecorded_.empty();
  unrecorded_.clear();
  changed_.clear();
  forgotten_.clear();
  dirty_ = false;
  // Recorded now: the spawn log's children are in the database.
  return spawned && spawns_ ? spawns_->clear() : Result<void>{};
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
    workloads.push_back({job.name, job.state(), job.status(), "", ""});
  }
  return workloads;
}

Result<SubmitReceipt> LocalBackend::submit(const JobSpec& spec) {
  const std::lock_guard lock(mutex_);
  if (read_only_) {
    return read_only_error(options_.project);
  }
  if (auto checked = check_file_name(spec.name, "job name"); !checked) {
    return checked.error();
  }
  if (find(spec.name) != nullptr) {
    return SubmitReceipt{SubmitOutcome::AlreadyExists, ""};
  }
  const std::vector<std::string>& argv = options_.command.empty() ? spec.command : options_.command;
  if (argv.empty()) {
    return make_error(ErrorKind::Usage, "no command to run for {}: give one after `--`", spec.name);
  }
  const auto attempt = job_attempt(spec);
  if (!attempt) {
    return attempt.error();
  }
  std::error_code error;
  fs::create_directories(log_dir_, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", log_dir_.string(), error.message());
  }
  auto child =
      ChildProcess::spawn(argv, host_job_environment(spec, *attempt), log_dir_ / (spec.name + ".log"));
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
  // The row waits for the round's one transaction (the next listing, or
  // wait_for_change once the round is sent): a commit per spawn would cost
  // a few fsyncs per trait. Until then the spawn log holds the child, with
  // one write(2) before the engine hears of it: a traitctl that dies before
  // the commit leaves it there, and the next owner stops it and forgets it.
  // So a child started but not recorded is never lost (left running, seen
  // by nobody), nor started twice (the engine, whose ledger says the
  // submission was sent and whose listing, this record, lacks the job,
  // submits it again once the first is stopped). The row itself cannot come
  // first: there is no pid before the spawn. An end waits for the next
  // write too: losing one costs only a rerun of the job.
  SpawnedChild spawned{job.pid, job.pid_start, job.attempt, job.name};
  index_.emplace(job.name, jobs_.size());
  unrecorded_.push_back(job.name);
  jobs_.push_back(std::move(job));
  children_.emplace(spec.name, std::move(*child));
  dirty_ = true;
  if (auto logged = spawns_->append(spawned); !logged) {
    spdlog::warn("{}; recording {} at once", logged.error().message, spec.name);
    if (auto persisted = persist(); !persisted) {
      return persisted.error();
    }
  }
  return SubmitReceipt{SubmitOutcome::Created, ""};
}

Result<DeleteOutcome> LocalBackend::remove(const Workload& removed) {
  const std::string& name = removed.name;
  const std::lock_guard lock(mutex_);
  if (read_only_) {
    return read_only_error(options_.project);
  }
  if (find(name) == nullptr) {
    return DeleteOutcome::NotFound;
  }
  if (const auto child = children_.find(name); child != children_.end()) {
    child->second.terminate(options_.kill_grace);
    children_.erase(child);
  }
  forget(name, "");
  if (auto persisted = persist(); !persisted) {
    return persisted.error();
  }
  return DeleteOutcome::Deleted;
}

Result<FailureEvidence> LocalBackend::failure_evidence(const Workload& failed) {
  const std::string& name = failed.name;
  const std::lock_guard lock(mutex_);
  if (auto synced = sync(); !synced) {
    return synced.error();
  }
  const LocalJob* job = find(name);
  FailureEvidence evidence;
  if (job == nullptr) {
    return evidence;
  }
  evidence.exit_code = job->exit_code;
  if (job->term_signal != 0) {
    evidence.signal = job->term_signal;
  }
  evidence.timed_out = job->end == JobEnd::TimedOut;
  if (auto log = read_file_contents(log_dir_ / (name + ".log"))) {
    evidence.log = std::move(*log);
  }
  return evidence;
}

Result<AttemptFacts> LocalBackend::attempt_facts(const Workload& job) {
  const std::lock_guard lock(mutex_);
  const LocalJob* recorded = find(job.name);  // asked once per ended attempt: by name, not a walk
  if (recorded == nullptr) {
    return AttemptFacts{};
  }
  AttemptFacts facts;
  facts.started_at = recorded->started_at;
  facts.ended_at = recorded->finished_at;
  facts.peak_memory_bytes = recorded->peak_memory_bytes;
  facts.cpu_seconds = recorded->cpu_seconds;
  std::array<char, 256> host{};
  if (::gethostname(host.data(), host.size() - 1) == 0 && host[0] != '\0') {
    facts.node = std::string(host.data());
  }
  return facts;
}

Result<JobLog> LocalBackend::job_log(const Workload& job, int attempt) {
  std::vector<fs::path> candidates;
  {
    const std::lock_guard lock(mutex_);
    const LocalJob* recorded = find(job.name);
    if (attempt == 0 || (recorded != nullptr && recorded->attempt == attempt)) {
      candidates.push_back(log_dir_ / (job.name + ".log"));
    }
  }
  if (attempt != 0) {
    for (const std::string_view tag : {"", ".interrupted"}) {
      candidates.push_back(log_dir_ / fmt::format("{}.attempt-{}{}.log", job.name, attempt, tag));
    }
  }
  for (const auto& path : candidates) {
    auto text = read_file_contents(path);
    if (text) {
      return JobLog{std::move(*text), path.string()};
    }
    if (text.error().kind != ErrorKind::NotFound) {
      return text.error();
    }
  }
  return make_error(ErrorKind::NotFound, "no log of {}{} is kept in {}", printable(job.name),
                    attempt == 0 ? "" : fmt::format(" attempt {}", attempt), log_dir_.string());
}

bool LocalBackend::wait_for_change(Clock& /*clock*/, Duration timeout, const CancelToken& cancel) {
  std::vector<ChildProcess*> running;
  Duration wait = timeout;
  bool unwritten = false;
  {
    const std::lock_guard lock(mutex_);
    unwritten = dirty_ && !read_only_;
    for (auto& [name, child] : children_) {
      running.push_back(&child);
      if (options_.job_timeout > Duration::zero()) {
        const LocalJob* job = find(name);
        const auto left = std::chrono::ceil<Duration>(job->started_at + options_.job_timeout - clock_.now());
        wait = std::min(wait, std::max(left, Duration::zero()));
      }
    }
  }
  // Only this thread submits and removes while the loop waits, so the
  // children stay put.
  const bool timeout_due = wait < timeout;
  if (unwritten) {
    // The round is sent. A child that ends within `round_write_delay` lets
    // the next listing write the round's spawns and that end in one
    // transaction (the spawn log covers them meanwhile); else they are
    // written now, so that readers see the jobs while the loop waits.
    const Duration first = std::min(wait, options_.round_write_delay);
    if (first > Duration::zero() && ChildProcess::wait_for_any(running, first, cancel)) {
      return true;
    }
    if (const std::lock_guard lock(mutex_); dirty_) {
      if (auto persisted = persist(); !persisted) {
        spdlog::warn("{}", persisted.error().message);
      }
    }
    wait -= first;
  }
  return ChildProcess::wait_for_any(running, wait, cancel) || timeout_due;
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
    forget(name, ".interrupted");
  }
  children_.clear();
  return dirty_ ? persist() : Result<void>{};
}

LocalJob* LocalBackend::find(const std::string& name) {
  const auto found = index_.find(name);
  return found != index_.end() ? &jobs_[found->second] : nullptr;
}

void LocalBackend::reindex() {
  index_.clear();
  for (std::size_t position = 0; position < jobs_.size(); ++position) {
    index_.emplace(jobs_[position].name, position);
  }
}

// Rare (remove, stop_all, a dead owner's jobs): the index is rebuilt.
void LocalBackend::forget(const std::string& name, std::string_view tag) {
  LocalJob* job = find(name);
  if (job == nullptr) {
    return;
  }
  keep_log(log_dir_, *job, tag);
  if (job->row != 0) {
    forgotten_.push_back(job->row);
  }
  changed_.erase(name);
  jobs_.erase(jobs_.begin() + static_cast<std::ptrdiff_t>(index_.at(name)));
  reindex();
  dirty_ = true;
}

Result<std::vector<LocalJob>> LocalBackend::jobs() {
  const std::lock_guard lock(mutex_);
  if (auto synced = sync(); !synced) {
    return synced.error();
  }
  return jobs_;
}

}  // namespace traitctl
