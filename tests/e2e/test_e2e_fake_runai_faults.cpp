// Tests of the fake `runai`'s imitations of what real clusters do wrong or
// surprisingly (FORMATS.md, "Answers that do not match what happened" and
// "Why a job died"): each would fail if the fake stopped producing the fault.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "fake_runai_support.hpp"

namespace traitctl::e2e::fake_runai_faults_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

bool contains(const std::vector<std::string>& names, const std::string& name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

CommandResult remove(const FakeCluster& cluster, const std::string& name) {
  return runai(cluster, {"workspace", "delete", name, "--project", "p"});
}

std::string listed_status(const FakeCluster& cluster, const std::string& name) {
  return status_of(runai(cluster, {"workspace", "list", "--project", "p", "--limit", "5000"}).out, name);
}

json describe_json(const FakeCluster& cluster, const std::string& name) {
  const auto described = runai(cluster, {"workspace", "describe", name, "--project", "p", "-o", "json"});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  return json::parse(described.out);
}

std::string log_of(const FakeCluster& cluster, const std::string& name) {
  const auto logs = runai(cluster, {"workspace", "logs", name, "--project", "p"});
  EXPECT_EQ(logs.exit_code, 0) << logs.err;
  return logs.out;
}

// A submit with the resource and mount flags traitctl passes.
CommandResult submit_with(const FakeCluster& cluster, const std::string& name,
                          const std::vector<std::string>& flags) {
  std::vector<std::string> args{"workspace", "submit", name, "--project", "p", "--image", "gapit:1"};
  args.insert(args.end(), flags.begin(), flags.end());
  args.insert(args.end(), {"--command", "--", "/entrypoint.sh"});
  return runai(cluster, args);
}

TEST(FakeRunaiFaults, LostDeleteAnswerTakesEffectAndASecondDeleteFindsNothing) {
  FakeCluster cluster;
  cluster.write_config(
      {{"pending_ms", 0}, {"running_ms", 60'000}, {"deleting_ms", 800}, {"lost_deletes", {"x-5"}}});
  ASSERT_EQ(fake_submit(cluster, "x-5").exit_code, 0);

  const auto lost = remove(cluster, "x-5");
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_EQ(lost.out, "");
  EXPECT_TRUE(lost.err.starts_with("Error: Delete \"https://")) << lost.err;
  EXPECT_TRUE(has(lost.err, "context deadline exceeded")) << lost.err;
  EXPECT_EQ(listed_status(cluster, "x-5"), "Deleting") << "the delete took effect";

  const auto again = remove(cluster, "x-5");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "no workload was found\n");
  EXPECT_EQ(listed_status(cluster, "x-5"), "Deleting") << "still listed while the API finds nothing";
  EXPECT_EQ(fake_submit(cluster, "x-5").err, "workload with name 'x-5' already exists in this project\n");

  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "x-5").empty(); }));
  EXPECT_EQ(remove(cluster, "x-5").err, "no workload was found\n");
  ASSERT_EQ(fake_submit(cluster, "x-5").exit_code, 0);
  const auto second = remove(cluster, "x-5");
  EXPECT_EQ(second.exit_code, 0) << "only the first delete of a listed name loses its answer";
  EXPECT_EQ(second.out, "Successfully deleted workspace x-5\n");
  EXPECT_EQ(cluster.count_answers("lost_delete"), 1);
  EXPECT_EQ(cluster.count_answers("still_deleting"), 1);
  EXPECT_EQ(cluster.creations_per_name(), (std::map<std::string, int>{{"x-5", 2}}));
}

TEST(FakeRunaiFaults, LostDeleteRateIsSeededAndCanHangUntilKilled) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 60'000}, {"faults", {{"lost_delete_rate", 1.0}}}});
  ASSERT_EQ(fake_submit(cluster, "r-1").exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "r-2").exit_code, 0);
  const auto lost = remove(cluster, "r-1");
  EXPECT_EQ(lost.exit_code, 1);
  EXPECT_TRUE(has(lost.err, "context deadline exceeded")) << lost.err;
  EXPECT_EQ(cluster.current_status("r-1"), "") << "deleting_ms 0: gone at once";

  cluster.write_config({{"pending_ms", 0},
                        {"running_ms", 60'000},
                        {"lost_deletes", {"r-2"}},
                        {"faults", {{"lost_delete_hang", true}}}});
  const auto hung = run_fake_runai(cluster, {"workspace", "delete", "r-2", "--project", "p"}, 300ms);
  EXPECT_EQ(hung.exit_code, -1) << hung.err;
  EXPECT_EQ(cluster.current_status("r-2"), "");
  const json last = cluster.calls().back();
  EXPECT_TRUE(last.at("exit").is_null());
  EXPECT_EQ(last.at("answer"), "lost_delete");
  EXPECT_EQ(cluster.count_answers("lost_delete"), 2);
}

TEST(FakeRunaiFaults, ALostSubmitAnswerCreatesTheJobAndSaysItTimedOut) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 0}, {"lost_submits", {{"s-2", {2}}}}});
  const auto first = submit_with(cluster, "s-2", {});
  EXPECT_EQ(first.exit_code, 0) << "attempt 1 is not named: " << first.err;
  ASSERT_EQ(remove(cluster, "s-2").exit_code, 0);
  const auto lost = submit_with(cluster, "s-2", {});
  EXPECT_NE(lost.exit_code, 0);
  EXPECT_TRUE(has(lost.err, "Client.Timeout exceeded")) << lost.err;
  EXPECT_EQ(cluster.creations_per_name().at("s-2"), 2) << "the job was created all the same";
  EXPECT_TRUE(has(submit_with(cluster, "s-2", {}).err, "already exists"));
  EXPECT_EQ(cluster.count_answers("lost_submit"), 1);

  cluster.write_config({{"pending_ms", 0}, {"running_ms", 0}, {"lost_resubmits", true}});
  EXPECT_EQ(submit_with(cluster, "s-3", {}).exit_code, 0) << "a first job answers";
  ASSERT_EQ(remove(cluster, "s-3").exit_code, 0);
  EXPECT_TRUE(has(submit_with(cluster, "s-3", {}).err, "Client.Timeout exceeded")) << "its second does not";
  EXPECT_EQ(cluster.count_answers("lost_submit"), 2);
}

TEST(FakeRunaiFaults, ListingLagsBehindANewWorkload) {
  FakeCluster cluster;
  // A lag far longer than the test, then one already past: no race with the clock.
  cluster.write_config({{"pending_ms", 600'000}, {"list_lag_ms", 600'000}});
  ASSERT_EQ(fake_submit(cluster, "l-1").exit_code, 0);
  const auto table = runai(cluster, {"workspace", "list", "-p", "p"});
  EXPECT_EQ(table.exit_code, 0);
  EXPECT_EQ(table.out, "No workloads found\n");
  const json listed = json::parse(runai(cluster, {"workspace", "list", "-p", "p", "--json"}).out);
  EXPECT_TRUE(listed.at("workloads").empty()) << listed.dump();
  EXPECT_EQ(describe_json(cluster, "l-1").at("phase"), "Pending") << "describe finds it at once";
  EXPECT_EQ(fake_submit(cluster, "l-1").exit_code, 1) << "so does submit's name check";

  cluster.write_config({{"pending_ms", 600'000}, {"list_lag_ms", 1}});
  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "l-1") == "Pending"; }));
}

TEST(FakeRunaiFaults, AHeldJobRunsUntilTheTestReleasesIt) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 0}, {"hold", {{"h-1", {1}}, {"h-3", {1, 2}}}}});
  for (const char* name : {"h-1", "h-2", "h-3"}) {
    ASSERT_EQ(fake_submit(cluster, name).exit_code, 0);
  }
  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "h-2") == "Completed"; }));
  EXPECT_EQ(listed_status(cluster, "h-1"), "Running") << "held: past its running_ms";
  EXPECT_EQ(listed_status(cluster, "h-3"), "Running");
  EXPECT_EQ(cluster.current_status("h-1"), "Running");
  EXPECT_EQ(cluster.max_in_flight("h"), 2) << "held jobs are alive for the harness too";

  cluster.release_held_jobs();
  EXPECT_EQ(listed_status(cluster, "h-1"), "Completed") << "ended by the first call that sees the release";
  EXPECT_EQ(listed_status(cluster, "h-3"), "Completed");
  ASSERT_EQ(remove(cluster, "h-1").exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "h-1").exit_code, 0);
  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "h-1") == "Completed"; }))
      << "an attempt not held, and nothing is held once released";
}

TEST(FakeRunaiFaults, AStoppedJobIsListedStoppedFromItsEndOn) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 300}, {"stopped", {"s-1"}}, {"hold", true}});
  ASSERT_EQ(fake_submit(cluster, "s-1").exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "s-2").exit_code, 0);
  EXPECT_EQ(listed_status(cluster, "s-1"), "Running");
  cluster.release_held_jobs();
  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "s-1") == "Stopped"; }));
  EXPECT_EQ(cluster.current_status("s-1"), "Stopped");
  ASSERT_TRUE(wait_for([&] { return listed_status(cluster, "s-2") == "Completed"; }));
  std::this_thread::sleep_for(100ms);
  EXPECT_EQ(listed_status(cluster, "s-1"), "Stopped") << "it stays stopped";
  EXPECT_EQ(fake_submit(cluster, "s-1").exit_code, 1) << "a stopped workload still holds its name";
  ASSERT_EQ(remove(cluster, "s-1").exit_code, 0);
  EXPECT_EQ(listed_status(cluster, "s-1"), "");
}

TEST(FakeRunaiFaults, OtherUsersJobsEndingBetweenOffsetPagesHideBatchRows) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0},
                        {"running_ms", 60'000},
                        {"other_churn", {{"count", 1007}, {"vanish_per_list_call", 7}}}});
  std::vector<std::string> batch;
  for (int i = 1; i <= 8; ++i) {
    batch.push_back(fmt::format("ch-{}", i));
    ASSERT_EQ(fake_submit(cluster, batch.back()).exit_code, 0);
  }
  const auto page = [&](int offset) {
    const auto listed = runai(
        cluster, {"workspace", "list", "-p", "p", "--limit", "1000", "--offset", std::to_string(offset)});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    return names_of(listed.out);
  };
  // Call 1 lists other-0007-nb..other-1006-nb, then ch-1 at offset 1000; by
  // call 2 seven more have ended, so offset 1000 is ch-8.
  const auto first = page(0);
  ASSERT_EQ(first.size(), 1000U);
  EXPECT_EQ(first.front(), "other-0007-nb");
  EXPECT_EQ(first.back(), "other-1006-nb");
  EXPECT_EQ(page(1000), std::vector<std::string>{"ch-8"});

  const auto everything = page(0);  // call 3, without paging: the rows were there throughout
  EXPECT_EQ(everything.front(), "other-0021-nb");
  for (const auto& name : batch) {
    EXPECT_TRUE(contains(everything, name)) << name;
    EXPECT_FALSE(contains(first, name)) << name;
  }
  EXPECT_EQ(cluster.state().at("list_calls"), 3);

  EXPECT_EQ(fake_submit(cluster, "other-0030-nb").exit_code, 1) << "a present workload holds its name";
  EXPECT_EQ(fake_submit(cluster, "other-0000-nb").exit_code, 0) << "one that ended does not";
  EXPECT_EQ(runai(cluster, {"workspace", "list", "-p", "q", "--limit", "5000"}).out.find("ch-1"),
            std::string::npos);
}

TEST(FakeRunaiFaults, OtherUsersJobsEndingBetweenTokenPagesHideBatchRows) {
  FakeCluster cluster;
  cluster.write_config({{"version", "2.25"},
                        {"pending_ms", 0},
                        {"running_ms", 60'000},
                        {"other_churn", {{"count", 505}, {"vanish_per_list_call", 5}, {"project", "p"}}}});
  for (int i = 1; i <= 6; ++i) {
    ASSERT_EQ(fake_submit(cluster, fmt::format("tk-{}", i)).exit_code, 0);
  }
  // The fake's tokens are offsets, so they shift like --offset: tk-1..tk-5
  // were at 500..504 when the first page was read and at 495..499 for the second.
  const auto first =
      runai(cluster, {"workspace", "list", "-p", "p", "--no-pagination", "--page-size", "500"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(names_of(first.out).size(), 500U);
  EXPECT_FALSE(has(first.out, "tk-"));
  const std::string last_line = lines_of(first.out).back();
  ASSERT_TRUE(last_line.starts_with("next token: ")) << last_line;
  const auto second = runai(cluster, {"workspace", "list", "-p", "p", "--no-pagination", "--page-size", "500",
                                      "--next-token", last_line.substr(12)});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_EQ(names_of(second.out), std::vector<std::string>{"tk-6"});
  const auto all = names_of(runai(cluster, {"workspace", "list", "-p", "p"}).out);
  EXPECT_EQ(all.size(), 505U - 15U + 6U) << "one unpaged call lists everything present";

  const auto elsewhere = runai(cluster, {"workspace", "list", "-p", "q"});
  EXPECT_EQ(elsewhere.out, "No workloads found\n") << "the pool belongs to project p";
}

TEST(FakeRunaiFaults, ExitCode137IsAKubernetesOomKill) {
  FakeCluster cluster;
  cluster.write_config(
      {{"pending_ms", 0}, {"running_ms", 0}, {"plans", {{"oom-1", {137}}, {"mnt-1", {2}}, {"ok-1", {0}}}}});
  for (const char* name : {"oom-1", "mnt-1", "ok-1"}) {
    ASSERT_EQ(fake_submit(cluster, name).exit_code, 0);
  }
  const json pod = describe_json(cluster, "oom-1").at("pods").at(0);
  EXPECT_EQ(pod.at("phase"), "Failed");
  const json& main = pod.at("containers").at(0);
  EXPECT_EQ(main.at("name"), "oom-1");
  EXPECT_EQ(main.at("image"), "gapit:1");
  const json& terminated = main.at("state").at("terminated");
  EXPECT_EQ(terminated.at("exitCode"), 137);
  EXPECT_EQ(terminated.at("reason"), "OOMKilled");
  EXPECT_TRUE(terminated.at("finishedAt").is_string());
  EXPECT_EQ(lines_of(log_of(cluster, "oom-1")).back(), "Killed");

  const json failed = describe_json(cluster, "mnt-1").at("pods").at(0).at("containers").at(0);
  EXPECT_EQ(failed.at("state").at("terminated").at("reason"), "Error");
  EXPECT_EQ(failed.at("state").at("terminated").at("exitCode"), 2);
  const json done = describe_json(cluster, "ok-1").at("pods").at(0).at("containers").at(0);
  EXPECT_EQ(done.at("state").at("terminated").at("reason"), "Completed");
  EXPECT_NE(lines_of(log_of(cluster, "ok-1")).back(), "Killed");
}

TEST(FakeRunaiFaults, MemoryBelowWhatTheJobNeedsIsAnOomKill) {
  FakeCluster cluster;
  cluster.write_config(
      {{"pending_ms", 0},
       {"running_ms", 0},
       {"plans", {{"m-2", {2}}}},
       {"memory_needed", {{"m-1", "96G"}, {"m-2", "96G"}, {"m-3", "96G"}, {"m-4", "96Gi"}, {"m-5", "1k"}}}});
  ASSERT_EQ(submit_with(cluster, "m-1", {"--cpu-core-request", "2", "--cpu-memory-request", "64G"}).exit_code,
            0);
  ASSERT_EQ(submit_with(cluster, "m-2", {"--cpu-memory-request", "96G"}).exit_code, 0);
  ASSERT_EQ(submit_with(cluster, "m-3", {"--cpu-memory-request", "96000.5M"}).exit_code, 0);
  ASSERT_EQ(submit_with(cluster, "m-4", {"--cpu-memory-request", "100G"}).exit_code, 0);
  ASSERT_EQ(submit_with(cluster, "m-5", {}).exit_code, 0);

  EXPECT_EQ(cluster.exit_codes_per_creation("m-1"), std::vector<int>{137});
  EXPECT_EQ(cluster.exit_codes_per_creation("m-2"), std::vector<int>{2}) << "at the amount: its plan";
  EXPECT_EQ(cluster.exit_codes_per_creation("m-3"), std::vector<int>{0}) << "above it: the default";
  EXPECT_EQ(cluster.exit_codes_per_creation("m-4"), std::vector<int>{137}) << "100G < 96Gi";
  EXPECT_EQ(cluster.exit_codes_per_creation("m-5"), std::vector<int>{137}) << "no request at all";
  EXPECT_EQ(describe_json(cluster, "m-1")
                .at("pods")
                .at(0)
                .at("containers")
                .at(0)
                .at("state")
                .at("terminated")
                .at("reason"),
            "OOMKilled");

  // A retry with more memory succeeds.
  ASSERT_EQ(remove(cluster, "m-1").exit_code, 0);
  ASSERT_EQ(submit_with(cluster, "m-1", {"--cpu-core-request", "2", "--cpu-memory-request", "96G"}).exit_code,
            0);
  EXPECT_EQ(cluster.memory_per_creation("m-1"), (std::vector<std::string>{"64G", "96G"}));
  EXPECT_EQ(cluster.exit_codes_per_creation("m-1"), (std::vector<int>{137, 0}));
  EXPECT_EQ(cluster.memory_per_creation("m-5"), std::vector<std::string>{""});
  const json first = cluster.state().at("history").at(0);
  EXPECT_EQ(first.at("cpu_cores"), 2.0);
  EXPECT_EQ(first.at("memory_bytes"), 64'000'000'000ULL);

  const auto bad = submit_with(cluster, "m-6", {"--cpu-memory-request", "32g"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_TRUE(has(bad.err, "quantities must match the regular expression")) << bad.err;
  const auto bad_cpu = submit_with(cluster, "m-6", {"--cpu-core-request", "two"});
  EXPECT_EQ(bad_cpu.exit_code, 1);
  EXPECT_TRUE(has(bad_cpu.err, "strconv.ParseFloat")) << bad_cpu.err;
  EXPECT_FALSE(cluster.creations_per_name().contains("m-6"));
}

TEST(FakeRunaiFaults, DescribeShowsInitContainerAndSidecarBesideTheMainOne) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 60'000}, {"describe_init_containers", true}});
  ASSERT_EQ(fake_submit(cluster, "w-1").exit_code, 0);
  const json waiting = describe_json(cluster, "w-1").at("pods").at(0);
  EXPECT_EQ(waiting.at("containers").at(0).at("state").at("waiting").at("reason"), "PodInitializing");
  EXPECT_TRUE(waiting.at("initContainers").at(0).at("state").contains("running"));
  EXPECT_EQ(waiting.dump().find("exitCode"), std::string::npos) << waiting.dump();

  cluster.write_config({{"pending_ms", 0},
                        {"running_ms", 0},
                        {"plans", {{"i-1", {2}}}},
                        {"describe_init_containers", true},
                        {"init_exit_code", 143},
                        {"describe_sidecar", true}});
  ASSERT_EQ(fake_submit(cluster, "i-1").exit_code, 0);
  const json pod = describe_json(cluster, "i-1").at("pods").at(0);
  const json& init = pod.at("initContainers").at(0);
  EXPECT_EQ(init.at("name"), "data-sync");
  EXPECT_EQ(init.at("state").at("terminated").at("exitCode"), 143);
  EXPECT_EQ(init.at("state").at("terminated").at("reason"), "Error");
  const json& containers = pod.at("containers");
  ASSERT_EQ(containers.size(), 2U);
  EXPECT_EQ(containers.at(0).at("name"), "i-1");
  EXPECT_EQ(containers.at(0).at("state").at("terminated").at("exitCode"), 2);
  EXPECT_EQ(containers.at(1).at("name"), "log-shipper") << "the sidecar comes after the main container";
  EXPECT_EQ(containers.at(1).at("state").at("terminated").at("exitCode"), 0);
  EXPECT_EQ(containers.at(1).at("exitCode"), 0);

  cluster.write_config({{"describe_init_containers", true}, {"describe_reveals_exit_code", false}});
  EXPECT_EQ(describe_json(cluster, "i-1").dump().find("exitCode"), std::string::npos);
}

class FakeRunaiOutputs : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directory(outputs_);
    cluster_.write_config({{"pending_ms", 0},
                           {"running_ms", 0},
                           {"plans", {{"o-9", {2}}}},
                           {"no_outputs", {{"o-8", {1, 2}}, {"o-10", {1}}}}});
  }

  CommandResult submit_trait(const std::string& name, const std::string& trait, const std::string& host = "",
                             const std::string& model = "") const {
    std::vector<std::string> flags{
        "--host-path",
        fmt::format("path={},mount=/data,mount-propagation=HostToContainer", cluster_.dir().string()),
        "--host-path",
        fmt::format("path={},mount=/outputs,mount-propagation=HostToContainer,readwrite",
                    host.empty() ? outputs_.string() : host),
        "--environment",
        "TRAIT_INDEX=" + trait};
    if (!model.empty()) {
      flags.insert(flags.end(), {"--environment", "MODEL=" + model});
    }
    return submit_with(cluster_, name, flags);
  }

  [[nodiscard]] fs::path result(const std::string& folder) const {
    return outputs_ / folder / "GAPIT.Association.Filter_GWAS_results.csv";
  }

  FakeCluster cluster_;
  fs::path outputs_ = cluster_.dir() / "outputs";
};

TEST_F(FakeRunaiOutputs, ACompletedJobWritesGapitsResultFileAtTheNextCall) {
  ASSERT_EQ(submit_trait("o-5", "5", "", "BLINK,MLM").exit_code, 0);
  EXPECT_FALSE(fs::exists(result("trait_005_BLINK"))) << "the fake acts only during calls";
  ASSERT_EQ(runai(cluster_, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(result("trait_005_BLINK")));
  EXPECT_TRUE(read_text(result("trait_005_BLINK")).starts_with("\"\",\"SNP\",")) << "a GAPIT CSV";
  EXPECT_EQ(cluster_.state().at("history").at(0).at("outputs_file"), result("trait_005_BLINK").string());

  ASSERT_EQ(submit_trait("o-7", "117").exit_code, 0);
  ASSERT_EQ(submit_trait("o-9", "9").exit_code, 0);
  ASSERT_EQ(submit_trait("o-8", "8").exit_code, 0);
  ASSERT_EQ(runai(cluster_, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(result("trait_117_MLM"))) << "MODEL unset: MLM";
  EXPECT_FALSE(fs::exists(result("trait_009_MLM"))) << "a failed job writes nothing";
  EXPECT_FALSE(fs::exists(result("trait_008_MLM"))) << "no_outputs";
  EXPECT_EQ(describe_json(cluster_, "o-8").at("phase"), "Completed");
}

TEST_F(FakeRunaiOutputs, NoOutputsCanNameAttemptsAndAMissingFolderIsNeverCreated) {
  ASSERT_EQ(submit_trait("o-10", "10").exit_code, 0);
  ASSERT_EQ(remove(cluster_, "o-10").exit_code, 0);
  EXPECT_FALSE(fs::exists(result("trait_010_MLM"))) << "attempt 1 is listed in no_outputs";
  ASSERT_EQ(submit_trait("o-10", "10").exit_code, 0);
  ASSERT_EQ(runai(cluster_, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_TRUE(fs::exists(result("trait_010_MLM"))) << "attempt 2 is not";

  const fs::path missing = cluster_.dir() / "missing";
  ASSERT_EQ(submit_trait("o-11", "11", missing.string()).exit_code, 0);
  ASSERT_EQ(runai(cluster_, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(missing));
  EXPECT_EQ(cluster_.state().at("history").back().at("outputs_file"), "");

  cluster_.write_config({{"pending_ms", 0}, {"running_ms", 0}, {"no_outputs", {"o-12"}}});
  ASSERT_EQ(submit_trait("o-12", "12").exit_code, 0);
  ASSERT_EQ(runai(cluster_, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_FALSE(fs::exists(result("trait_012_MLM"))) << "a listed name: every attempt";
}

TEST(FakeRunaiFaults, MountFailsWhenTooManyOfTheBatchAreAlive) {
  FakeCluster cluster;
  // Held until all are submitted, however slowly: all of them are alive at once.
  cluster.write_config({{"pending_ms", 0},
                        {"running_ms", 200},
                        {"mount_failure_above", 2},
                        {"plans", {{"mf-3", {0}}}},
                        {"hold", true}});
  for (const char* name : {"mf-1", "mf-extra-1", "mf-2", "mf-3"}) {
    ASSERT_EQ(fake_submit(cluster, name).exit_code, 0);
  }
  ASSERT_EQ(fake_submit(cluster, "mf-4", "q").exit_code, 0) << "another project's batch";
  cluster.release_held_jobs();
  ASSERT_EQ(runai(cluster, {"workspace", "list", "-p", "p"}).exit_code, 0);  // the fake sees the release
  ASSERT_TRUE(wait_until_ended(cluster, {"mf-1", "mf-2", "mf-3", "mf-extra-1"}, 60s));
  ASSERT_EQ(runai(cluster, {"workspace", "list", "-p", "p"}).exit_code, 0);  // settles the last start

  EXPECT_EQ(cluster.exit_codes_per_creation("mf-1"), std::vector<int>{0});
  EXPECT_EQ(cluster.exit_codes_per_creation("mf-2"), std::vector<int>{0}) << "2 alive is not more than 2";
  EXPECT_EQ(cluster.exit_codes_per_creation("mf-3"), std::vector<int>{2}) << "the third overrides its plan";
  EXPECT_EQ(cluster.exit_codes_per_creation("mf-extra-1"), std::vector<int>{0});
  EXPECT_EQ(cluster.exit_codes_per_creation("mf-4"), std::vector<int>{0});
  const std::string log = log_of(cluster, "mf-3");
  EXPECT_TRUE(has(log, "INFRASTRUCTURE MOUNT FAILURE")) << log;
  EXPECT_EQ(describe_json(cluster, "mf-3").at("pods").at(0).at("containers").at(0).at("exitCode"), 2);

  ASSERT_EQ(remove(cluster, "mf-3").exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "mf-3").exit_code, 0);
  ASSERT_EQ(runai(cluster, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_EQ(cluster.exit_codes_per_creation("mf-3"), (std::vector<int>{2, 0})) << "alone now";
}

}  // namespace
}  // namespace traitctl::e2e::fake_runai_faults_tests
