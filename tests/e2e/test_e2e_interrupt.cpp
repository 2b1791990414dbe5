// Ctrl-C at seeded moments of `submit`, `retry --watch` and `run`: each
// interrupted run exits 130 within the call timeout and leaves its state
// directory whole, and running the same command again finishes the batch
// with every trait created once per attempt it needed — no duplicate job, no
// lost trait, no attempt counted twice — by the fake's own record.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::interrupt_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPrefix = "ir";
constexpr const char* kProject = "p";
constexpr int kFirst = 2;
constexpr int kLast = 9;
constexpr int kCap = 3;
// Far above one call's latency, also under the sanitizers on a loaded machine.
constexpr auto kCallTimeout = 10s;

std::string name_of(int trait) { return fmt::format("{}-{}", kPrefix, trait); }

// Mount failures (exit 2) before success: trait 2 twice (its second retry
// waits out a backoff), traits 4 and 7 once.
json plans() { return json{{name_of(2), {2, 2, 0}}, {name_of(4), {2, 0}}, {name_of(7), {2, 0}}}; }

// Creations each trait needs to complete under plans(): 1 + its mount failures.
int needed_creations(int trait) {
  const json all = plans();
  if (!all.contains(name_of(trait))) {
    return 1;
  }
  const auto codes = all.at(name_of(trait)).get<std::vector<int>>();
  return static_cast<int>(std::count(codes.begin(), codes.end(), 2)) + 1;
}

enum class Command { Submit, RetryWatch, Run };

std::string to_string(Command command) {
  switch (command) {
    case Command::Submit: return "submit";
    case Command::RetryWatch: return "retry_watch";
    case Command::Run: return "run";
  }
  return "";
}

std::vector<std::string> args_for(Command command) {
  std::vector<std::string> args;
  switch (command) {
    case Command::Submit: args = {"submit"}; break;
    case Command::RetryWatch: args = {"retry", "--watch", "--retry-delay", "1s"}; break;
    case Command::Run: args = {"run", "--retry-delay", "1s"}; break;
  }
  const std::vector<std::string> batch{"--prefix",
                                       kPrefix,
                                       "--project",
                                       kProject,
                                       "--traits",
                                       fmt::format("{}-{}", kFirst, kLast),
                                       "--max-concurrent",
                                       std::to_string(kCap),
                                       "--poll-interval",
                                       "0.1s",
                                       "--runai-timeout",
                                       fmt::format("{}s", kCallTimeout.count()),
                                       "--yes"};
  args.insert(args.end(), batch.begin(), batch.end());
  return args;
}

// When to send SIGINT: once the fake has recorded `calls` calls of this
// command, then after `delay`. The fake holds a job of each run until the
// test releases it (held_jobs), so the signal always finds the run working.
struct InterruptPoint {
  int calls = 1;
  std::chrono::milliseconds delay{0};
};

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Even seeds pick a call count (the fake's clock), odd seeds a delay after
// the first call (the wall clock, landing between calls as often as in one).
InterruptPoint point_for(Command command, int seed) {
  struct Window {
    int calls;
    int delay_ms;
  };
  Window window{};
  switch (command) {
    case Command::Submit: window = {12, 800}; break;
    case Command::RetryWatch: window = {25, 1800}; break;
    case Command::Run: window = {35, 2000}; break;
  }
  const std::uint64_t draw =
      splitmix64(static_cast<std::uint64_t>(seed) * 3 + static_cast<std::uint64_t>(command));
  if (seed % 2 == 0) {
    return {1 + static_cast<int>(draw % static_cast<std::uint64_t>(window.calls)), 0ms};
  }
  return {1, std::chrono::milliseconds(draw % static_cast<std::uint64_t>(window.delay_ms))};
}

json cluster_config(Command command) {
  // latency_ms keeps calls in flight when the signal comes; deleting_ms
  // leaves deleted jobs listed for a while, so some cycles wait for them.
  // Longer jobs stretch submit, which ends once the last job is submitted.
  return json{{"pending_ms", 20},
              {"running_ms", command == Command::Submit ? 400 : 150},
              {"deleting_ms", 50},
              {"latency_ms", 20},
              {"plans", plans()}};
}

// What the fake holds until the rerun, so that the interrupted run cannot
// finish before its interruption point: for submit three jobs that fill the
// cap before the last trait is submitted, for the others trait 2's last attempt.
json held_jobs(Command command) {
  if (command == Command::Submit) {
    return json{{name_of(6), {1}}, {name_of(7), {1}}, {name_of(8), {1}}};
  }
  return json{{name_of(2), {3}}};
}

std::vector<std::string> batch_names() {
  std::vector<std::string> names;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    names.push_back(name_of(trait));
  }
  return names;
}

// retry --watch needs failed jobs: the whole batch submitted, and ended.
void submit_and_settle(const FakeCluster& cluster) {
  const auto submitted = run_traitctl(
      cluster,
      {"submit", "--prefix", kPrefix, "--project", kProject, "--traits", fmt::format("{}-{}", kFirst, kLast),
       "--max-concurrent", std::to_string(kCap), "--poll-interval", "0.1s", "--yes"},
      {}, 120s);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  ASSERT_TRUE(wait_until_ended(cluster, batch_names(), 60s)) << "the submitted jobs did not end";
}

// The batch is done, each trait created exactly as often as it needed (once
// for submit) and the ledger agreeing with the fake's record.
void expect_batch_finished_once(const FakeCluster& cluster, Command command) {
  std::map<int, int> creations;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    creations[trait] = command == Command::Submit ? 1 : needed_creations(trait);
    const std::string status = cluster.current_status(name_of(trait));
    if (command == Command::Submit) {
      EXPECT_NE(status, "") << name_of(trait) << " is lost";
    } else {
      EXPECT_EQ(status, "Completed") << name_of(trait);
    }
  }
  for (const auto& problem : attempt_problems(cluster, kProject, kPrefix, creations)) {
    ADD_FAILURE() << problem << '\n' << read_ledger(cluster, kProject, kPrefix).dump(2);
  }
  EXPECT_LE(cluster.max_in_flight(kPrefix), kCap);
}

class SigintAt : public ::testing::TestWithParam<std::tuple<Command, int>> {};

TEST_P(SigintAt, ExitsCleanlyAndARerunFinishesTheBatchOnce) {
  const auto [command, seed] = GetParam();
  const InterruptPoint point = point_for(command, seed);
  SCOPED_TRACE(fmt::format("{} seed {}: SIGINT after {} calls + {} ms", to_string(command), seed, point.calls,
                           point.delay.count()));
  FakeCluster cluster;
  cluster.write_config(cluster_config(command));
  if (command == Command::RetryWatch) {
    ASSERT_NO_FATAL_FAILURE(submit_and_settle(cluster));
  }
  json holding = cluster_config(command);
  holding["hold"] = held_jobs(command);
  cluster.write_config(holding);
  const auto calls_before = cluster.calls().size();

  const auto log = cluster.dir() / "interrupted.log";
  auto child = start_traitctl(cluster, args_for(command), log);
  ASSERT_TRUE(child.ok()) << child.error().message;
  const auto give_up = std::chrono::steady_clock::now() + 60s;
  while (cluster.calls().size() < calls_before + static_cast<std::size_t>(point.calls) &&
         !child->poll().has_value() && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(2ms);
  }
  std::this_thread::sleep_for(point.delay);  // where the signal lands, not a wait for a state
  ASSERT_FALSE(child->poll().has_value())
      << "finished before the interruption point: the case proves nothing\n"
      << read_text(log);
  ASSERT_EQ(::kill(child->pid(), SIGINT), 0);
  const auto interrupted_at = std::chrono::steady_clock::now();
  const int code = wait_for_exit(*child, 60s);
  const auto took = std::chrono::steady_clock::now() - interrupted_at;
  EXPECT_EQ(code, 130) << read_text(log);
  EXPECT_LT(took, kCallTimeout) << "the stop took "
                                << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                << " ms\n"
                                << read_text(log);
  EXPECT_NE(read_text(log).find("Interrupted"), std::string::npos)
      << "not a clean stop (killed by the signal?)\n"
      << read_text(log);
  for (const auto& problem : state_dir_problems(cluster)) {
    ADD_FAILURE() << "after the interruption: " << problem;
  }

  cluster.release_held_jobs();
  const auto rerun = run_traitctl(cluster, args_for(command), {}, 120s);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  for (const auto& problem : state_dir_problems(cluster)) {
    ADD_FAILURE() << "after the rerun: " << problem;
  }
  expect_batch_finished_once(cluster, command);
}

INSTANTIATE_TEST_SUITE_P(Seeded, SigintAt,
                         ::testing::Combine(::testing::Values(Command::Submit, Command::RetryWatch,
                                                              Command::Run),
                                            ::testing::Range(1, 9)),
                         [](const ::testing::TestParamInfo<SigintAt::ParamType>& param_info) {
                           return fmt::format("{}_seed{}", to_string(std::get<0>(param_info.param)),
                                              std::get<1>(param_info.param));
                         });

}  // namespace
}  // namespace traitctl::e2e::interrupt_tests
