// What goes wrong before a Slurm batch can run, said clearly with the fix:
// no Slurm commands, a controller that does not answer, a submission Slurm
// refuses (in its own words), a job that could never start (reported, not
// waited on), and `validate --backend slurm`.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "slurm_batch.hpp"

namespace traitctl::slurm_test::e2e_errors_tests {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;
using SteadyClock = std::chrono::steady_clock;

json check_named(const std::string& out, const std::string& name) {
  const json report = json::parse(out, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(report.is_discarded()) << out;
  for (const auto& check : report.value("checks", json::array())) {
    if (check["name"] == name) {
      return check;
    }
  }
  ADD_FAILURE() << "no check " << name << " in " << out;
  return json::object();
}

TEST(SlurmErrors, NoSlurmCommandsSaysWhatToInstall) {
  const SlurmBatch batch(shared_cluster(), "nobin");
  batch.write_env(2, 3);
  const EnvironmentOverrides nowhere{{"PATH", "/nonexistent"}};
  const auto run = batch.traitctl(batch.args("run", {"--yes"}, true), nowhere);
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("was not found on PATH: install Slurm's client commands"));
  const auto validate = batch.traitctl(batch.args("validate", {"--json"}), nowhere);
  EXPECT_EQ(validate.exit_code, 1);
  EXPECT_EQ(check_named(validate.out, "sbatch")["status"], "fail");
  EXPECT_THAT(check_named(validate.out, "sbatch")["message"].get<std::string>(),
              HasSubstr("'sbatch' was not found on PATH"));
}

TEST(SlurmErrors, AControllerThatDoesNotAnswerIsSaidToBeDown) {
  const SlurmBatch batch(shared_cluster(), "down");
  batch.write_env(2, 3);
  // The cluster's configuration with nothing on the controller's port.
  std::istringstream conf(e2e::read_text(shared_cluster().conf_path()));
  std::string rewritten;
  for (std::string line; std::getline(conf, line);) {
    rewritten += (line.starts_with("SlurmctldPort=") ? "SlurmctldPort=1" : line) + "\n";
  }
  const auto down = batch.folder().dir() / "down.conf";
  std::ofstream(down) << rewritten << "MessageTimeout=2\n";
  const auto run = batch.traitctl(batch.args("run", {"--yes", "--poll-interval", "0.3s"}, true),
                                  {{"SLURM_CONF", down.string()}});
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("could not reach the Slurm controller"));
  EXPECT_THAT(run.err, HasSubstr(down.string()));
}

TEST(SlurmErrors, ARejectedSubmissionGivesSlurmsWordsAndTheFix) {
  const SlurmBatch batch(shared_cluster(), "part");
  batch.write_env(2, 2, "SLURM_PARTITION=nosuch\n");
  const auto run = batch.traitctl(batch.args("run", {"--yes", "--json", "--poll-interval", "0.3s"}, true));
  EXPECT_EQ(run.exit_code, 1) << run.err;
  EXPECT_THAT(run.err, HasSubstr("invalid partition specified: nosuch"));
  EXPECT_THAT(run.err, HasSubstr("sinfo -s"));
  EXPECT_TRUE(batch.jobs().empty());
  // A flag overrides the setting.
  const auto flagged = batch.traitctl(batch.args(
      "run", {"--yes", "--partition", shared_cluster().facts().partition, "--poll-interval", "0.3s"}, true));
  EXPECT_EQ(flagged.exit_code, 0) << flagged.err;
}

TEST(SlurmErrors, ARequestNoNodeCanHoldIsRefusedInSlurmsWords) {
  const SlurmBatch batch(shared_cluster(), "huge");
  batch.write_env(2, 2, "MEMORY=" + std::to_string(shared_cluster().facts().memory_mb * 2) + "Mi\n");
  const auto started = SteadyClock::now();
  const auto run = batch.traitctl(batch.args("run", {"--yes", "--poll-interval", "0.3s"}, true));
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_THAT(run.err, HasSubstr("Memory specification can not be satisfied"));
  EXPECT_THAT(run.err, HasSubstr("ask for less or choose another partition"));
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds(30));
}

TEST(SlurmErrors, AJobThatCanNeverStartIsReportedNotWaitedOn) {
  const SlurmBatch batch(shared_cluster(), "cpus");
  batch.write_env(2, 2, "CPU=" + std::to_string(shared_cluster().facts().cpus + 1) + "\n");
  const auto started = SteadyClock::now();
  const auto run = batch.traitctl(batch.args("run", {"--yes", "--json", "--poll-interval", "0.3s"}, true));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_LT(SteadyClock::now() - started, std::chrono::seconds(30));
  const json report = json::parse(run.out);
  EXPECT_EQ(report["configuration_errors"], 1);
  EXPECT_EQ(report["skipped"]["2"], "configuration error, manual fix needed");
  EXPECT_THAT(run.err, HasSubstr("PartitionConfig"));
  EXPECT_THAT(run.err, HasSubstr("scancel"));
  // Reported, not cancelled: what to do about it is the user's call.
  const auto jobs = batch.jobs();
  ASSERT_EQ(jobs.size(), 1U);
  EXPECT_EQ(jobs[0].state, "PENDING");
  EXPECT_EQ(jobs[0].reason, "PartitionConfig");
}

TEST(SlurmErrors, ValidateChecksTheClusterAndThePartition) {
  const SlurmBatch batch(shared_cluster(), "valid");
  batch.write_env(2, 4);
  const auto good = batch.traitctl(batch.args("validate", {"--json"}));
  EXPECT_EQ(check_named(good.out, "sbatch")["status"], "ok");
  EXPECT_EQ(check_named(good.out, "slurm controller")["status"], "ok");
  EXPECT_EQ(check_named(good.out, "accounting")["status"], "warn");  // the test cluster keeps none
  EXPECT_THAT(check_named(good.out, "SLURM_PARTITION")["message"].get<std::string>(),
              HasSubstr("default partition, " + shared_cluster().facts().partition));
  EXPECT_EQ(check_named(good.out, "batch listing")["status"], "ok");
  const auto bad = batch.traitctl(batch.args("validate", {"--json", "--partition", "nosuch"}));
  EXPECT_EQ(bad.exit_code, 1);
  const json partition = check_named(bad.out, "SLURM_PARTITION");
  EXPECT_EQ(partition["status"], "fail");
  EXPECT_THAT(partition["message"].get<std::string>(),
              HasSubstr("no such partition: choose one of " + shared_cluster().facts().partition));
}

}  // namespace
}  // namespace traitctl::slurm_test::e2e_errors_tests
