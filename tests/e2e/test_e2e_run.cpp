// `traitctl run` end to end against the fake runai. A mixed plan (successes,
// mount failures retried to success, a configuration error, traits that run
// out of retries) ends with exit code 3, the cap held and every trait created
// exactly as often as its plan needs, by the fake's own record; an
// all-success batch ends with 0; a run after the batch has finished creates
// nothing and ends the same way; another batch's jobs neither count towards
// the cap nor are touched.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::run_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kProject = "p";
constexpr int kMaxRetries = 2;

using Plan = std::map<int, std::vector<int>>;  // trait -> exit codes of its successive attempts

// Traits 2-16, cap 4: seven succeed, three fail once with a mount failure,
// two fail twice, one is a configuration error (never retried) and two
// always fail with a mount failure (out of retries after kMaxRetries).
const Plan kMixed{{2, {2}},     {3, {2, 0}}, {4, {0}},  {5, {1}},        {6, {2, 2, 0}},
                  {7, {0}},     {8, {2, 0}}, {9, {0}},  {10, {2, 2, 0}}, {11, {0}},
                  {12, {2, 0}}, {13, {0}},   {14, {0}}, {15, {2}},       {16, {0}}};
constexpr const char* kMixedPrefix = "mx";
constexpr const char* kMixedTraits = "2-16";
constexpr int kMixedCap = 4;
constexpr int kConfigError = 5;

json plans_of(const std::string& prefix, const Plan& plan) {
  json plans = json::object();
  for (const auto& [trait, codes] : plan) {
    plans[fmt::format("{}-{}", prefix, trait)] = codes;
  }
  return plans;
}

// Short jobs; longer ones (`running_ms`) where a test shows the cap filled,
// so the first round's jobs are all alive at once even on a busy machine.
json quick_config(json plans, int running_ms = 150) {
  return json{
      {"pending_ms", 30}, {"running_ms", running_ms}, {"deleting_ms", 0}, {"plans", std::move(plans)}};
}

std::vector<std::string> run_args(const std::string& prefix, const std::string& traits, int cap,
                                  std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"run",
                                "--prefix",
                                prefix,
                                "--project",
                                kProject,
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
                                "--max-retries",
                                std::to_string(kMaxRetries),
                                "--yes"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// The plan ends in a mount failure: it never succeeds.
bool always_fails(const std::vector<int>& codes) { return codes.back() == 2; }

bool completes(const std::vector<int>& codes) { return codes.back() == 0; }

bool starts_with_mount_failure(const std::vector<int>& codes) { return codes.front() == 2; }

bool completes_after_retry(const std::vector<int>& codes) {
  return starts_with_mount_failure(codes) && completes(codes);
}

// Jobs the trait needs: one per mount failure plus the last attempt, or the
// first attempt and every retry for a trait that never succeeds.
int needed_creations(const std::vector<int>& codes) {
  if (always_fails(codes)) {
    return 1 + kMaxRetries;
  }
  return static_cast<int>(std::count(codes.begin(), codes.end(), 2)) + 1;
}

std::vector<int> traits_where(const Plan& plan, bool (*keep)(const std::vector<int>&)) {
  std::vector<int> traits;
  for (const auto& [trait, codes] : plan) {
    if (keep(codes)) {
      traits.push_back(trait);
    }
  }
  return traits;
}

const std::vector<int> kOutOfRetries = traits_where(kMixed, always_fails);

std::vector<int> all_traits(const Plan& plan) {
  return traits_where(plan, [](const std::vector<int>&) { return true; });
}

// The cluster's record: each trait created exactly as its plan needs, with
// attempts 1, 2, ... and a ledger agreeing; nothing outside the plan created.
void expect_creations(const FakeCluster& cluster, const std::string& prefix, const Plan& plan) {
  std::map<int, int> creations;
  std::map<std::string, int> expected_names;
  for (const auto& [trait, codes] : plan) {
    creations[trait] = needed_creations(codes);
    expected_names[fmt::format("{}-{}", prefix, trait)] = creations[trait];
  }
  EXPECT_EQ(cluster.creations_per_name(), expected_names);
  for (const auto& problem : attempt_problems(cluster, kProject, prefix, creations)) {
    ADD_FAILURE() << problem << '\n' << read_ledger(cluster, kProject, prefix).dump(2);
  }
}

json parse_report(const CommandResult& result) {
  // json::parse refuses anything after the first document: one object, or a failure.
  json report;
  EXPECT_NO_THROW(report = json::parse(result.out)) << "stdout is not one JSON document:\n" << result.out;
  EXPECT_TRUE(report.is_object()) << result.out;
  return report;
}

CommandResult run_mixed(const FakeCluster& cluster, std::vector<std::string> extra = {}) {
  return run_traitctl(cluster, run_args(kMixedPrefix, kMixedTraits, kMixedCap, std::move(extra)), {}, 120s);
}

void write_mixed_config(const FakeCluster& cluster) {
  cluster.write_config(quick_config(plans_of(kMixedPrefix, kMixed)));
}

TEST(Run, AMixedPlanEndsWithExitCode3AndNamesThePermanentFailures) {
  FakeCluster cluster;
  write_mixed_config(cluster);
  const auto result = run_mixed(cluster, {"--json"});
  ASSERT_EQ(result.exit_code, 3) << result.out << result.err;

  EXPECT_LE(cluster.max_in_flight(kMixedPrefix), kMixedCap);
  expect_creations(cluster, kMixedPrefix, kMixed);

  const json report = parse_report(result);
  EXPECT_EQ(report.at("command"), "run");
  EXPECT_EQ(report.at("total"), kMixed.size());
  EXPECT_EQ(ints(report.at("submitted")), all_traits(kMixed)) << report.dump(2);
  EXPECT_EQ(ints(report.at("completed")), traits_where(kMixed, completes)) << report.dump(2);
  EXPECT_EQ(ints(report.at("out_of_retries")), kOutOfRetries) << report.dump(2);
  EXPECT_EQ(report.at("skipped").size(), 1U) << report.dump(2);
  EXPECT_TRUE(report.at("skipped").contains(std::to_string(kConfigError))) << report.dump(2);
  EXPECT_EQ(ints(report.at("succeeded_after_retry")), traits_where(kMixed, completes_after_retry))
      << report.dump(2);
  const auto retried = ints(report.at("retried"));
  const auto should_retry = traits_where(kMixed, starts_with_mount_failure);
  EXPECT_EQ(std::set<int>(retried.begin(), retried.end()),
            std::set<int>(should_retry.begin(), should_retry.end()))
      << report.dump(2);
  // Every failed job classified once: each mount failure, and the configuration error.
  int mount_failures = 0;
  for (const auto& [trait, codes] : kMixed) {
    mount_failures += always_fails(codes) ? needed_creations(codes) : needed_creations(codes) - 1;
  }
  EXPECT_EQ(report.at("mount_failures"), mount_failures) << report.dump(2);
  EXPECT_EQ(report.at("configuration_errors"), 1) << report.dump(2);
  EXPECT_EQ(report.at("failed_jobs_found"), mount_failures + 1) << report.dump(2);
  EXPECT_TRUE(report.at("submission_failures").empty()) << report.dump(2);
  EXPECT_TRUE(report.at("resubmission_failures").empty()) << report.dump(2);
  EXPECT_EQ(report.at("interrupted"), false);
  EXPECT_FALSE(report.contains("error")) << report.dump(2);

  // The logs go to stderr, and name what happened to the permanent failures.
  EXPECT_NE(result.err.find("[SUBMIT]"), std::string::npos) << result.err;
  for (int trait : kOutOfRetries) {
    EXPECT_NE(result.err.find(fmt::format("Trait {} is out of retries", trait)), std::string::npos)
        << result.err;
    // Each retry is counted as one of the budget, in the same words everywhere.
    for (int retry = 1; retry <= kMaxRetries; ++retry) {
      EXPECT_NE(result.err.find(fmt::format("Resubmitting trait {} (retry {}/{}, attempt {},", trait, retry,
                                            kMaxRetries, retry + 1)),
                std::string::npos)
          << result.err;
    }
  }
  EXPECT_NE(result.err.find(
                fmt::format("Trait {}: configuration error, manual fix needed (exit code 1", kConfigError)),
            std::string::npos)
      << result.err;

  const json ledger = read_ledger(cluster, kProject, kMixedPrefix);
  for (int trait : kOutOfRetries) {
    EXPECT_EQ(ledger.at("traits").at(std::to_string(trait)).value("out_of_retries", false), true)
        << ledger.dump(2);
  }
  for (const auto& [trait, codes] : kMixed) {
    const std::string expected = completes(codes) ? "Completed" : "Failed";
    EXPECT_EQ(cluster.current_status(fmt::format("{}-{}", kMixedPrefix, trait)), expected) << trait;
  }
}

TEST(Run, ARunAfterAMixedBatchFinishedCreatesNothingAndEndsTheSame) {
  FakeCluster cluster;
  write_mixed_config(cluster);
  const auto first = run_mixed(cluster);
  ASSERT_EQ(first.exit_code, 3) << first.err;
  const int submits = cluster.count_calls("submit");
  const int deletes = cluster.count_calls("delete");

  // The text report names the traits that failed for good.
  const auto again = run_mixed(cluster);
  EXPECT_EQ(again.exit_code, 3) << again.err;
  const auto statistics = again.out.find("Statistics:");
  ASSERT_NE(statistics, std::string::npos) << again.out;
  const std::string report = again.out.substr(statistics);
  EXPECT_NE(report.find(fmt::format("Out of retries:            {} (traits {})", kOutOfRetries.size(),
                                    fmt::join(kOutOfRetries, ", "))),
            std::string::npos)
      << report;
  EXPECT_NE(report.find(fmt::format("Skipped (not retryable):   1 (traits {})", kConfigError)),
            std::string::npos)
      << report;

  const auto as_json = run_mixed(cluster, {"--json"});
  EXPECT_EQ(as_json.exit_code, 3) << as_json.err;
  const json result = parse_report(as_json);
  EXPECT_TRUE(result.at("submitted").empty()) << result.dump(2);
  EXPECT_TRUE(result.at("retried").empty()) << result.dump(2);
  EXPECT_EQ(ints(result.at("out_of_retries")), kOutOfRetries) << result.dump(2);
  EXPECT_EQ(result.at("skipped").size(), 1U) << result.dump(2);
  EXPECT_TRUE(result.at("skipped").contains(std::to_string(kConfigError))) << result.dump(2);
  EXPECT_EQ(ints(result.at("completed")), traits_where(kMixed, completes)) << result.dump(2);

  EXPECT_EQ(cluster.count_calls("submit"), submits);
  EXPECT_EQ(cluster.count_calls("delete"), deletes);
  expect_creations(cluster, kMixedPrefix, kMixed);
}

TEST(Run, AnAllSuccessBatchEndsWith0AndARerunCreatesNothing) {
  FakeCluster cluster;
  const Plan plan{{2, {0}}, {3, {0}}, {4, {0}}, {5, {0}}, {6, {0}}, {7, {0}}, {8, {0}}, {9, {0}}};
  constexpr int kCap = 3;
  json held = quick_config(plans_of("ok", plan));
  held["hold"] = true;  // until the cap is full, however slowly a loaded machine submits
  cluster.write_config(held);
  const auto [result, filled] = run_traitctl_held_until(
      cluster, run_args("ok", "2-9", kCap, {"--json"}), [&] { return cluster.max_in_flight("ok") >= kCap; });
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(filled) << "the cap was never used";
  EXPECT_EQ(cluster.max_in_flight("ok"), kCap);
  expect_creations(cluster, "ok", plan);
  const json report = parse_report(result);
  EXPECT_EQ(ints(report.at("submitted")), all_traits(plan)) << report.dump(2);
  EXPECT_EQ(ints(report.at("completed")), all_traits(plan)) << report.dump(2);
  EXPECT_EQ(report.at("failed_jobs_found"), 0) << report.dump(2);
  EXPECT_TRUE(report.at("out_of_retries").empty()) << report.dump(2);
  EXPECT_TRUE(report.at("skipped").empty()) << report.dump(2);

  const int submits = cluster.count_calls("submit");
  const auto again = run_traitctl(cluster, run_args("ok", "2-9", kCap, {"--json"}), {}, 120s);
  EXPECT_EQ(again.exit_code, 0) << again.out << again.err;
  const json second = parse_report(again);
  EXPECT_TRUE(second.at("submitted").empty()) << second.dump(2);
  EXPECT_EQ(ints(second.at("completed")), all_traits(plan)) << second.dump(2);
  EXPECT_EQ(cluster.count_calls("submit"), submits);
  EXPECT_EQ(cluster.count_calls("delete"), 0);
  expect_creations(cluster, "ok", plan);
}

void submit_directly(const FakeCluster& cluster, const std::string& name) {
  const auto created = run_fake_runai(cluster, {"workspace", "submit", name, "--project", kProject, "--image",
                                                "gapit:1", "--command", "--", "/entrypoint.sh"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
}

TEST(Run, AnotherBatchsJobsNeitherCountTowardsTheCapNorAreTouched) {
  FakeCluster cluster;
  // Jobs of other batches, there before the run: two failed (one with a
  // mount failure, which run would retry if it took it for its own), three
  // running for the whole test. "gwas-x" is a sibling batch, "gwasx" another
  // prefix that merely starts the same.
  cluster.write_config(
      json{{"pending_ms", 0}, {"running_ms", 0}, {"plans", {{"gwasx-4", {2}}, {"other-4", {1}}}}});
  const std::vector<std::string> failed{"gwasx-4", "other-4"};
  for (const auto& name : failed) {
    ASSERT_NO_FATAL_FAILURE(submit_directly(cluster, name));
  }
  cluster.write_config(json{{"pending_ms", 0}, {"running_ms", 600'000}});
  const std::vector<std::string> running{"gwasx-3", "other-3", "gwas-x-3"};
  for (const auto& name : running) {
    ASSERT_NO_FATAL_FAILURE(submit_directly(cluster, name));
  }
  ASSERT_TRUE(wait_until_ended(cluster, failed, 60s));
  const std::size_t calls_before = cluster.calls().size();

  const Plan plan{{2, {0}}, {3, {0}}, {4, {0}}, {5, {0}}, {6, {0}}, {7, {0}}, {8, {0}}, {9, {0}}};
  constexpr int kCap = 4;  // more than the others' active jobs, so a miscount shows as a lower peak
  json held = quick_config(plans_of("gwas", plan));
  held["hold"] = json::array();  // the batch's own jobs, until the cap is full
  for (int trait = 2; trait <= 9; ++trait) {
    held["hold"].push_back(fmt::format("gwas-{}", trait));
  }
  cluster.write_config(held);
  const auto [result, filled] = run_traitctl_held_until(
      cluster, run_args("gwas", "2-9", kCap, {"--json"}), [&] { return cluster.max_in_flight("gwas") >= kCap; });
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_TRUE(filled) << "the other batches' jobs took slots of the cap";
  EXPECT_EQ(cluster.max_in_flight("gwas"), kCap);
  const json report = parse_report(result);
  EXPECT_EQ(ints(report.at("completed")), all_traits(plan)) << report.dump(2);
  EXPECT_EQ(report.at("failed_jobs_found"), 0) << report.dump(2);

  const auto calls = cluster.calls();
  for (std::size_t i = calls_before; i < calls.size(); ++i) {
    for (const auto& name : {"gwasx-4", "other-4", "gwasx-3", "other-3", "gwas-x-3"}) {
      for (const auto& word : calls[i].at("argv")) {
        EXPECT_NE(word, name) << calls[i].dump();
      }
    }
  }
  const auto created = cluster.creations_per_name();
  for (const auto& name : failed) {
    EXPECT_EQ(created.at(name), 1) << name;
    EXPECT_EQ(cluster.current_status(name), "Failed") << name;
  }
  for (const auto& name : running) {
    EXPECT_EQ(created.at(name), 1) << name;
    EXPECT_EQ(cluster.current_status(name), "Running") << name;
  }
  EXPECT_EQ(result.err.find("gwasx-"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("other-"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find("gwas-x-"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace traitctl::e2e::run_tests
