// The gate that reads the cluster's health, end to end against the fake
// runai: mount failures that come with load lower the cap (and the fake's
// own record shows fewer jobs in flight afterwards), a batch whose every
// trait is misconfigured stops submitting, a CPU budget bounds the jobs in
// flight, and `traitctl cap` from another process lowers a running batch.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "harness.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::e2e::gate_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

Strings run_args(const std::string& traits, int cap, Strings extra = {}) {
  Strings args{"run",
               "--prefix",
               "gt",
               "--project",
               "p",
               "--traits",
               traits,
               "--max-concurrent",
               std::to_string(cap),
               "--poll-interval",
               "0.2s",
               "--retry-delay",
               "1s",
               "--max-delay",
               "1s",  // no doubled backoffs: test_batch_engine covers them with a fake clock
               "--yes",
               "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// When the journal says the run did `event` first, in the fake's clock (ms since the epoch).
std::optional<std::int64_t> first_journal_time(const FakeCluster& cluster, const std::string& event) {
  for (const std::string& line : lines_of(read_text(cluster.state_dir() / "journal.jsonl"))) {
    const json entry = json::parse(line);
    if (entry.at("event") == event) {
      const auto time = parse_utc(entry.at("time").get<std::string>());
      return std::chrono::duration_cast<std::chrono::milliseconds>(time->time_since_epoch()).count();
    }
  }
  return std::nullopt;
}

TEST(Gate, MountFailuresThatComeWithLoadLowerTheCap) {
  FakeCluster cluster;
  constexpr int kRunningMs = 400;
  // Held until the batch fills its cap of 8: the fourth to start and later ones
  // find more than 3 of the batch alive and fail to mount once released.
  cluster.write_config(
      json{{"pending_ms", 30}, {"running_ms", kRunningMs}, {"mount_failure_above", 3}, {"hold", true}});
  const auto [result, filled] = run_traitctl_held_until(
      cluster,
      run_args("2-25", 8,
               {"--max-retries", "6", "--cap-window", "4", "--cap-burst", "2", "--cap-healthy-run", "50"}),
      [&] { return cluster.max_in_flight("gt") >= 8; });
  ASSERT_TRUE(filled) << "the cap was never reached\n" << result.err;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("completed").size(), 24U) << report.dump();
  const int lowered_to = report.at("cap").at("effective");
  EXPECT_LE(lowered_to, 4) << report.dump();
  EXPECT_NE(result.err.find("[CAP] lowered to"), std::string::npos) << result.err;
  const auto lowered_at = first_journal_time(cluster, "cap-lowered");
  ASSERT_TRUE(lowered_at.has_value());
  // Once the jobs started under the old cap have ended, no more than the lowered cap run at once.
  EXPECT_LE(cluster.max_in_flight_since("gt", *lowered_at + kRunningMs + 500), 4);
  const json ledger = read_ledger(cluster, "p", "gt");
  EXPECT_LE(ledger.at("cap").at("effective").get<int>(), 4) << "kept for the next run";

  // status shows the lowered cap against its maximum, in text and --json.
  const Strings batch{"status", "--prefix", "gt", "--project", "p", "--traits", "2-25"};
  const auto status = run_traitctl(cluster, batch);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_NE(status.out.find(fmt::format("Cap: {}/8 (lowered after mount failures at ", lowered_to)),
            std::string::npos)
      << status.out;
  Strings as_json = batch;
  as_json.emplace_back("--json");
  const auto status_json = run_traitctl(cluster, as_json);
  ASSERT_EQ(status_json.exit_code, 0) << status_json.err;
  const json cap = json::parse(status_json.out).at("cap");
  EXPECT_EQ(cap.at("effective"), lowered_to) << cap.dump();
  EXPECT_EQ(cap.at("maximum"), 8) << cap.dump();
  EXPECT_EQ(cap.at("lowered"), true) << cap.dump();
}

TEST(Gate, ABatchWhoseInputsAreWrongStopsSubmitting) {
  FakeCluster cluster;
  json plans = json::object();
  for (int trait = 2; trait <= 21; ++trait) {
    plans[fmt::format("gt-{}", trait)] = {1};
  }
  cluster.write_config(json{{"pending_ms", 20}, {"running_ms", 80}, {"plans", plans}});
  const auto result = run_traitctl(cluster, run_args("2-21", 1, {"--max-config-errors", "3"}), {}, 120s);
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_EQ(cluster.count_calls("submit"), 3) << "no fourth trait wasted";
  const json report = json::parse(result.out);
  ASSERT_TRUE(report.contains("submission_stopped")) << report.dump();
  EXPECT_EQ(report.at("submission_stopped").at("class"), "config");
  EXPECT_EQ(report.at("submission_stopped").at("first_failures").size(), 3U);
  EXPECT_NE(report.at("submission_stopped")
                .at("first_failures")
                .at(0)
                .at("evidence")
                .get<std::string>()
                .find("Missing required files"),
            std::string::npos)
      << report.dump();
  EXPECT_NE(result.err.find("No new trait is submitted"), std::string::npos) << result.err;

  // Fixed, the rerun goes on where it stopped.
  cluster.write_config(json{{"pending_ms", 20}, {"running_ms", 80}});
  const auto again = run_traitctl(cluster, run_args("2-21", 4, {"--max-config-errors", "3"}), {}, 120s);
  EXPECT_EQ(again.exit_code, 3) << again.err;  // the three that failed are not retried
  EXPECT_EQ(json::parse(again.out).at("completed").size(), 17U) << again.out;
}

TEST(Gate, ACpuBudgetBoundsTheJobsInFlight) {
  FakeCluster cluster;
  // Held until the budget is full, so that the jobs in flight are counted at a
  // moment the test chose rather than one a slow machine may miss.
  cluster.write_config(json{{"pending_ms", 30}, {"running_ms", 100}, {"hold", true}});
  const auto [result, filled] = run_traitctl_held_until(
      cluster, run_args("2-31", 50, {"--max-cpu", "100"}), [&] { return cluster.max_in_flight("gt") >= 8; },
      {{"CPU", "12"}});
  ASSERT_TRUE(filled) << result.err;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_LE(cluster.max_cpu_in_flight("gt"), 100.0);
  EXPECT_EQ(cluster.max_in_flight("gt"), 8) << "100 / 12 cores";
}

// When the last of the batch's first `count` jobs ended (or was deleted), in the fake's clock.
std::int64_t last_end_of_first(const FakeCluster& cluster, std::size_t count) {
  const json history = cluster.state().at("history");
  std::int64_t last = 0;
  for (std::size_t i = 0; i < count && i < history.size(); ++i) {
    std::int64_t end = history[i].at("end_ms").get<std::int64_t>();
    if (!history[i].at("deleted_ms").is_null()) {
      end = std::min(end, history[i].at("deleted_ms").get<std::int64_t>());
    }
    last = std::max(last, end);
  }
  return last;
}

TEST(Gate, TraitctlCapLowersARunningBatch) {
  FakeCluster cluster;
  // Held until traitctl has taken the new cap: the six first jobs are still
  // running then, and every later one starts under the cap of 2.
  cluster.write_config(json{{"pending_ms", 20}, {"running_ms", 300}, {"hold", true}});
  const std::filesystem::path log = cluster.dir() / "run.log";
  auto runner = start_traitctl(cluster, run_args("2-25", 6), log);
  ASSERT_TRUE(runner.ok()) << runner.error().message;
  ASSERT_TRUE(wait_for([&] { return cluster.max_in_flight("gt") == 6; })) << read_text(log);
  const auto capped = run_traitctl(cluster, {"cap", "2", "--prefix", "gt", "--project", "p"});
  ASSERT_EQ(capped.exit_code, 0) << capped.err;
  EXPECT_NE(capped.out.find("picks it up"), std::string::npos) << capped.out;
  ASSERT_TRUE(wait_for([&] { return first_journal_time(cluster, "cap-set").has_value(); })) << read_text(log);
  cluster.release_held_jobs();
  ASSERT_EQ(wait_for_exit(*runner, 200s), 0) << read_text(log);
  EXPECT_EQ(cluster.max_in_flight("gt"), 6) << read_text(log);
  EXPECT_LE(cluster.max_in_flight_since("gt", last_end_of_first(cluster, 6)), 2) << read_text(log);
}

}  // namespace
}  // namespace traitctl::e2e::gate_tests
