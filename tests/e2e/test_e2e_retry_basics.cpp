// `traitctl retry` through the built binary against the fake runai: only
// mount failures are retried, the retry budget holds across runs, and a dry
// run changes nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "harness.hpp"

namespace traitctl::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Retry : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.write_config(json{{"pending_ms", 30},
                               {"running_ms", 60},
                               {"plans", {{"r-3", {2, 2, 0}}, {"r-4", {2}}, {"r-5", {1}}, {"r-6", {3}}}}});
    const auto submitted = traitctl({"submit", "--traits", "2-6", "--max-concurrent", "5"});
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    wait_until_terminal();
  }

  CommandResult traitctl(std::vector<std::string> args) const {
    args.insert(args.end(), {"--prefix", "r", "--project", "p", "--yes", "--poll-interval", "0.1s"});
    return run_traitctl(cluster_, args);
  }

  void wait_until_terminal() const {
    for (int i = 0; i < 100; ++i) {
      bool all_done = true;
      for (int trait = 2; trait <= 6; ++trait) {
        const auto status = cluster_.current_status("r-" + std::to_string(trait));
        all_done = all_done && (status == "Completed" || status == "Failed");
      }
      if (all_done) {
        return;
      }
      std::this_thread::sleep_for(50ms);
    }
    FAIL() << "the batch did not finish";
  }

  [[nodiscard]] int deletes_of(const std::string& name) const {
    int count = 0;
    for (const auto& call : cluster_.calls()) {
      const auto& argv = call.at("argv");
      count += argv.size() > 2 && argv[1] == "delete" && argv[2] == name ? 1 : 0;
    }
    return count;
  }

  FakeCluster cluster_;
};

TEST_F(Retry, WatchRetriesMountFailuresOnlyAndTheBudgetHolds) {
  const auto result = traitctl({"retry", "--traits", "2-6", "--watch", "--retry-delay", "1s", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);  // stdout is the JSON object alone
  EXPECT_EQ(cluster_.current_status("r-3"), "Completed");
  EXPECT_EQ(cluster_.creations_per_name().at("r-3"), 3);
  EXPECT_EQ(cluster_.creations_per_name().at("r-4"), 4);  // 1 + max 3 retries
  EXPECT_EQ(report.at("out_of_retries"), json::array({4}));
  EXPECT_EQ(report.at("succeeded_after_retry"), json::array({3}));
  EXPECT_EQ(deletes_of("r-5"), 0);  // configuration error
  EXPECT_EQ(deletes_of("r-6"), 0);  // unknown failure
  EXPECT_EQ(cluster_.creations_per_name().at("r-5"), 1);

  // Later runs never go past the budget.
  for (int run = 0; run < 3; ++run) {
    ASSERT_EQ(traitctl({"retry", "--traits", "2-6"}).exit_code, 0);
  }
  EXPECT_EQ(cluster_.creations_per_name().at("r-4"), 4);
}

TEST_F(Retry, SeparateRunsShareOneBudget) {
  for (int run = 0; run < 5; ++run) {
    const auto result = traitctl({"retry", "--traits", "4", "--retry-delay", "1s"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    wait_until_terminal();
  }
  EXPECT_EQ(cluster_.creations_per_name().at("r-4"), 4);
}

TEST_F(Retry, DryRunMakesNoDeleteOrSubmitCall) {
  const int submits = cluster_.count_calls("submit");
  const auto result = traitctl({"retry", "--traits", "2-6", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("[DRY-RUN] Would retry trait 3"), std::string::npos) << result.err;
  EXPECT_EQ(cluster_.count_calls("delete"), 0);
  EXPECT_EQ(cluster_.count_calls("submit"), submits);
}

TEST_F(Retry, BadArgumentsNameTheAcceptedRange) {
  for (const auto& flags : std::vector<std::vector<std::string>>{
           {"--max-retries", "0"}, {"--max-retries", "11"}, {"--retry-delay", "0"}, {"--retry-delay", "301s"}}) {
    std::vector<std::string> args{"retry"};
    args.insert(args.end(), flags.begin(), flags.end());
    const auto result = traitctl(args);
    EXPECT_EQ(result.exit_code, 2) << flags[0] << ' ' << flags[1];
    EXPECT_TRUE(result.err.find("10") != std::string::npos || result.err.find("300s") != std::string::npos)
        << result.err;
  }
}

}  // namespace
}  // namespace traitctl::e2e
