#include "traitctl/adapters/slurm_backend.hpp"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "traitctl/adapters/host_environment.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/backend_calls.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

// How often remove() looks whether a cancelled job is on its way out.
constexpr Duration cancel_poll{200};

constexpr std::string_view purged_reason =
    "Slurm's controller forgot the job MinJobAge after it ended, before traitctl saw how it ended, and the "
    "cluster keeps no accounting (sacct) to ask; its log may tell";

// Slurm says "None" where there is no reason.
std::string reason_of(std::string_view reason) { return reason == "None" ? "" : std::string(reason); }

bool recorded_end(const SlurmRecordedJob& job) {
  return !job.state.empty() && has_ended(slurm_job_state(job.state));
}

// The jobs' --output files are written on the nodes, whose working folder
// may differ from traitctl's.
fs::path absolute_path(const fs::path& path) {
  std::error_code error;  // no working folder: keep the path as given
  const fs::path absolute = fs::absolute(path, error);
  return (error ? path : absolute).lexically_normal();
}

Error slurm_read_only_error(const std::string& prefix) {
  return make_error(ErrorKind::Usage, "the Slurm batch {} was opened read-only", printable(prefix));
}

}  // namespace

fs::path slurm_script_dir(const fs::path& state_dir, const std::string& project) {
  return absolute_path(slurm_record_dir(state_dir, project) / "scripts");
}

fs::path slurm_log_dir(const fs::path& state_dir) { return absolute_path(state_dir / "logs"); }

Result<std::vector<std::string>> slurm_submission_preview(const SlurmBackendOptions& options,
                                                          const JobSpec& spec) {
  SlurmOptions slurm = options.slurm;
  if (slurm.script_dir.empty()) {
    slurm.script_dir = slurm_script_dir(options.state_dir, options.project);
  }
  return slurm_submit_argv(slurm, spec,
                           slurm_log_dir(options.state_dir) / fmt::format("{}.attempt-1.log", spec.name),
                           slurm_script_path(slurm, spec.name));
}

Workload slurm_workload(const SlurmJob& job) {
  JobState state = slurm_job_state(job.state);
  if (state == JobState::Pending && pending_reason_never_clears(job.reason)) {
    state = JobState::Failed;  // reported with Slurm's reason, not waited on
  }
  return Workload{job.name, state, job.state, job.id, reason_of(job.reason)};
}

FailureEvidence slurm_failure_evidence(const SlurmJobDetails& details) {
  FailureEvidence evidence;
  // A job that has not ended has no exit code yet, whatever ExitCode says.
  if (has_ended(slurm_job_state(details.state))) {
    evidence.exit_code = details.exit_code;
    if (details.signal && *details.signal != 0) {
      evidence.signal = details.signal;
    }
  }
  std::string reason = details.state;
  if (const std::string slurm_reason = reason_of(details.reason); !slurm_reason.empty()) {
    reason += ", " + slurm_reason;
  }
  if (pending_reason_never_clears(details.reason)) {
    reason = "Unsatisfiable: " + reason;
    if (holds_slot(slurm_job_state(details.state))) {
      reason += fmt::format("; job {} stays queued until cancelled (scancel {})", details.id, details.id);
    }
  }
  if (!reason.empty()) {
    evidence.reason = std::move(reason);
  }
  return evidence;
}

SlurmBackend::SlurmBackend(SlurmBackendOptions options, SlurmRecordStore store, SlurmRecord record,
                           Clock& clock, const CancelToken& cancel)
    : options_(std::move(options)),
      cli_(options_.slurm),
      store_(std::move(store)),
      clock_(clock),
      cancel_(cancel),
      log_dir_(slurm_log_dir(options_.state_dir)),
      record_(std::move(record)) {}

Result<std::unique_ptr<SlurmBackend>> SlurmBackend::open(SlurmBackendOptions options, Clock& clock,
                                                         const CancelToken& cancel) {
  auto store = SlurmRecordStore::open(options.state_dir, options.project, options.prefix, !options.read_only);
  if (!store) {
    return store.error();
  }
  auto record = store->read();
  if (!record) {
    return record.error();
  }
  if (options.require_command && options.command.empty() && record->command.empty()) {
    return make_error(ErrorKind::Usage,
                      "the Slurm backend needs the job's command after `--`, as the cluster's nodes run it, "
                      "e.g. traitctl run --backend slurm -- apptainer exec gapit3.sif "
                      "/scripts/entrypoint.sh run-single-trait");
  }
  if (options.slurm.script_dir.empty()) {
    options.slurm.script_dir = slurm_script_dir(options.state_dir, options.project);
  }
  options.slurm.cancel = &cancel;
  return std::unique_ptr<SlurmBackend>(
      new SlurmBackend(std::move(options), std::move(*store), std::move(*record), clock, cancel));
}

const SlurmRecordedJob* SlurmBackend::recorded(const Workload& job) const {
  if (!job.id.empty()) {
    return find_job(record_, job.id);
  }
  const auto newest =
      std::find_if(record_.jobs.rbegin(), record_.jobs.rend(),
                   [&](const SlurmRecordedJob& recorded) { return recorded.name == job.name; });
  return newest != record_.jobs.rend() ? &*newest : nullptr;
}

Result<std::optional<Workload>> SlurmBackend::resolve_unlisted(SlurmRecordedJob& job) {
  if (job.removed) {
    return std::optional<Workload>();  // cleaned up, and gone from squeue: over for good
  }
  if (!recorded_end(job)) {
    auto details = cli_.job_details(job.id);
    if (!details) {
      return details.error();
    }
    if (!*details) {
      return std::optional(Workload{job.name, JobState::Failed, std::string(purged_status), job.id,
                                    std::string(purged_reason)});
    }
    job.state = (*details)->state;
    job.reason = (*details)->reason;
    changed_.insert(job.id);
  }
  return std::optional(slurm_workload(SlurmJob{job.id, job.name, job.state, job.reason}));
}

Result<std::vector<Workload>> SlurmBackend::list_workloads() {
  auto listed = cli_.list();
  if (!listed) {
    return listed.error();
  }
  const std::lock_guard lock(mutex_);
  // What another traitctl beside this one learnt (a `run` while `status` watches).
  auto recorded = store_.exists();
  if (!recorded) {
    return recorded.error();
  }
  if (*recorded) {
    auto theirs = store_.read();
    if (!theirs) {
      return theirs.error();
    }
    record_ = merge_slurm_records(*theirs, record_);
  }
  // A job cleaned up is listed no more once it has ended, nor are the older
  // jobs of its name: the trait then has no job, as after a Run:ai delete.
  std::map<std::string, std::string> removed_through;
  for (const SlurmRecordedJob& job : record_.jobs) {
    if (job.removed) {
      removed_through[job.name] = job.id;  // oldest first: the last is the newest
    }
  }
  const auto cleaned_up = [&](const SlurmJob& job) {
    const auto removed = removed_through.find(job.name);
    return removed != removed_through.end() && !slurm_job_older(removed->second, job.id) &&
           has_ended(slurm_job_state(job.state));
  };
  std::vector<Workload> workloads;
  std::set<std::string> shown;
  for (const SlurmJob& job : *listed) {
    if (!batch_trait(options_.prefix, job.name)) {
      continue;
    }
    shown.insert(job.id);
    SlurmRecordedJob* known = find_job(record_, job.id);
    if (known == nullptr || known->name != job.name) {
      record_ = merge_slurm_records(
          record_, SlurmRecord{{}, {{job.id, job.name, 0, "", job.state, job.reason, false}}});
      changed_.insert(job.id);
    } else if (known->state != job.state || known->reason != job.reason) {
      known->state = job.state;  // squeue's word is the latest
      known->reason = job.reason;
      changed_.insert(job.id);
    }
    if (!cleaned_up(job)) {
      workloads.push_back(slurm_workload(job));
    }
  }
  // Of each name only the newest job matters: the trait's current one.
  std::map<std::string, SlurmRecordedJob*> newest;
  for (SlurmRecordedJob& job : record_.jobs) {
    newest[job.name] = &job;
  }
  for (auto& [name, job] : newest) {
    if (shown.contains(job->id)) {
      continue;
    }
    auto resolved = resolve_unlisted(*job);
    if (!resolved) {
      return resolved.error();
    }
    if (*resolved) {
      workloads.push_back(std::move(**resolved));
    }
  }
  std::stable_sort(workloads.begin(), workloads.end(),
                   [](const Workload& a, const Workload& b) { return slurm_job_older(a.id, b.id); });
  save(false);
  return workloads;
}

fs::path SlurmBackend::log_path_for(const std::string& name, int attempt) const {
  for (int copy = 1;; ++copy) {
    const std::string suffix = copy == 1 ? "" : fmt::format("-{}", copy);
    fs::path path = log_dir_ / fmt::format("{}.attempt-{}{}.log", name, attempt, suffix);
    std::error_code error;
    const bool taken = fs::exists(path, error) ||
                       std::any_of(record_.jobs.begin(), record_.jobs.end(),
                                   [&](const SlurmRecordedJob& job) { return job.log == path.string(); });
    if (!taken) {
      return path;
    }
  }
}

Result<SubmitReceipt> SlurmBackend::submit(const JobSpec& spec) {
  if (options_.read_only) {
    return slurm_read_only_error(options_.prefix);
  }
  auto attempt = job_attempt(spec);
  if (!attempt) {
    return attempt.error();
  }
  JobSpec job = spec;
  job.environment = host_job_environment(spec, *attempt);
  job.avoid_nodes = nodes_to_exclude(spec.avoid_nodes);
  fs::path log;
  {
    const std::lock_guard lock(mutex_);
    job.command = options_.command.empty() ? record_.command : options_.command;
    if (job.command.empty()) {
      return make_error(ErrorKind::Usage, "no command to run for {}: give one after `--`",
                        printable(spec.name));
    }
    std::error_code error;
    fs::create_directories(log_dir_, error);
    if (error) {
      return make_error(ErrorKind::Io, "cannot create {}: {}", log_dir_.string(), error.message());
    }
    log = log_path_for(spec.name, *attempt);
    // Taken now, so that a second submission of the attempt gets a log of its own.
    if (!std::ofstream(log, std::ios::app)) {
      return make_error(ErrorKind::Io, "cannot create the job log {}", log.string());
    }
  }
  auto id = cli_.submit(job, log);
  if (!id) {
    if (!may_have_taken_effect(id.error())) {
      std::error_code ignored;  // refused: no job will write it
      fs::remove(log, ignored);
    }
    return id.error();
  }
  const std::lock_guard lock(mutex_);
  SlurmRecord submitted{job.command,
                        {SlurmRecordedJob{*id, spec.name, *attempt, log.string(), "", "", false}}};
  record_ = merge_slurm_records(record_, submitted);
  changed_.insert(*id);
  command_changed_ = true;
  save(true);
  return SubmitReceipt{SubmitOutcome::Created, *id};
}

Result<void> SlurmBackend::confirm_cancelled(const std::string& id) {
  const TimePoint give_up = clock_.now() + options_.cancel_confirmation;
  while (true) {
    auto listed = cli_.list();
    if (!listed) {
      return listed.error();
    }
    const auto job =
        std::find_if(listed->begin(), listed->end(), [&](const SlurmJob& j) { return j.id == id; });
    // COMPLETING: its processes are being killed (for up to KillWait).
    if (job == listed->end() || job->state == "COMPLETING" || !holds_slot(slurm_job_state(job->state))) {
      return {};
    }
    if (clock_.now() >= give_up) {
      return make_error(
          ErrorKind::Backend,
          "`scancel {}` was sent, but squeue still shows the job {} after {} s: look at it with "
          "`scontrol show job {}`",
          id, printable(job->state),
          std::chrono::duration_cast<std::chrono::seconds>(options_.cancel_confirmation).count(), id);
    }
    clock_.sleep_for(cancel_poll, cancel_);
    if (cancel_.stop_requested()) {
      return make_error(ErrorKind::Interrupted, "interrupted while waiting for job {} to be cancelled", id);
    }
  }
}

Result<DeleteOutcome> SlurmBackend::remove(const Workload& job) {
  if (options_.read_only) {
    return slurm_read_only_error(options_.prefix);
  }
  std::string id = job.id;
  if (id.empty()) {
    const std::lock_guard lock(mutex_);
    const SlurmRecordedJob* known = recorded(job);
    if (known == nullptr) {
      return DeleteOutcome::NotFound;
    }
    id = known->id;
  }
  // The Slurm word decides, not the batch's view: a job pending for good is
  // Failed to the batch but queued to Slurm.
  const bool active = job.status != purged_status && holds_slot(slurm_job_state(job.status));
  if (active) {
    if (auto cancelled = cli_.cancel(id); !cancelled) {
      return cancelled.error();
    }
    if (auto confirmed = confirm_cancelled(id); !confirmed) {
      return confirmed.error();
    }
  }
  const std::lock_guard lock(mutex_);
  // The state stays what Slurm said last: PURGED is no Slurm word.
  SlurmRecordedJob removed{id, job.name, 0, "", "", "", true};
  if (const SlurmRecordedJob* known = find_job(record_, id)) {
    removed.name = known->name;
  }
  record_ = merge_slurm_records(record_, SlurmRecord{{}, {removed}});
  changed_.insert(id);
  save(true);
  return DeleteOutcome::Deleted;
}

Result<FailureEvidence> SlurmBackend::failure_evidence(const Workload& job) {
  std::string id = job.id;
  std::string log;
  {
    const std::lock_guard lock(mutex_);
    if (const SlurmRecordedJob* known = recorded(job)) {
      id = known->id;
      log = known->log;
    }
  }
  FailureEvidence evidence;
  if (id.empty()) {
    return evidence;
  }
  auto details = cli_.job_details(id);
  if (!details) {
    return details.error();
  }
  if (*details) {
    evidence = slurm_failure_evidence(**details);
    if (log.empty()) {
      log = (*details)->stdout_path.value_or("");
    }
  } else {
    evidence.reason = job.status;  // the listing's word: its last state seen, or PURGED
  }
  if (!log.empty()) {
    if (auto text = read_file_contents(log)) {
      evidence.log = std::move(*text);
    }
  }
  return evidence;
}

std::vector<std::string> SlurmBackend::nodes_to_exclude(const std::vector<std::string>& avoid) {
  if (avoid.empty()) {
    return {};
  }
  std::optional<std::vector<std::string>> known;
  {
    const std::lock_guard lock(mutex_);
    known = partition_nodes_;
  }
  if (!known) {
    auto listed = cli_.partition_nodes();
    if (!listed) {
      spdlog::warn("cannot list the partition's nodes, so no node is excluded: {}", listed.error().message);
      return {};
    }
    known = std::move(*listed);
    const std::lock_guard lock(mutex_);
    partition_nodes_ = known;  // the partition's nodes, asked once a run
  }
  const std::vector<std::string>* nodes = &*known;
  std::vector<std::string> excluded;
  for (const std::string& node : avoid) {
    if (std::find(nodes->begin(), nodes->end(), node) != nodes->end()) {
      excluded.push_back(node);
    }
  }
  if (excluded.size() >= nodes->size()) {
    spdlog::warn("the suspect nodes are every node of the partition; none is excluded");
    return {};
  }
  return excluded;
}

Result<AttemptFacts> SlurmBackend::attempt_facts(const Workload& job) {
  std::string id = job.id;
  {
    const std::lock_guard lock(mutex_);
    if (const SlurmRecordedJob* known = recorded(job)) {
      id = known->id;
    }
  }
  AttemptFacts facts;
  if (id.empty()) {
    return facts;
  }
  auto details = cli_.job_details(id);
  if (!details) {
    return details.error();
  }
  if (!*details) {
    return facts;
  }
  const SlurmJobDetails& known = **details;
  facts.started_at = known.start_time ? slurm_time(*known.start_time) : std::nullopt;
  facts.ended_at = known.end_time ? slurm_time(*known.end_time) : std::nullopt;
  facts.node = known.node_list;
  if (known.max_rss_bytes) {
    facts.peak_memory_bytes = static_cast<std::int64_t>(*known.max_rss_bytes);
  }
  facts.cpu_seconds = known.cpu_seconds;
  return facts;
}

Result<JobLog> SlurmBackend::job_log(const Workload& job, int attempt) {
  fs::path path;
  {
    const std::lock_guard lock(mutex_);
    if (attempt == 0) {
      if (const SlurmRecordedJob* known = recorded(job); known != nullptr && !known->log.empty()) {
        path = known->log;
      }
    } else {
      const auto newest =
          std::find_if(record_.jobs.rbegin(), record_.jobs.rend(), [&](const SlurmRecordedJob& j) {
            return j.name == job.name && j.attempt == attempt && !j.log.empty();
          });
      path = newest != record_.jobs.rend() ? fs::path(newest->log)
                                           : log_dir_ / fmt::format("{}.attempt-{}.log", job.name, attempt);
    }
  }
  if (path.empty()) {
    return make_error(ErrorKind::NotFound, "no log of {} is kept: traitctl did not submit job {}",
                      printable(job.name), printable(job.id));
  }
  auto text = read_file_contents(path);
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return make_error(ErrorKind::NotFound, "no log of {}{} is kept: {} does not exist", printable(job.name),
                        attempt == 0 ? "" : fmt::format(" attempt {}", attempt), path.string());
    }
    return text.error();
  }
  return JobLog{std::move(*text), path.string()};
}

void SlurmBackend::save(bool may_create) {
  if (changed_.empty() || options_.read_only) {
    return;
  }
  if (!may_create) {
    auto recorded = store_.exists();
    if (!recorded || !*recorded) {
      return;
    }
  }
  // Only what changed: the rows of the jobs this process saw change.
  SlurmRecord mine;
  if (command_changed_) {
    mine.command = record_.command;
  }
  for (const std::string& id : changed_) {
    if (const SlurmRecordedJob* job = find_job(record_, id)) {
      mine.jobs.push_back(*job);
    }
  }
  auto merged = store_.merge_in(mine);
  if (!merged) {
    spdlog::warn("could not update the record of Slurm batch {}: {}", options_.prefix,
                 merged.error().message);
    return;
  }
  // Another process's newer word on those jobs (an end it saw first).
  record_ = merge_slurm_records(record_, *merged);
  changed_.clear();
  command_changed_ = false;
}

}  // namespace traitctl
