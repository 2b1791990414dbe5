#include "traitctl/adapters/slurm_record.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "traitctl/adapters/local_record.hpp"
#include "traitctl/adapters/slurm_parse.hpp"
#include "traitctl/adapters/state_file.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

constexpr int record_version = 1;
// Writers hold the lock for a read and a write of a small file.
constexpr Duration lock_timeout{10'000};

bool ended(const std::string& state) { return !state.empty() && has_ended(slurm_job_state(state)); }

void merge_job(SlurmRecordedJob& kept, const SlurmRecordedJob& mine) {
  if (kept.name != mine.name) {
    kept = mine;
    return;
  }
  if (!mine.state.empty() && !(ended(kept.state) && !ended(mine.state))) {
    kept.state = mine.state;
    kept.reason = mine.reason;
  }
  kept.attempt = std::max(kept.attempt, mine.attempt);
  if (kept.log.empty()) {
    kept.log = mine.log;
  }
  kept.removed = kept.removed || mine.removed;
}

}  // namespace

void to_json(nlohmann::json& json, const SlurmRecordedJob& job) {
  json = {{"id", job.id},       {"name", job.name},     {"attempt", job.attempt}, {"log", job.log},
          {"state", job.state}, {"reason", job.reason}, {"removed", job.removed}};
}

void from_json(const nlohmann::json& json, SlurmRecordedJob& job) {
  json.at("id").get_to(job.id);
  json.at("name").get_to(job.name);
  job.attempt = json.value("attempt", 0);
  job.log = json.value("log", "");
  job.state = json.value("state", "");
  job.reason = json.value("reason", "");
  job.removed = json.value("removed", false);
}

SlurmRecordedJob* find_job(SlurmRecord& record, const std::string& id) {
  const auto found = std::find_if(record.jobs.begin(), record.jobs.end(),
                                  [&](const SlurmRecordedJob& job) { return job.id == id; });
  return found != record.jobs.end() ? &*found : nullptr;
}

const SlurmRecordedJob* find_job(const SlurmRecord& record, const std::string& id) {
  return find_job(const_cast<SlurmRecord&>(record), id);  // NOLINT(cppcoreguidelines-pro-type-const-cast)
}

SlurmRecord merge_slurm_records(const SlurmRecord& theirs, const SlurmRecord& mine) {
  SlurmRecord merged = theirs;
  if (!mine.command.empty()) {
    merged.command = mine.command;
  }
  for (const SlurmRecordedJob& job : mine.jobs) {
    if (SlurmRecordedJob* kept = find_job(merged, job.id)) {
      merge_job(*kept, job);
    } else {
      merged.jobs.push_back(job);
    }
  }
  std::stable_sort(
      merged.jobs.begin(), merged.jobs.end(),
      [](const SlurmRecordedJob& a, const SlurmRecordedJob& b) { return slurm_job_older(a.id, b.id); });
  return merged;
}

fs::path slurm_record_dir(const fs::path& state_dir, const std::string& project) {
  return state_dir / "slurm" / project;
}

Result<SlurmRecordFile> SlurmRecordFile::open(const fs::path& state_dir, const std::string& project,
                                              const std::string& prefix) {
  if (auto checked = check_file_name(project, "project"); !checked) {
    return checked.error();
  }
  if (auto checked = check_file_name(prefix, "prefix"); !checked) {
    return checked.error();
  }
  const fs::path dir = slurm_record_dir(state_dir, project);
  return SlurmRecordFile(dir / (prefix + ".jobs.json"), dir / (prefix + ".jobs.lock"), project, prefix);
}

bool SlurmRecordFile::exists() const {
  std::error_code error;
  return fs::exists(path_, error);
}

Result<SlurmRecord> SlurmRecordFile::read() const {
  return read_versioned_record<SlurmRecord>(
      path_, record_version,
      "move it aside (traitctl then knows the batch's jobs only while Slurm lists them)",
      [](const nlohmann::json& document) {
        SlurmRecord record;
        document.at("command").get_to(record.command);
        document.at("jobs").get_to(record.jobs);
        return record;
      });
}

Result<SlurmRecord> SlurmRecordFile::merge_in(const SlurmRecord& mine, const CancelToken& cancel) const {
  std::error_code error;
  fs::create_directories(path_.parent_path(), error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", path_.parent_path().string(), error.message());
  }
  auto lock = FileLock::acquire(lock_path_, lock_timeout, cancel);
  if (!lock) {
    return lock.error();
  }
  auto theirs = read();
  if (!theirs) {
    return theirs.error();
  }
  SlurmRecord merged = merge_slurm_records(*theirs, mine);
  const nlohmann::json document = {{"version", record_version},
                                   {"project", project_},
                                   {"prefix", prefix_},
                                   {"command", merged.command},
                                   {"jobs", merged.jobs}};
  if (auto written = write_file_atomically(path_, document.dump(2) + "\n"); !written) {
    return written.error();
  }
  return merged;
}

}  // namespace traitctl
