// `traitctl resubmit` refuses what would throw work away or reach outside the
// batch: a trait whose job is running or completed needs --force (and the
// refusal says so), a trait outside the batch's range is a usage error; its
// dry run shows, one line per trait, the state of the job it would replace.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::resubmit_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::vector<std::string> resubmit(std::vector<std::string> extra) {
  std::vector<std::string> args{"resubmit", "--prefix",        "rs",  "--project", "p", "--traits",
                                "2-5",      "--poll-interval", "0.1s"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// rs-2 failed, rs-3 completed, rs-4 running; rs-5 never submitted.
class Resubmit : public ::testing::Test {
 protected:
  void SetUp() override {
    json config{{"pending_ms", 0}, {"running_ms", 0}, {"plans", {{"rs-2", {1}}}}};
    cluster_.write_config(config);
    for (const char* name : {"rs-2", "rs-3"}) {
      const auto created = submit_to_fake(cluster_, name);
      ASSERT_EQ(created.exit_code, 0) << created.err;
    }
    ASSERT_TRUE(wait_until_ended(cluster_, {"rs-2", "rs-3"}, 60s));
    config["running_ms"] = 600'000;
    cluster_.write_config(config);
    const auto running = submit_to_fake(cluster_, "rs-4");
    ASSERT_EQ(running.exit_code, 0) << running.err;
  }

  FakeCluster cluster_;
};

TEST_F(Resubmit, ARunningOrCompletedJobNeedsForce) {
  for (const auto& [trait, status] : {std::pair{"3", "Completed"}, std::pair{"4", "Running"}}) {
    const auto refused = run_traitctl(cluster_, resubmit({trait, "--yes"}));
    EXPECT_EQ(refused.exit_code, 2) << refused.err;
    EXPECT_NE(refused.err.find(std::string("rs-") + trait + " (" + status + ")"), std::string::npos)
        << refused.err;
    EXPECT_NE(refused.err.find("pass --force"), std::string::npos) << refused.err;
  }
  EXPECT_EQ(cluster_.count_calls("delete"), 0);
  EXPECT_EQ(cluster_.current_status("rs-4"), "Running");
}

TEST_F(Resubmit, TraitsOutsideTheBatchAreRefused) {
  const auto refused = run_traitctl(cluster_, resubmit({"2", "9", "--yes"}));
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("traits 9 are not in batch rs's traits 2..5"), std::string::npos) << refused.err;
  EXPECT_EQ(cluster_.count_calls("delete"), 0);
}

TEST_F(Resubmit, TheDryRunShowsEachJobsState) {
  const auto dry = run_traitctl(cluster_, resubmit({"2-5", "--force", "--dry-run"}));
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  const std::vector<std::string> expected{
      "Would resubmit trait 2 (job rs-2: Failed)", "Would resubmit trait 3 (job rs-3: Completed)",
      "Would resubmit trait 4 (job rs-4: Running)", "Would resubmit trait 5 (no job listed)"};
  std::vector<std::string> plan;
  for (const std::string& line : lines_of(dry.out)) {
    if (line.starts_with("Would resubmit")) {
      plan.push_back(line);
    }
  }
  EXPECT_EQ(plan, expected) << dry.out;
  EXPECT_EQ(cluster_.count_calls("delete"), 0);
  EXPECT_EQ(cluster_.count_calls("submit"), 3) << "only the test's own jobs";
}

}  // namespace
}  // namespace traitctl::e2e::resubmit_tests
