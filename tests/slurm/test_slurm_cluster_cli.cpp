// SlurmCli against the real test cluster: what jobs see, how they end, and
// what Slurm's refusals turn into.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "cluster.hpp"
#include "traitctl/adapters/slurm_cli.hpp"

namespace traitctl::slurm_test::cluster_cli_tests {
namespace {

namespace fs = std::filesystem;
using slurm_test::shared_cluster;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

// A job starts within about a second on the idle test node.
constexpr auto kJobLimit = std::chrono::seconds(30);

class SlurmClusterCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "traitctl-slurm-cli-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    // The jobs run as this user and write their logs here.
    fs::permissions(dir_, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  }
  void TearDown() override {
    for (const auto& id : submitted_) {
      (void)cli().cancel(id);
    }
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  [[nodiscard]] SlurmOptions options() const {
    SlurmOptions options;
    options.script_dir = dir_ / "scripts";
    options.call_timeout = Duration{20'000};
    options.environment = shared_cluster().environment();
    return options;
  }
  [[nodiscard]] SlurmCli cli() const { return SlurmCli(options()); }

  [[nodiscard]] JobSpec job(const std::string& suffix, std::vector<std::string> command) const {
    JobSpec spec;
    spec.name = "it-" + std::to_string(::getpid()) + "-" + suffix;
    spec.cpu = "1";
    spec.memory = "100Mi";
    spec.command = std::move(command);
    return spec;
  }

  [[nodiscard]] fs::path log_of(const JobSpec& spec) const { return dir_ / (spec.name + ".log"); }

  std::string submit(SlurmCli& slurm, const JobSpec& spec) {
    auto id = slurm.submit(spec, log_of(spec));
    EXPECT_TRUE(id.ok()) << id.error().message;
    if (!id.ok()) {
      return "";
    }
    submitted_.push_back(*id);
    return *id;
  }

  // The job as listed, once `done` holds for it (or the last one seen).
  SlurmJob wait_for(SlurmCli& slurm, const std::string& id,
                    const std::function<bool(const SlurmJob&)>& done) {
    const auto give_up = SteadyClock::now() + kJobLimit;
    SlurmJob last;
    while (SteadyClock::now() < give_up) {
      auto jobs = slurm.list();
      EXPECT_TRUE(jobs.ok()) << jobs.error().message;
      if (jobs.ok()) {
        for (const auto& listed : *jobs) {
          if (listed.id == id) {
            last = listed;
          }
        }
        if (last.id == id && done(last)) {
          return last;
        }
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " still " << last.state << " (" << last.reason << ") after the limit";
    return last;
  }

  SlurmJob wait_until_ended(SlurmCli& slurm, const std::string& id) {
    return wait_for(slurm, id, [](const SlurmJob& job) { return has_ended(slurm_job_state(job.state)); });
  }

  SlurmJobDetails details(SlurmCli& slurm, const std::string& id) {
    auto found = slurm.job_details(id);
    EXPECT_TRUE(found.ok()) << found.error().message;
    EXPECT_TRUE(found.ok() && found->has_value()) << "no details for job " << id;
    return found.ok() && *found ? **found : SlurmJobDetails{};
  }

  fs::path dir_;
  std::vector<std::string> submitted_;
};

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Words a shell or Slurm could mangle: quotes, expansions, a newline, CR+LF
// (which sbatch refuses in a script), control and non-UTF-8 bytes, commas.
const std::vector<std::string> kHostileWords = {"plain",
                                                "",
                                                "it's",
                                                "\"double\"",
                                                "$HOME",
                                                "`id`",
                                                "$(id)",
                                                "a b\tc",
                                                "line1\nline2",
                                                "cr\r\nlf",
                                                "\x1b[31mred",
                                                "\xff\xfe not utf-8",
                                                "*",
                                                "BLINK,FarmCPU",
                                                "--export=NONE",
                                                "#SBATCH --mem=1T"};

TEST_F(SlurmClusterCli, HostileWordsAndCommaValuesReachTheJobByteForByte) {
  auto slurm = cli();
  std::vector<std::string> command{"/bin/sh", "-c", R"(printf '%s\0' "$MODEL" "$ODD" "$TRAIT_INDEX" "$@")",
                                   "sh"};
  command.insert(command.end(), kHostileWords.begin(), kHostileWords.end());
  auto spec = job("hostile", command);
  spec.environment = {{"MODEL", "BLINK,FarmCPU"}, {"ODD", "a'b\"c $x `y`\nnext, line"}, {"TRAIT_INDEX", "5"}};
  const std::string id = submit(slurm, spec);
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(wait_until_ended(slurm, id).state, "COMPLETED");
  std::string expected =
      std::string("BLINK,FarmCPU") + '\0' + "a'b\"c $x `y`\nnext, line" + '\0' + "5" + '\0';
  for (const auto& word : kHostileWords) {
    expected += word;
    expected += '\0';
  }
  EXPECT_EQ(read_text(log_of(spec)), expected);
}

TEST_F(SlurmClusterCli, AJobExitingTwoIsFailedWithItsCode) {
  auto slurm = cli();
  const auto spec = job("exit2", {"/bin/sh", "-c", "echo about to fail; exit 2"});
  const std::string id = submit(slurm, spec);
  ASSERT_FALSE(id.empty());
  const auto listed = wait_until_ended(slurm, id);
  EXPECT_EQ(listed.name, spec.name);
  EXPECT_EQ(listed.state, "FAILED");
  EXPECT_EQ(slurm_job_state(listed.state), JobState::Failed);
  const auto ended = details(slurm, id);
  EXPECT_EQ(ended.source, DetailsSource::Controller);  // the test cluster has no accounting
  EXPECT_EQ(ended.state, "FAILED");
  EXPECT_EQ(ended.reason, "NonZeroExitCode");
  EXPECT_EQ(ended.exit_code, 2);
  EXPECT_EQ(ended.signal, 0);
  EXPECT_EQ(ended.stdout_path, log_of(spec).string());
  EXPECT_EQ(read_text(log_of(spec)), "about to fail\n");
}

TEST_F(SlurmClusterCli, AJobOverItsMemoryIsKilledAndTheLogSaysSo) {
  auto slurm = cli();
  auto spec = job("memory", {SLURM_ALLOCATE_BIN, "300", "30"});
  spec.memory = "50Mi";
  const std::string id = submit(slurm, spec);
  ASSERT_FALSE(id.empty());
  const auto listed = wait_until_ended(slurm, id);
  EXPECT_EQ(slurm_job_state(listed.state), JobState::Failed) << listed.state;
  const auto ended = details(slurm, id);
  // OverMemoryKill without cgroups: SIGKILL; with cgroups Slurm says OUT_OF_MEMORY.
  EXPECT_TRUE(ended.signal == 9 || ended.state == "OUT_OF_MEMORY")
      << ended.state << " " << ended.signal.value_or(-1);
  EXPECT_THAT(read_text(log_of(spec)), HasSubstr("Exceeded job memory limit"));
}

TEST_F(SlurmClusterCli, CancellingARunningJobStopsIt) {
  auto slurm = cli();
  const std::string id = submit(slurm, job("cancel", {"/bin/sleep", "300"}));
  ASSERT_FALSE(id.empty());
  wait_for(slurm, id, [](const SlurmJob& job) { return job.state == "RUNNING"; });
  const auto cancelled = slurm.cancel(id);
  ASSERT_TRUE(cancelled.ok()) << cancelled.error().message;
  const auto listed = wait_until_ended(slurm, id);
  EXPECT_EQ(listed.state, "CANCELLED");
  EXPECT_EQ(slurm_job_state(listed.state), JobState::Stopped);
  // Again, now that it has ended: Slurm says nothing and so do we.
  const auto again = slurm.cancel(id);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

TEST_F(SlurmClusterCli, SeveralOneCpuJobsRunAtOnce) {
  auto slurm = cli();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) {
    ids.push_back(submit(slurm, job("parallel-" + std::to_string(i), {"/bin/sleep", "300"})));
  }
  for (const auto& id : ids) {
    EXPECT_EQ(wait_for(slurm, id, [](const SlurmJob& job) { return job.state == "RUNNING"; }).state,
              "RUNNING");
  }
}

TEST_F(SlurmClusterCli, MoreCpusThanTheNodeHasPendsForAReasonThatNeverClears) {
  auto slurm = cli();
  auto spec = job("cpus", {"/bin/true"});
  spec.cpu = std::to_string(shared_cluster().facts().cpus + 1);
  const std::string id = submit(slurm, spec);
  ASSERT_FALSE(id.empty());
  const auto listed =
      wait_for(slurm, id, [](const SlurmJob& job) { return job.reason == "PartitionConfig"; });
  EXPECT_EQ(listed.state, "PENDING");
  EXPECT_TRUE(pending_reason_never_clears(listed.reason));
}

TEST_F(SlurmClusterCli, MoreMemoryThanTheNodeHasIsRejectedInSlurmsWords) {
  auto slurm = cli();
  auto spec = job("memory-too-big", {"/bin/true"});
  spec.memory = std::to_string(shared_cluster().facts().memory_mb * 2) + "Mi";
  const auto id = slurm.submit(spec, log_of(spec));
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, ErrorKind::Config);
  EXPECT_THAT(id.error().message, HasSubstr("Memory specification can not be satisfied"));
  EXPECT_THAT(id.error().message, HasSubstr("ask for less or choose another partition"));
}

TEST_F(SlurmClusterCli, ABadPartitionOrMemoryWordIsRejectedInSlurmsWords) {
  auto with_partition = options();
  with_partition.partition = "no-such-partition";
  SlurmCli partition(with_partition);
  const auto spec = job("partition", {"/bin/true"});
  const auto refused = partition.submit(spec, log_of(spec));
  ASSERT_FALSE(refused.ok());
  EXPECT_THAT(refused.error().message, HasSubstr("invalid partition specified: no-such-partition"));
  // Extra words come last, so this --mem is the one sbatch reads.
  auto with_extra = options();
  with_extra.extra_sbatch_args = {"--mem", "1Gi"};
  SlurmCli extra(with_extra);
  const auto invalid = extra.submit(spec, log_of(spec));
  ASSERT_FALSE(invalid.ok());
  EXPECT_THAT(invalid.error().message, HasSubstr("(exit 255): Invalid --mem specification"));
}

TEST_F(SlurmClusterCli, AControllerThatIsDownIsSaidToBe) {
  // The cluster's configuration with nothing listening on the controller's
  // port, and a short MessageTimeout: Slurm gives up after ~1 s, not ~9 s.
  std::istringstream conf(read_text(shared_cluster().conf_path()));
  std::string rewritten;
  for (std::string line; std::getline(conf, line);) {
    rewritten += line.starts_with("SlurmctldPort=") ? "SlurmctldPort=1" : line;
    rewritten += '\n';
  }
  rewritten += "MessageTimeout=2\n";
  const fs::path down = dir_ / "down.conf";
  std::ofstream(down) << rewritten;
  auto to_nowhere = options();
  to_nowhere.environment.emplace_back("SLURM_CONF", down.string());
  SlurmCli slurm(to_nowhere);
  const auto spec = job("down", {"/bin/true"});
  for (const auto& message :
       {slurm.submit(spec, log_of(spec)).error().message, slurm.list().error().message}) {
    EXPECT_THAT(message, HasSubstr("could not reach the Slurm controller"));
    EXPECT_THAT(message, HasSubstr("Unable to contact slurm controller (connect failure)"));
    EXPECT_THAT(message, HasSubstr("SLURM_CONF ('" + down.string() + "')"));
  }
}

TEST_F(SlurmClusterCli, AJobTheControllerNeverHadHasNoDetails) {
  auto slurm = cli();
  const auto found = slurm.job_details("99999999");
  ASSERT_TRUE(found.ok()) << found.error().message;
  EXPECT_FALSE(found->has_value());
}

}  // namespace
}  // namespace traitctl::slurm_test::cluster_cli_tests
