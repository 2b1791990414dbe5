// Two `traitctl submit` runs on the same batch at once: the batch lock lets
// one work at a time, the cap holds, and the journal records each submission.
#include <gtest/gtest.h>

#include <fstream>
#include <future>
#include <sstream>

#include "harness.hpp"

namespace traitctl::e2e::submit_lock_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::vector<std::string> submit_args(const std::string& lock_timeout) {
  return {"submit",     "--prefix",
          "lk",         "--project",
          "p",          "--traits",
          "2-7",        "--max-concurrent",
          "2",          "--poll-interval",
          "0.1s",       "--lock-timeout",
          lock_timeout, "--yes"};
}

// Journal lines of `command` with `event`, by trait.
std::vector<int> journal_traits(const FakeCluster& cluster, const std::string& command,
                                const std::string& event) {
  std::ifstream file(cluster.dir() / "state" / "journal.jsonl");
  std::vector<int> traits;
  std::string line;
  while (std::getline(file, line)) {
    const json entry = json::parse(line);
    EXPECT_EQ(entry.at("project"), "p");
    EXPECT_EQ(entry.at("prefix"), "lk");
    if (entry.at("command") == command && entry.at("event") == event) {
      traits.push_back(entry.at("trait").get<int>());
      EXPECT_EQ(entry.at("job"), "lk-" + std::to_string(traits.back()));
    }
  }
  std::sort(traits.begin(), traits.end());
  return traits;
}

class SubmitLock : public ::testing::Test {
 protected:
  void SetUp() override { cluster_.write_config(json{{"pending_ms", 0}, {"running_ms", 800}}); }

  // Starts both runs at once; the results in the order they were started.
  // With config.json's "hold", the jobs run until one of the two has ended.
  std::pair<CommandResult, CommandResult> run_both(const std::string& lock_timeout) const {
    auto first = std::async(std::launch::async,
                            [&] { return run_traitctl(cluster_, submit_args(lock_timeout), {}, 200s); });
    auto second = std::async(std::launch::async,
                             [&] { return run_traitctl(cluster_, submit_args(lock_timeout), {}, 200s); });
    (void)wait_for([&] {
      return first.wait_for(0s) == std::future_status::ready || second.wait_for(0s) == std::future_status::ready;
    }, 200s);
    cluster_.release_held_jobs();
    return {first.get(), second.get()};
  }

  FakeCluster cluster_;
};

TEST_F(SubmitLock, TheSecondRunFailsWithALockMessage) {
  // The winner's jobs are held until the other has given up, however late a
  // loaded machine starts it: it always finds the lock taken.
  cluster_.write_config(json{{"pending_ms", 0}, {"running_ms", 800}, {"hold", true}});
  const auto [a, b] = run_both("0s");
  // Whichever took the lock first submitted the batch; the other stopped at once.
  const bool a_won = a.exit_code == 0;
  const CommandResult& winner = a_won ? a : b;
  const CommandResult& loser = a_won ? b : a;
  ASSERT_EQ(winner.exit_code, 0) << winner.err;
  ASSERT_EQ(loser.exit_code, 1) << loser.err;
  EXPECT_NE(loser.err.find("another traitctl"), std::string::npos) << loser.err;
  EXPECT_NE(loser.err.find("pid "), std::string::npos) << loser.err;
  EXPECT_NE(loser.err.find("working on the same batch"), std::string::npos) << loser.err;

  EXPECT_LE(cluster_.max_in_flight("lk"), 2);
  const auto created = cluster_.creations_per_name();
  for (int trait = 2; trait <= 7; ++trait) {
    const auto it = created.find("lk-" + std::to_string(trait));
    EXPECT_TRUE(it != created.end() && it->second == 1) << trait;
  }
  EXPECT_EQ(journal_traits(cluster_, "submit", "submitted"), (std::vector<int>{2, 3, 4, 5, 6, 7}));
}

TEST_F(SubmitLock, WithATimeoutTheSecondRunWaitsThenSkipsWhatExists) {
  const auto [a, b] = run_both("300s");
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;
  EXPECT_LE(cluster_.max_in_flight("lk"), 2);
  EXPECT_EQ(cluster_.count_calls("submit"), 6);
  EXPECT_EQ(journal_traits(cluster_, "submit", "submitted"), (std::vector<int>{2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(journal_traits(cluster_, "submit", "skipped"), (std::vector<int>{2, 3, 4, 5, 6, 7}));
}

}  // namespace
}  // namespace traitctl::e2e::submit_lock_tests
