// `traitctl submit` end to end against the fake runai: the fake's own record
// (not traitctl's report) shows the per-batch cap held and every trait
// created exactly once, across listings that truncate, faults, and Ctrl-C.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::submit_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPrefix = "gw";

// 60 other users' workloads listed before ours: a v2.20 listing without
// --limit shows 50 rows and would hide every job of the batch. The sibling
// batches gw-extra-5 and gwx-3 are running and must neither hold a slot nor
// make traits 5 and 3 look submitted.
json busy_project(const std::string& version) {
  json others = json::array(
      {json{{"name", "gw-extra-5"}, {"project", "p"}}, json{{"name", "gwx-3"}, {"project", "p"}}});
  for (int i = 0; i < 60; ++i) {
    others.push_back(json{{"name", fmt::format("alice-{}", i)}, {"project", "p"}});
  }
  return json{{"version", version}, {"pending_ms", 50}, {"running_ms", 250}, {"other_workloads", others}};
}

std::vector<std::string> submit_args(const std::string& traits, int cap,
                                     std::vector<std::string> extra = {}) {
  std::vector<std::string> args{
      "submit",           "--prefix",          kPrefix,           "--project", "p",    "--traits", traits,
      "--max-concurrent", std::to_string(cap), "--poll-interval", "0.1s",      "--yes"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::string batch_name(int trait) { return fmt::format("{}-{}", kPrefix, trait); }

// Every trait of [first, last] created exactly once, and nothing else of the
// batch or its siblings created at all.
void expect_one_job_per_trait(const FakeCluster& cluster, int first, int last) {
  const auto created = cluster.creations_per_name();
  for (int trait = first; trait <= last; ++trait) {
    const auto it = created.find(batch_name(trait));
    EXPECT_TRUE(it != created.end() && it->second == 1)
        << batch_name(trait) << " created " << (it == created.end() ? 0 : it->second) << " times";
  }
  EXPECT_EQ(created.size(), static_cast<std::size_t>(last - first + 1));
}

std::vector<int> range(int first, int last) {
  std::vector<int> values;
  for (int value = first; value <= last; ++value) {
    values.push_back(value);
  }
  return values;
}

bool has_one_line(const std::string& text) {
  const auto end = text.find_last_not_of('\n');
  return end != std::string::npos && text.substr(0, end + 1).find('\n') == std::string::npos;
}

// The whole batch twice: the first run submits 40 traits at most 5 at a
// time, the second finds them all and submits nothing.
void submit_busy_batch_twice(const std::string& version, bool with_json) {
  FakeCluster cluster;
  json held = busy_project(version);
  held["hold"] = true;  // until the cap is full, however slowly a loaded machine submits
  cluster.write_config(held);
  const std::vector<std::string> json_flag =
      with_json ? std::vector<std::string>{"--json"} : std::vector<std::string>{};

  const auto [first, filled] = run_traitctl_held_until(cluster, submit_args("2-41", 5, json_flag),
                                                       [&] { return cluster.max_in_flight(kPrefix) >= 5; });
  ASSERT_EQ(first.exit_code, 0) << first.out << first.err;
  EXPECT_LE(cluster.max_in_flight(kPrefix), 5);
  EXPECT_TRUE(filled) << "the cap was never used: the test proves nothing";
  expect_one_job_per_trait(cluster, 2, 41);
  if (with_json) {
    const json report = json::parse(first.out);
    EXPECT_EQ(ints(report.at("submitted")), range(2, 41)) << first.out;
    EXPECT_TRUE(report.at("skipped").empty()) << first.out;
  }

  const int submits = cluster.count_calls("submit");
  const auto second = run_traitctl(cluster, submit_args("2-41", 5, json_flag), {}, 120s);
  ASSERT_EQ(second.exit_code, 0) << second.out << second.err;
  EXPECT_EQ(cluster.count_calls("submit"), submits) << second.err;
  if (with_json) {
    const json report = json::parse(second.out);
    EXPECT_TRUE(report.at("submitted").empty()) << second.out;
    EXPECT_EQ(ints(report.at("skipped")), range(2, 41)) << second.out;
  } else {
    EXPECT_NE(second.out.find("Submitted: 0  Skipped: 40"), std::string::npos) << second.out;
  }
}

TEST(Submit, HoldsTheCapPastATruncatedV220ListingAndSkipsOnRerun) { submit_busy_batch_twice("2.20", false); }

TEST(Submit, HoldsTheCapWithV225PagingAndReportsJson) { submit_busy_batch_twice("2.25", true); }

TEST(Submit, WithoutATerminalOrYesRefusesQuickly) {
  FakeCluster cluster;
  const auto started = std::chrono::steady_clock::now();
  const auto result =
      run_traitctl(cluster, {"submit", "--prefix", kPrefix, "--project", "p", "--traits", "2-5"}, {}, 120s);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
  EXPECT_NE(result.err.find("--yes"), std::string::npos) << result.err;
  EXPECT_EQ(cluster.count_calls("submit"), 0);
}

TEST(Submit, DryRunShowsTheFirstCommandAndSubmitsNothing) {
  FakeCluster cluster;
  const auto result = run_traitctl(
      cluster, {"submit", "--prefix", kPrefix, "--project", "p", "--traits", "2-5", "--dry-run"}, {}, 120s);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find("runai workspace submit gw-2 --project p"), std::string::npos) << result.out;
  EXPECT_EQ(cluster.count_calls("submit"), 0);
}

struct BadValue {
  std::vector<std::string> flags;
  std::string env_file_line;  // appended to a good .env
  std::string named;          // the message must contain this
};

TEST(Submit, BadValuesAreUsageErrorsNamingTheValue) {
  const std::string long_prefix(60, 'a');  // a-...-187 is 64 characters: over Run:ai's 63
  const std::vector<BadValue> cases{
      {{"--max-concurrent", "0"}, "", "got 0"},
      {{"--traits", "9-5"}, "", "9-5"},
      {{"--prefix", "GW"}, "", "GW"},
      {{"--prefix", long_prefix, "--traits", "2-187"}, "", long_prefix},
      {{"--poll-interval", "abc"}, "", "abc"},
      {{}, "START_TRAIT=abc\n", "abc"},
  };
  for (const auto& bad : cases) {
    FakeCluster cluster;
    const fs::path env = cluster.dir() / "batch.env";
    std::ofstream(env) << "PROJECT=p\nJOB_PREFIX=gw\nSTART_TRAIT=2\nEND_TRAIT=5\n" << bad.env_file_line;
    std::vector<std::string> args{"submit", "--env-file", env.string(), "--yes"};
    args.insert(args.end(), bad.flags.begin(), bad.flags.end());
    const auto result = run_traitctl(cluster, args, {}, 120s);
    const std::string label = fmt::format("{} {}", fmt::join(bad.flags, " "), bad.env_file_line);
    EXPECT_EQ(result.exit_code, 2) << label << '\n' << result.out << result.err;
    EXPECT_NE(result.err.find(bad.named), std::string::npos) << label << '\n' << result.err;
    EXPECT_TRUE(has_one_line(result.err)) << label << '\n' << result.err;
    EXPECT_EQ(cluster.count_calls("submit"), 0) << label;
  }
}

TEST(Submit, AMissingRunaiIsARuntimeErrorSayingSo) {
  FakeCluster cluster;
  const auto result =
      run_traitctl(cluster, submit_args("2-5", 2, {"--runai", "/nonexistent/runai"}), {}, 120s);
  EXPECT_EQ(result.exit_code, 1) << result.out << result.err;
  EXPECT_NE(result.err.find("/nonexistent/runai"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("not found"), std::string::npos) << result.err;
}

// Transient errors, submits that create the job but report failure, and
// calls that never answer. A run stops on any failed listing (exit 1, by
// design: see AListingFailureStopsTheBatch in test_submitter.cpp), about one
// listing in seven here; its report must still match what the cluster really
// did, and reruns finish the batch. Short jobs keep listings per run few.
TEST(Submit, FaultsNeverBreakTheCapOrDuplicateAJob) {
  FakeCluster cluster;
  json config{{"pending_ms", 20}, {"running_ms", 80}};
  config["faults"] = {{"seed", 7}, {"transient_rate", 0.15}, {"ghost_submit_rate", 0.1}, {"hang_rate", 0.02}};
  cluster.write_config(config);

  bool finished = false;
  for (int run = 1; run <= 12 && !finished; ++run) {
    const auto before = cluster.creations_per_name();
    const auto result =
        run_traitctl(cluster, submit_args("2-61", 6, {"--json", "--runai-timeout", "2s"}), {}, 120s);
    ASSERT_TRUE(result.exit_code == 0 || result.exit_code == 1) << "run " << run << '\n' << result.err;
    const json report = json::parse(result.out);
    std::set<int> created_now;
    for (const auto& [name, count] : cluster.creations_per_name()) {
      const auto it = before.find(name);
      if (count > (it == before.end() ? 0 : it->second)) {
        created_now.insert(std::stoi(name.substr(std::string(kPrefix).size() + 1)));
      }
    }
    const auto submitted = ints(report.at("submitted"));
    EXPECT_EQ(std::set<int>(submitted.begin(), submitted.end()), created_now)
        << "run " << run << ": the report's submitted traits differ from the jobs created\n"
        << result.out;
    EXPECT_TRUE(report.at("failed").empty() || result.exit_code == 1) << result.out;
    finished = result.exit_code == 0;
  }
  EXPECT_TRUE(finished) << "twelve runs did not finish the batch";
  EXPECT_LE(cluster.max_in_flight(kPrefix), 6);
  expect_one_job_per_trait(cluster, 2, 61);
}

TEST(Submit, SigintStopsPromptlyAndARerunCompletesTheBatch) {
  FakeCluster cluster;
  // The jobs are held until the test releases them: the submit waits at its
  // cap when it is interrupted, and only stopping promptly lets it exit.
  cluster.write_config({{"pending_ms", 100}, {"running_ms", 200}, {"hold", true}});
  const fs::path log = cluster.dir() / "interrupted.log";
  auto child = start_traitctl(cluster, submit_args("2-31", 3), log);
  ASSERT_TRUE(child.ok()) << child.error().message;
  ASSERT_TRUE(wait_for([&] { return cluster.count_calls("submit") >= 3; })) << read_text(log);
  ASSERT_FALSE(child->poll().has_value()) << read_text(log);
  ASSERT_EQ(::kill(child->pid(), SIGINT), 0);
  EXPECT_EQ(wait_for_exit(*child, 60s), 130) << read_text(log);
  const int submitted_before_rerun = cluster.count_calls("submit");
  EXPECT_EQ(submitted_before_rerun, 3) << "the cap was full";

  cluster.release_held_jobs();
  cluster.write_config({{"pending_ms", 50}, {"running_ms", 150}});
  const auto rerun = run_traitctl(cluster, submit_args("2-31", 3), {}, 120s);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  EXPECT_LE(cluster.max_in_flight(kPrefix), 3);
  expect_one_job_per_trait(cluster, 2, 31);
}

}  // namespace
}  // namespace traitctl::e2e::submit_tests
