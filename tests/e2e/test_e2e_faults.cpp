// `submit` then `retry --watch`, and `run`, on a 60-trait batch, cap 6, against a cluster
// whose CLI fails transiently (15% of calls), creates jobs while reporting
// failure (10% of submits) and hangs (2% of calls, stopped by a short
// --runai-timeout). Each command finishes the batch in one go, and the fake's
// own record shows the cap held, exactly one live job per trait at the end,
// and the JSON report's counts equal to what the cluster really holds.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::faults_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kPrefix = "ft";
constexpr const char* kProject = "p";
constexpr int kFirst = 2;
constexpr int kLast = 61;
constexpr int kCap = 6;
constexpr int kConfigError = 11;
const std::set<int> kMountFailures{5, 17, 29, 41, 53};

std::string name_of(int trait) { return fmt::format("{}-{}", kPrefix, trait); }

json faulty_cluster(std::uint64_t seed) {
  json plans = json::object();
  for (int trait : kMountFailures) {
    plans[name_of(trait)] = {2, 0};
  }
  plans[name_of(kConfigError)] = {1};
  return json{{"pending_ms", 20},
              {"running_ms", 80},
              {"latency_ms", 0},
              {"plans", plans},
              {"faults",
               {{"seed", seed}, {"transient_rate", 0.15}, {"ghost_submit_rate", 0.1}, {"hang_rate", 0.02}}}};
}

std::vector<std::string> batch_args(std::vector<std::string> command) {
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
                                       "1s",
                                       "--yes"};
  command.insert(command.end(), batch.begin(), batch.end());
  return command;
}

// The fake's truth against the report: the cap, one live job per trait,
// every trait accounted for, and the same counts.
void expect_report_matches_cluster(const FakeCluster& cluster, const json& report) {
  EXPECT_LE(cluster.max_in_flight(kPrefix), kCap);
  std::map<std::string, int> live;
  const json state = cluster.state();
  for (const auto& workload : state.at("history")) {
    if (workload.at("deleted_ms").is_null()) {
      ++live[workload.at("name").get<std::string>()];
    }
  }
  std::map<std::string, int> by_status;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    EXPECT_EQ(live[name_of(trait)], 1) << name_of(trait) << ": live jobs at the end";
    ++by_status[cluster.current_status(name_of(trait))];
  }
  EXPECT_EQ(live.size(), static_cast<std::size_t>(kLast - kFirst + 1)) << "jobs outside the batch";
  const int traits = kLast - kFirst + 1;
  EXPECT_EQ(by_status["Completed"], traits - 1) << report.dump(2);
  EXPECT_EQ(by_status["Failed"], 1) << report.dump(2);

  // Every mount failure was retried and succeeded; the configuration error was
  // skipped with its reason; nothing else happened to any trait.
  EXPECT_EQ(ints(report.at("succeeded_after_retry")),
            std::vector<int>(kMountFailures.begin(), kMountFailures.end()))
      << report.dump(2);
  EXPECT_EQ(report.at("mount_failures"), kMountFailures.size()) << report.dump(2);
  EXPECT_EQ(report.at("configuration_errors"), 1) << report.dump(2);
  EXPECT_EQ(report.at("skipped").size(), 1U) << report.dump(2);
  EXPECT_TRUE(report.at("skipped").contains(std::to_string(kConfigError))) << report.dump(2);
  EXPECT_EQ(report.at("failed_jobs_found"), kMountFailures.size() + 1) << report.dump(2);
  EXPECT_TRUE(report.at("resubmission_failures").empty()) << report.dump(2);
  EXPECT_TRUE(report.at("out_of_retries").empty()) << report.dump(2);
  EXPECT_EQ(report.at("interrupted"), false);
  std::map<int, int> creations;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    creations[trait] = kMountFailures.contains(trait) ? 2 : 1;
  }
  for (const auto& problem : attempt_problems(cluster, kProject, kPrefix, creations)) {
    ADD_FAILURE() << problem;
  }
}

TEST(Faults, SubmitThenRetryWatchFinishTheBatchAndReportTheTruth) {
  FakeCluster cluster;
  cluster.write_config(faulty_cluster(21));
  // One submit rides out the failed listings and submits, and is the only
  // creator of the first jobs: exactly one per trait.
  const auto submitted = run_traitctl(cluster, batch_args({"submit", "--json"}), {}, 120s);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::vector<int> all;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    all.push_back(trait);
  }
  const json submit_report = json::parse(submitted.out);
  EXPECT_EQ(ints(submit_report.at("submitted")), all) << submit_report.dump(2);
  EXPECT_TRUE(submit_report.at("failed").empty()) << submit_report.dump(2);
  EXPECT_LE(cluster.max_in_flight(kPrefix), kCap);
  for (const auto& [name, creations] : cluster.creations_per_name()) {
    EXPECT_EQ(creations, 1) << name;
  }
  std::vector<std::string> names;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    names.push_back(name_of(trait));
  }
  ASSERT_TRUE(wait_until_ended(cluster, names, 60s));

  const auto result = run_traitctl(cluster, batch_args({"retry", "--watch", "--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(ints(report.at("retried")), std::vector<int>(kMountFailures.begin(), kMountFailures.end()))
      << report.dump(2);
  expect_report_matches_cluster(cluster, report);
}

TEST(Faults, RunFromNothingFinishesTheBatchAndReportsTheTruth) {
  FakeCluster cluster;
  cluster.write_config(faulty_cluster(22));
  const auto result = run_traitctl(cluster, batch_args({"run", "--json"}), {}, 120s);
  // 3: the batch finished with a trait failed for good (the configuration error).
  ASSERT_EQ(result.exit_code, 3) << result.out << result.err;
  const json report = json::parse(result.out);
  std::vector<int> all;
  for (int trait = kFirst; trait <= kLast; ++trait) {
    all.push_back(trait);
  }
  EXPECT_EQ(ints(report.at("submitted")), all) << report.dump(2);
  EXPECT_TRUE(report.at("submission_failures").empty()) << report.dump(2);
  EXPECT_EQ(report.at("total"), all.size());
  std::vector<int> completed = all;
  std::erase(completed, kConfigError);
  EXPECT_EQ(ints(report.at("completed")), completed) << report.dump(2);
  EXPECT_EQ(ints(report.at("retried")), std::vector<int>(kMountFailures.begin(), kMountFailures.end()))
      << report.dump(2);
  expect_report_matches_cluster(cluster, report);
}

}  // namespace
}  // namespace traitctl::e2e::faults_tests
