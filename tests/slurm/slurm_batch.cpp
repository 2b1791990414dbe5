#include "slurm_batch.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

#include "traitctl/adapters/slurm_cli.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::slurm_test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// The job every trait runs. Killed for memory, it writes no end line.
constexpr const char* kWrapper = R"sh(#!/bin/sh
out="$OUTPUT_PATH"
attempt="${TRAITCTL_ATTEMPT:-1}"
echo "start $TRAIT_INDEX $attempt $(date +%s%N) $SLURM_JOB_ID $SLURM_MEM_PER_NODE" >> "$out/events"
step=""
if [ -f "$out/plan/$TRAIT_INDEX" ]; then
  step=$(sed -n "${attempt}p" "$out/plan/$TRAIT_INDEX")
fi
sleep "$(cat "$out/sleep")"
while [ -f "$out/hold" ] && [ ! -f "$out/release" ]; do sleep 0.1; done
code=0
case "$step" in
  "exit "*) code=${step#exit } ;;
  "allocate "*) "$ALLOCATE_BIN" "${step#allocate }" 3 || code=$? ;;
esac
echo "end $TRAIT_INDEX $attempt $(date +%s%N) $SLURM_JOB_ID $code" >> "$out/events"
exit "$code"
)sh";

constexpr auto kCommandLimit = 120s;

SlurmCli cli_for(const SlurmCluster& cluster) {
  SlurmOptions options;
  options.environment = cluster.environment();
  options.call_timeout = Duration{20'000};
  return SlurmCli(options);
}

}  // namespace

SlurmBatch::SlurmBatch(const SlurmCluster& cluster, const std::string& name)
    : cluster_(cluster), prefix_(name + std::to_string(::getpid())) {
  e2e::write_gapit_inputs(folder_.dir() / "data", 200);
  fs::create_directories(outputs() / "plan");
  env_file_ = folder_.dir() / "batch.env";
  wrapper_ = folder_.dir() / "job.sh";
  std::ofstream(wrapper_) << kWrapper;
  fs::permissions(wrapper_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                fs::perms::others_read | fs::perms::others_exec);
  set_sleep(1);
}

SlurmBatch::~SlurmBatch() {
  auto slurm = cli_for(cluster_);
  for (const auto& job : jobs()) {
    if (holds_slot(slurm_job_state(job.state))) {
      (void)slurm.cancel(job.id);
    }
  }
}

void SlurmBatch::write_env(int first, int last, const std::string& extra) const {
  std::ofstream(env_file_) << fmt::format(
      "PROJECT=lab\nJOB_PREFIX={}\nSTART_TRAIT={}\nEND_TRAIT={}\nCPU=1\nMEMORY=64M\n"
      "DATA_PATH_HOST={}\nOUTPUT_PATH_HOST={}\nEXPECTED_OUTPUT=\n{}",
      prefix_, first, last, (folder_.dir() / "data").string(), outputs().string(), extra);
}

void SlurmBatch::plan(int trait, const std::vector<std::string>& steps) const {
  std::ofstream out(outputs() / "plan" / std::to_string(trait));
  for (const auto& step : steps) {
    out << step << '\n';
  }
}

void SlurmBatch::set_sleep(double seconds) const { std::ofstream(outputs() / "sleep") << seconds << '\n'; }

void SlurmBatch::hold() const { std::ofstream(outputs() / "hold") << "held\n"; }

void SlurmBatch::release() const { std::ofstream(outputs() / "release") << "released\n"; }

std::vector<std::string> SlurmBatch::args(const std::string& subcommand, const std::vector<std::string>& args,
                                          bool with_job_command) const {
  std::vector<std::string> all{subcommand, "--backend", "slurm", "--env-file", env_file_.string()};
  all.insert(all.end(), args.begin(), args.end());
  if (with_job_command) {
    all.push_back("--");
    all.push_back(wrapper_.string());
  }
  return all;
}

e2e::CommandResult SlurmBatch::traitctl(const std::vector<std::string>& args,
                                        EnvironmentOverrides extra) const {
  EnvironmentOverrides environment = cluster_.environment();
  environment.emplace_back("ALLOCATE_BIN", SLURM_ALLOCATE_BIN);
  environment.insert(environment.end(), extra.begin(), extra.end());
  return e2e::run_traitctl(folder_, args, std::move(environment), kCommandLimit);
}

Result<ChildProcess> SlurmBatch::start(const std::vector<std::string>& args, const fs::path& log) const {
  EnvironmentOverrides environment = cluster_.environment();
  environment.emplace_back("ALLOCATE_BIN", SLURM_ALLOCATE_BIN);
  return e2e::start_traitctl(folder_, args, log, std::move(environment));
}

std::vector<JobEvent> SlurmBatch::events() const {
  std::vector<JobEvent> events;
  std::istringstream lines(e2e::read_text(outputs() / "events"));
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string kind;
    JobEvent event;
    words >> kind >> event.trait >> event.attempt >> event.nanoseconds >> event.job_id >> event.detail;
    event.start = kind == "start";
    events.push_back(event);
  }
  return events;
}

std::map<int, int> SlurmBatch::starts() const {
  std::map<int, int> starts;
  for (const auto& event : events()) {
    starts[event.trait] += event.start ? 1 : 0;
  }
  return starts;
}

int SlurmBatch::most_running_at_once() const {
  std::vector<std::pair<std::int64_t, int>> changes;  // ends before starts at the same time
  for (const auto& event : events()) {
    changes.emplace_back(event.nanoseconds, event.start ? 1 : -1);
  }
  std::sort(changes.begin(), changes.end());
  int running = 0;
  int most = 0;
  for (const auto& [time, change] : changes) {
    running += change;
    most = std::max(most, running);
  }
  return most;
}

std::vector<SlurmJob> SlurmBatch::jobs() const {
  auto listed = cli_for(cluster_).list();
  EXPECT_TRUE(listed.ok()) << listed.error().message;
  std::vector<SlurmJob> jobs;
  for (const auto& job : listed.ok() ? *listed : std::vector<SlurmJob>{}) {
    if (batch_trait(prefix_, job.name)) {
      jobs.push_back(job);
    }
  }
  return jobs;
}

struct SqueueSampler::State {
  std::atomic<bool> stop{false};
  std::atomic<int> most{0};
  std::jthread thread;
};

SqueueSampler::SqueueSampler(const SlurmBatch& batch) : state_(std::make_unique<State>()) {
  state_->thread = std::jthread([&batch, state = state_.get()] {
    while (!state->stop.load()) {
      const auto jobs = batch.jobs();
      const int active = static_cast<int>(std::count_if(jobs.begin(), jobs.end(), [](const SlurmJob& job) {
        return holds_slot(slurm_job_state(job.state));
      }));
      state->most.store(std::max(state->most.load(), active));
      std::this_thread::sleep_for(100ms);
    }
  });
}

SqueueSampler::~SqueueSampler() { stop(); }

int SqueueSampler::stop() {
  state_->stop.store(true);
  if (state_->thread.joinable()) {
    state_->thread.join();
  }
  return state_->most.load();
}

}  // namespace traitctl::slurm_test
