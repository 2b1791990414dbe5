// A cluster that forgets finished jobs quickly (MinJobAge=2, no
// accounting): a completed trait is never submitted again, and a job that
// ended while no traitctl watched is reported, not run twice.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <thread>

#include "slurm_batch.hpp"

namespace traitctl::slurm_test::e2e_purge_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

// The purge runs some seconds after MinJobAge.
constexpr auto kPurgeLimit = 60s;

class ForgetfulCluster : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string pattern = (fs::temp_directory_path() / "traitctl-slurm-purge-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    auto started = SlurmCluster::start(pattern, ClusterOptions{2});
    ASSERT_TRUE(started.ok()) << started.error().message;
    cluster_ = std::make_unique<SlurmCluster>(std::move(*started));
  }
  static void TearDownTestSuite() {
    if (cluster_) {
      const auto stopped = SlurmCluster::stop(cluster_->record());
      EXPECT_TRUE(stopped.ok()) << stopped.error().message;
      cluster_.reset();
    }
  }
  void SetUp() override { ASSERT_NE(cluster_, nullptr); }

  // Waits until squeue lists none of the batch's jobs.
  static bool wait_until_forgotten(const SlurmBatch& batch) {
    const auto give_up = std::chrono::steady_clock::now() + kPurgeLimit;
    while (!batch.jobs().empty()) {
      if (std::chrono::steady_clock::now() >= give_up) {
        return false;
      }
      std::this_thread::sleep_for(250ms);
    }
    return true;
  }

  static std::unique_ptr<SlurmCluster> cluster_;
};

std::unique_ptr<SlurmCluster> ForgetfulCluster::cluster_;

TEST_F(ForgetfulCluster, ACompletedTraitSqueueForgotIsNeverSubmittedAgain) {
  const SlurmBatch batch(*cluster_, "gone");
  batch.write_env(2, 4);
  batch.set_sleep(0.2);
  const std::vector<std::string> run =
      batch.args("run", {"--yes", "--json", "--poll-interval", "0.3s"}, true);
  ASSERT_EQ(batch.traitctl(run).exit_code, 0);
  ASSERT_TRUE(wait_until_forgotten(batch));
  const auto again = batch.traitctl(run);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  const json report = json::parse(again.out);
  EXPECT_TRUE(report["submitted"].empty());
  EXPECT_EQ(report["completed"], json::array({2, 3, 4}));
  EXPECT_EQ(batch.starts(), (std::map<int, int>{{2, 1}, {3, 1}, {4, 1}}));
  const json status = json::parse(batch.traitctl(batch.args("status", {"--json"})).out);
  EXPECT_EQ(status["counts"]["completed"], 3);
}

TEST_F(ForgetfulCluster, AJobThatEndedUnseenIsReportedNotRunTwice) {
  const SlurmBatch batch(*cluster_, "unseen");
  batch.write_env(2, 2);
  batch.set_sleep(0.2);
  ASSERT_EQ(batch.traitctl(batch.args("submit", {"--yes"}, true)).exit_code, 0);
  ASSERT_TRUE(wait_until_forgotten(batch));
  const auto status = batch.traitctl(batch.args("status", {"--json"}));
  ASSERT_EQ(status.exit_code, 0) << status.err;
  const json counts = json::parse(status.out)["counts"];
  EXPECT_EQ(counts["failed"], 1);
  EXPECT_EQ(counts["not_submitted"], 0);
  const auto run = batch.traitctl(batch.args("run", {"--yes", "--json", "--poll-interval", "0.3s"}, true));
  EXPECT_EQ(run.exit_code, 3) << run.err;
  EXPECT_TRUE(json::parse(run.out)["submitted"].empty());
  EXPECT_THAT(run.err, ::testing::HasSubstr("PURGED"));
  EXPECT_EQ(batch.starts(), (std::map<int, int>{{2, 1}}));
}

}  // namespace
}  // namespace traitctl::slurm_test::e2e_purge_tests
