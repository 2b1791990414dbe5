// Two `retry --watch` or two `run` processes started on the same batch at
// once: the batch lock lets one work at a time. With a short --lock-timeout
// the second refuses (exit 1) naming the holder's pid; with a long one it
// waits, then finds nothing left to do. Either way the cap holds, no job is
// made twice, and the ledger is whole at every moment it is read.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "traitctl/adapters/ledger_store.hpp"

namespace traitctl::e2e::batch_lock_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPrefix = "bl";
constexpr const char* kProject = "p";
constexpr int kCap = 3;
constexpr const char* kTraits = "2-9";
// Creations per trait: traits 3 and 6 fail once with a mount failure.
const std::map<int, int> kCreations{{2, 1}, {3, 2}, {4, 1}, {5, 1}, {6, 2}, {7, 1}, {8, 1}, {9, 1}};

enum class Command { RetryWatch, Run };

std::vector<std::string> args_for(Command command, const std::string& lock_timeout) {
  std::vector<std::string> args = command == Command::Run ? std::vector<std::string>{"run"}
                                                          : std::vector<std::string>{"retry", "--watch"};
  const std::vector<std::string> batch{"--prefix",
                                       kPrefix,
                                       "--project",
                                       kProject,
                                       "--traits",
                                       kTraits,
                                       "--max-concurrent",
                                       std::to_string(kCap),
                                       "--yes",
                                       "--poll-interval",
                                       "0.1s",
                                       "--retry-delay",
                                       "1s",
                                       "--lock-timeout",
                                       lock_timeout};
  args.insert(args.end(), batch.begin(), batch.end());
  return args;
}

std::vector<std::string> batch_names() {
  std::vector<std::string> names;
  for (const auto& [trait, count] : kCreations) {
    names.push_back(fmt::format("{}-{}", kPrefix, trait));
  }
  return names;
}

class BatchLock : public ::testing::TestWithParam<Command> {
 protected:
  void SetUp() override {
    cluster_.write_config(
        json{{"pending_ms", 20}, {"running_ms", 300}, {"plans", {{"bl-3", {2, 0}}, {"bl-6", {2, 0}}}}});
    if (GetParam() == Command::RetryWatch) {
      const auto submitted =
          run_traitctl(cluster_,
                       {"submit", "--prefix", kPrefix, "--project", kProject, "--traits", kTraits,
                        "--max-concurrent", std::to_string(kCap), "--poll-interval", "0.1s", "--yes"},
                       {}, 120s);
      ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
      ASSERT_TRUE(wait_until_ended(cluster_, batch_names(), 60s)) << "the submitted jobs did not end";
    }
  }

  // Reads the batch database while `running` is true, as `status` would:
  // every read must succeed and see whole cycles. Returns how many it read.
  int watch_ledger(const std::function<bool()>& running) const {
    auto store = LedgerStore::open(cluster_.state_dir(), kProject, kPrefix);
    EXPECT_TRUE(store.ok());
    int reads = 0;
    while (running()) {
      if (std::filesystem::exists(store->database_path())) {
        ++reads;
        auto ledger = store->load();
        EXPECT_TRUE(ledger.ok()) << "a reader failed: " << ledger.error().message;
      }
      std::this_thread::sleep_for(5ms);
    }
    return reads;
  }

  // The cluster ends as if one traitctl had done the work alone.
  void expect_batch_done_once() const {
    EXPECT_LE(cluster_.max_in_flight(kPrefix), kCap);
    for (const auto& name : batch_names()) {
      EXPECT_EQ(cluster_.current_status(name), "Completed") << name;
    }
    for (const auto& problem : attempt_problems(cluster_, kProject, kPrefix, kCreations)) {
      ADD_FAILURE() << problem;
    }
    for (const auto& problem : state_dir_problems(cluster_)) {
      ADD_FAILURE() << problem;
    }
  }

  FakeCluster cluster_;
};

TEST_P(BatchLock, WithAShortLockTimeoutTheSecondRefusesNamingTheHolder) {
  // Jobs created from now on are held until the test releases them, once one
  // of the two has given up: the winner holds the lock for as long as the
  // other waits, however late a loaded machine starts the second process.
  cluster_.write_config(json{{"pending_ms", 20},
                             {"running_ms", 300},
                             {"plans", {{"bl-3", {2, 0}}, {"bl-6", {2, 0}}}},
                             {"hold", true}});
  const auto log_a = cluster_.dir() / "a.log";
  const auto log_b = cluster_.dir() / "b.log";
  auto a = start_traitctl(cluster_, args_for(GetParam(), "0.5s"), log_a);
  auto b = start_traitctl(cluster_, args_for(GetParam(), "0.5s"), log_b);
  ASSERT_TRUE(a.ok() && b.ok());
  std::optional<int> code_a;
  std::optional<int> code_b;
  const auto ended = [&] {
    code_a = code_a ? code_a : a->poll();
    code_b = code_b ? code_b : b->poll();
    return static_cast<int>(code_a.has_value()) + static_cast<int>(code_b.has_value());
  };
  auto give_up = std::chrono::steady_clock::now() + 120s;
  (void)watch_ledger([&] { return ended() == 0 && std::chrono::steady_clock::now() < give_up; });
  cluster_.release_held_jobs();
  ASSERT_GT(ended(), 0) << "neither gave up in 120 s\n" << read_text(log_a) << read_text(log_b);
  give_up = std::chrono::steady_clock::now() + 120s;
  (void)watch_ledger([&] { return ended() < 2 && std::chrono::steady_clock::now() < give_up; });
  ASSERT_TRUE(code_a && code_b) << "the winner did not finish in 120 s\n"
                                << read_text(log_a) << read_text(log_b);

  // Whichever took the lock did the batch; the other stopped at its lock timeout.
  const bool a_won = *code_a == 0;
  const ChildProcess& winner = a_won ? *a : *b;
  const std::string loser_log = read_text(a_won ? log_b : log_a);
  EXPECT_EQ(a_won ? *code_a : *code_b, 0) << read_text(a_won ? log_a : log_b);
  EXPECT_EQ(a_won ? *code_b : *code_a, 1) << loser_log;
  EXPECT_NE(loser_log.find(fmt::format("held by another traitctl (pid {})", winner.pid())), std::string::npos)
      << loser_log;
  EXPECT_NE(loser_log.find(fmt::format("{}.lock", kPrefix)), std::string::npos) << loser_log;
  expect_batch_done_once();
}

TEST_P(BatchLock, WithALongLockTimeoutTheSecondWaitsThenFindsNothingToDo) {
  const auto start = [&] {
    return run_traitctl(
        cluster_,
        [&] {
          auto args = args_for(GetParam(), "300s");
          args.emplace_back("--json");
          return args;
        }(),
        {}, 300s);
  };
  auto first = std::async(std::launch::async, start);
  auto second = std::async(std::launch::async, start);
  const int reads = watch_ledger([&] {
    return second.wait_for(0s) != std::future_status::ready ||
           first.wait_for(0s) != std::future_status::ready;
  });
  EXPECT_GT(reads, 0) << "the ledger was never read while they ran: the check proves nothing";
  const CommandResult a = first.get();
  const CommandResult b = second.get();
  ASSERT_EQ(a.exit_code, 0) << a.err;
  ASSERT_EQ(b.exit_code, 0) << b.err;

  // One did the work; the other, let in afterwards, started nothing.
  const json report_a = json::parse(a.out);
  const json report_b = json::parse(b.out);
  const auto started = [](const json& report) {
    return report.value("submitted", json::array()).size() + report.at("retried").size();
  };
  const bool a_worked = started(report_a) > 0;
  const json& idle = a_worked ? report_b : report_a;
  EXPECT_GT(started(a_worked ? report_a : report_b), 0U) << a.out << b.out;
  EXPECT_EQ(started(idle), 0U) << idle.dump(2);
  EXPECT_EQ(idle.at("interrupted"), false) << idle.dump(2);
  expect_batch_done_once();
}

INSTANTIATE_TEST_SUITE_P(TwoAtOnce, BatchLock, ::testing::Values(Command::RetryWatch, Command::Run),
                         [](const ::testing::TestParamInfo<Command>& param_info) {
                           return param_info.param == Command::Run ? "run" : "retry_watch";
                         });

}  // namespace
}  // namespace traitctl::e2e::batch_lock_tests
