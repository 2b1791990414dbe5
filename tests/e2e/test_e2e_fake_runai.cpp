// Tests of the fake `runai` itself: if it drifted from FORMATS.md, every other
// end-to-end test would be checking traitctl against the wrong cluster.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fake_runai_support.hpp"

namespace traitctl::e2e::fake_runai_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

json others(const std::string& project, int count) {
  json list = json::array();
  for (int i = 0; i < count; ++i) {
    list.push_back({{"name", fmt::format("o-{:03}", i)}, {"project", project}, {"status", "Running"}});
  }
  return list;
}

std::vector<std::string> expected_names(int from, int to) {
  std::vector<std::string> names;
  for (int i = from; i < to; ++i) {
    names.push_back(fmt::format("o-{:03}", i));
  }
  return names;
}

TEST(FakeRunai, RequiresItsStateDirectory) {
  ProcessOptions options;
  options.inherit_environment = false;
  options.environment = {{"PATH", "/usr/bin:/bin"}};
  const auto output =
      run_process({(FakeCluster::bin_dir() / "runai").string(), "workspace", "list"}, options);
  ASSERT_TRUE(output.ok());
  EXPECT_EQ(output->exit_code, 1);
  EXPECT_NE(output->err.find("FAKE_RUNAI_DIR"), std::string::npos);
}

TEST(FakeRunai, JobGoesPendingRunningThenEndsAsPlanned) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 50}, {"running_ms", 100}, {"plans", {{"t-1", json::array({2, 0})}}}});
  const auto created = fake_submit(cluster, "t-1");
  ASSERT_EQ(created.exit_code, 0) << created.err;
  EXPECT_EQ(created.out,
            "Creating workspace t-1...\nTo know the status of the workload use: runai workspace describe t-1 "
            "-p p\n");

  // Seen statuses must follow the lifecycle order, whatever the machine's load.
  const std::vector<std::string> order{"Pending", "Running", "Failed"};
  std::vector<std::string> seen;
  ASSERT_TRUE(wait_for([&] {
    const auto status = status_of(runai(cluster, {"workspace", "list", "--project", "p"}).out, "t-1");
    if (seen.empty() || seen.back() != status) seen.push_back(status);
    return status == "Failed";
  }));
  std::size_t previous = 0;
  for (const auto& status : seen) {
    const auto at = static_cast<std::size_t>(std::find(order.begin(), order.end(), status) - order.begin());
    ASSERT_LT(at, order.size()) << status;
    EXPECT_GE(at, previous);
    previous = at;
  }

  const json job = cluster.state().at("history").at(0);
  EXPECT_EQ(job.at("attempt"), 1);
  EXPECT_EQ(job.at("exit_code"), 2);
  EXPECT_EQ(job.at("running_from_ms").get<std::int64_t>() - job.at("created_ms").get<std::int64_t>(), 50);
  EXPECT_EQ(job.at("end_ms").get<std::int64_t>() - job.at("created_ms").get<std::int64_t>(), 150);
  EXPECT_EQ(job.at("environment"), json({{"GENOTYPE_FILE", "/data/g.hmp.txt"}}));
  EXPECT_EQ(job.at("argv").back(), "/entrypoint.sh");

  const auto described = runai(cluster, {"workspace", "describe", "t-1", "--project", "p", "-o", "json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  const json d = json::parse(described.out);
  EXPECT_EQ(d.at("phase"), "Failed");
  EXPECT_EQ(d.at("projectName"), "p");
  EXPECT_EQ(d.at("pods").at(0).at("containers").at(0).at("exitCode"), 2);

  // The second attempt follows the plan's next entry.
  ASSERT_EQ(runai(cluster, {"workspace", "delete", "t-1", "--project", "p"}).exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "t-1").exit_code, 0);
  EXPECT_EQ(cluster.state().at("history").at(1).at("attempt"), 2);
  EXPECT_TRUE(wait_for([&] { return cluster.current_status("t-1") == "Completed"; }));
  EXPECT_EQ(cluster.creations_per_name(), (std::map<std::string, int>{{"t-1", 2}}));
}

TEST(FakeRunai, NewJobIsPendingWithoutExitCodeOrLogs) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 60'000}});
  ASSERT_EQ(fake_submit(cluster, "n-1").exit_code, 0);
  EXPECT_EQ(status_of(runai(cluster, {"workspace", "list", "-p", "p"}).out, "n-1"), "Pending");
  EXPECT_EQ(cluster.current_status("n-1"), "Pending");
  const json d = json::parse(runai(cluster, {"workspace", "describe", "n-1", "-p", "p", "-o", "json"}).out);
  EXPECT_FALSE(d.at("pods").at(0).at("containers").at(0).contains("exitCode"));
  const auto logs = runai(cluster, {"workspace", "logs", "n-1", "-p", "p"});
  EXPECT_EQ(logs.exit_code, 1);
  EXPECT_NE(logs.err.find("waiting to start"), std::string::npos);
}

TEST(FakeRunai, Version220ShowsAtMost50RowsWithoutLimit) {
  FakeCluster cluster;
  json extra = others("p", 120);
  extra.push_back({{"name", "elsewhere"}, {"project", "q"}, {"status", "Pending"}});
  cluster.write_config({{"version", "2.20"}, {"other_workloads", extra}});

  const auto listed = runai(cluster, {"workspace", "list", "--project", "p"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto lines = lines_of(listed.out);
  EXPECT_EQ(cells_of(lines.at(0)),
            (std::vector<std::string>{"Workload", "Type", "Status", "Project", "Preemptible",
                                      "Running/Requested Pods", "GPU Allocation"}));
  EXPECT_TRUE(is_underline(lines.at(1))) << lines.at(1);
  EXPECT_EQ(names_of(listed.out), expected_names(0, 50));
  EXPECT_EQ(rows_of(listed.out).at(0),
            (std::vector<std::string>{"o-000", "Workspace", "Running", "p", "No", "1/1", "0.00"}));

  EXPECT_EQ(
      names_of(
          runai(cluster, {"workspace", "list", "--project", "p", "--limit", "100", "--offset", "50"}).out),
      expected_names(50, 120));
  EXPECT_EQ(names_of(runai(cluster, {"workspace", "list", "-p", "q"}).out),
            std::vector<std::string>{"elsewhere"});

  const json first = json::parse(runai(cluster, {"workspace", "list", "--project", "p", "--json"}).out);
  EXPECT_EQ(first.at("workloads").size(), 50U);
  EXPECT_EQ(first.at("next"), 50);
  const json& item = first.at("workloads").at(0);
  for (const char* key :
       {"name", "id", "type", "phase", "projectName", "createdAt", "runningPods", "requestedPods"}) {
    EXPECT_TRUE(item.contains(key)) << key;
  }
  const json last = json::parse(
      runai(cluster, {"workspace", "list", "--project", "p", "--json", "--limit=50", "--offset=100"}).out);
  EXPECT_EQ(last.at("workloads").size(), 20U);
  EXPECT_FALSE(last.contains("next"));

  const auto wrong = runai(cluster, {"workspace", "list", "--project", "p", "--max-items", "5"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err, "Error: unknown flag: --max-items\n");
  const auto help = runai(cluster, {"workspace", "list", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--limit int32"), std::string::npos);
  EXPECT_NE(help.out.find("--offset int32"), std::string::npos);
  EXPECT_EQ(help.out.find("--next-token"), std::string::npos);
}

TEST(FakeRunai, Version225ListsEverythingOrPagesWithNextToken) {
  FakeCluster cluster;
  cluster.write_config({{"version", "2.25"}, {"other_workloads", others("p", 250)}});

  const auto all = runai(cluster, {"training", "list", "--project", "p"});
  EXPECT_EQ(all.exit_code, 0);
  EXPECT_EQ(all.out, "No workloads found\n") << "other users' workloads are workspaces";

  const auto listed = runai(cluster, {"workspace", "list", "--project", "p"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(
      cells_of(lines_of(listed.out).at(0)),
      (std::vector<std::string>{"Workload", "Type", "Status", "Project", "Running/Req.Pods", "GPU Alloc."}));
  EXPECT_EQ(names_of(listed.out), expected_names(0, 250));

  std::vector<std::string> paged;
  std::vector<std::string> args{"workspace", "list", "--project", "p", "--no-pagination"};
  int pages = 0;
  for (;;) {
    const auto page = runai(cluster, args);
    ASSERT_EQ(page.exit_code, 0) << page.err;
    ++pages;
    const auto names = names_of(page.out);
    paged.insert(paged.end(), names.begin(), names.end());
    const std::string last_line = lines_of(page.out).back();
    if (!last_line.starts_with("next token: ")) {
      break;
    }
    EXPECT_EQ(names.size(), 100U);
    args = {"workspace", "list", "--project", "p", "--no-pagination", "--next-token", last_line.substr(12)};
  }
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(paged, expected_names(0, 250));

  EXPECT_EQ(
      names_of(runai(cluster, {"workspace", "list", "-p", "p", "--no-pagination", "--page-size", "30"}).out)
          .size(),
      30U);
  EXPECT_EQ(names_of(runai(cluster, {"workspace", "list", "-p", "p", "--max-items", "10"}).out),
            expected_names(0, 10));
  const json page =
      json::parse(runai(cluster, {"workspace", "list", "-p", "p", "--json", "--no-pagination"}).out);
  EXPECT_EQ(page.at("workloads").size(), 100U);
  EXPECT_TRUE(page.at("nextToken").is_string());

  const auto wrong = runai(cluster, {"workspace", "list", "--project", "p", "--limit", "5"});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(wrong.err, "Error: unknown flag: --limit\n");
  const auto help = runai(cluster, {"workspace", "list", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  for (const char* flag : {"--max-items", "--page-size", "--next-token", "--no-pagination"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

TEST(FakeRunai, EmptyProjectSaysNoWorkloadsFound) {
  FakeCluster cluster;
  for (const char* version : {"2.18", "2.20", "2.25"}) {
    cluster.write_config({{"version", version}});
    const auto listed = runai(cluster, {"workspace", "list", "--project", "empty"});
    EXPECT_EQ(listed.exit_code, 0) << version;
    EXPECT_EQ(listed.out, "No workloads found\n") << version;
  }
  cluster.write_config({{"version", "v1"}});
  EXPECT_EQ(runai(cluster, {"list", "jobs", "-p", "empty"}).out,
            "Showing jobs for project empty\nNo workloads found\n");
}

TEST(FakeRunai, V1ListsJobsAsAGoTabwriterTable) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 0}});
  ASSERT_EQ(fake_submit(cluster, "j-1").exit_code, 0);
  cluster.write_config(
      {{"version", "v1"}, {"other_workloads", json::array({json{{"name", "a"}, {"project", "p"}}})}});

  const auto listed = runai(cluster, {"list", "jobs", "-p", "p"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto lines = lines_of(listed.out);
  ASSERT_EQ(lines.size(), 4U);
  EXPECT_EQ(lines[0], "Showing jobs for project p");
  EXPECT_EQ(cells_of(lines[1]), (std::vector<std::string>{"NAME", "STATUS", "AGE", "NODE", "IMAGE", "TYPE",
                                                          "PROJECT", "USER", "GPUs Allocated (Requested)",
                                                          "PODs Running (Pending)", "SERVICE URL(S)"}));
  EXPECT_EQ(cells_of(lines[3]).at(0), "j-1");
  EXPECT_EQ(cells_of(lines[3]).at(1), "Succeeded");
  EXPECT_EQ(lines[1].find("STATUS"), lines[3].find("Succeeded")) << "columns line up";

  const auto v2_syntax = runai(cluster, {"workspace", "list", "-p", "p"});
  EXPECT_EQ(v2_syntax.exit_code, 1);
  EXPECT_NE(v2_syntax.err.find("unknown command \"workspace\""), std::string::npos);
}

TEST(FakeRunai, SubmitOfAnExistingNameFails) {
  FakeCluster cluster;
  cluster.write_config({{"other_workloads",
                         json::array({json{{"name", "theirs"}, {"project", "p"}, {"status", "Running"}}})}});
  ASSERT_EQ(fake_submit(cluster, "x-1").exit_code, 0);
  const auto again = fake_submit(cluster, "x-1");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "workload with name 'x-1' already exists in this project\n");
  EXPECT_EQ(fake_submit(cluster, "theirs").exit_code, 1);
  EXPECT_EQ(fake_submit(cluster, "x-1", "other-project").exit_code, 0);
  EXPECT_EQ(fake_submit(cluster, "Bad_Name").exit_code, 1);
  EXPECT_EQ(cluster.creations_per_name(), (std::map<std::string, int>{{"x-1", 2}}));
}

TEST(FakeRunai, DeletedJobIsDeletingThenGone) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 60'000}, {"deleting_ms", 1000}});
  ASSERT_EQ(fake_submit(cluster, "d-1").exit_code, 0);
  const auto deleted = runai(cluster, {"workspace", "delete", "d-1", "--project", "p"});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  EXPECT_EQ(deleted.out, "Successfully deleted workspace d-1\n");

  EXPECT_EQ(status_of(runai(cluster, {"workspace", "list", "--project", "p"}).out, "d-1"), "Deleting");
  EXPECT_EQ(fake_submit(cluster, "d-1").exit_code, 1) << "the name is taken while Deleting";
  ASSERT_TRUE(wait_for([&] { return cluster.current_status("d-1").empty(); }));
  EXPECT_EQ(runai(cluster, {"workspace", "list", "--project", "p"}).out, "No workloads found\n");
  ASSERT_EQ(fake_submit(cluster, "d-1").exit_code, 0);
  EXPECT_EQ(cluster.state().at("history").size(), 2U) << "deleted jobs stay in the history";

  const auto missing = runai(cluster, {"workspace", "delete", "nope", "--project", "p"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("no workload was found"), std::string::npos);
}

TEST(FakeRunai, LogsMatchTheExitCode) {
  FakeCluster cluster;
  json config{{"pending_ms", 0},
              {"running_ms", 0},
              {"describe_reveals_exit_code", false},
              {"plans",
               {{"ok-1", json::array({0})},
                {"cfg-1", json::array({1})},
                {"mnt-1", json::array({2})},
                {"oom-1", json::array({137})}}}};
  cluster.write_config(config);
  for (const char* name : {"ok-1", "cfg-1", "mnt-1", "oom-1"}) {
    ASSERT_EQ(fake_submit(cluster, name).exit_code, 0);
  }
  const auto logs = [&](const std::string& name) {
    const auto result = runai(cluster, {"workspace", "logs", name, "--project", "p"});
    EXPECT_EQ(result.exit_code, 0) << name << ": " << result.err;
    return result.out;
  };
  const auto has = [](const std::string& text, const char* part) {
    return text.find(part) != std::string::npos;
  };

  const std::string mount = logs("mnt-1");
  EXPECT_TRUE(has(mount, "[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point")) << mount;
  EXPECT_TRUE(has(mount, "[ERROR] INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)")) << mount;
  const std::string configuration = logs("cfg-1");
  EXPECT_TRUE(has(configuration, "[ERROR] Missing required files or directories:\n")) << configuration;
  EXPECT_TRUE(has(configuration, "\n  - GENOTYPE_FILE=/data/g.hmp.txt\n")) << configuration;
  const std::string success = logs("ok-1");
  EXPECT_TRUE(has(success, "[INFO] Done")) << success;
  EXPECT_FALSE(has(success, "[ERROR]")) << success;
  const std::string killed = logs("oom-1");
  EXPECT_TRUE(has(killed, "Killed")) << killed;
  EXPECT_FALSE(has(killed, "INFRASTRUCTURE")) << killed;
  EXPECT_EQ(lines_of(runai(cluster, {"workspace", "logs", "mnt-1", "-p", "p", "--tail", "1"}).out).size(),
            1U);

  const json d = json::parse(runai(cluster, {"workspace", "describe", "mnt-1", "-p", "p", "-o", "json"}).out);
  EXPECT_EQ(d.at("phase"), "Failed");
  EXPECT_FALSE(d.at("pods").at(0).at("containers").at(0).contains("exitCode"));

  config["logs_unavailable"] = json::array({"ok-1"});
  cluster.write_config(config);
  EXPECT_EQ(runai(cluster, {"workspace", "logs", "ok-1", "-p", "p"}).exit_code, 1);
  EXPECT_EQ(runai(cluster, {"workspace", "logs", "missing-1", "-p", "p"}).exit_code, 1);
  EXPECT_EQ(runai(cluster, {"workspace", "describe", "missing-1", "-p", "p", "-o", "json"}).exit_code, 1);
}

TEST(FakeRunai, RecordsEveryCall) {
  FakeCluster cluster;
  ASSERT_EQ(fake_submit(cluster, "r-1").exit_code, 0);
  ASSERT_EQ(fake_submit(cluster, "r-1").exit_code, 1);
  ASSERT_EQ(runai(cluster, {"workspace", "list", "--project", "p"}).exit_code, 0);
  ASSERT_EQ(runai(cluster, {"workspace", "delete", "r-1", "--project", "p"}).exit_code, 0);
  ASSERT_EQ(runai(cluster, {"workspace", "list", "--bogus"}).exit_code, 1);

  const auto calls = cluster.calls();
  ASSERT_EQ(calls.size(), 5U);
  EXPECT_EQ(calls[0].at("argv").at(0), "workspace");
  EXPECT_EQ(calls[0].at("argv").at(2), "r-1");
  std::vector<int> exits;
  for (const auto& call : calls) {
    exits.push_back(call.at("exit").get<int>());
  }
  EXPECT_EQ(exits, (std::vector<int>{0, 1, 0, 0, 1}));
  EXPECT_LE(calls[0].at("t_ms").get<std::int64_t>(), calls[4].at("t_ms").get<std::int64_t>());
  EXPECT_EQ(cluster.count_calls("submit"), 2);
  EXPECT_EQ(cluster.count_calls("list"), 2);
  EXPECT_EQ(cluster.count_calls("delete"), 1);
  EXPECT_EQ(cluster.state().at("call_count"), 5);
}

TEST(FakeRunai, ConcurrentSubmitsKeepStateConsistent) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 60'000}});
  constexpr int kThreads = 8;
  constexpr int kPerThread = 5;
  std::mutex mutex;
  int shared_successes = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_EQ(fake_submit(cluster, fmt::format("c-{}", t * kPerThread + i)).exit_code, 0);
      }
      if (fake_submit(cluster, "shared-1").exit_code == 0) {
        const std::lock_guard lock(mutex);
        ++shared_successes;
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }

  EXPECT_EQ(shared_successes, 1);
  const auto creations = cluster.creations_per_name();
  EXPECT_EQ(creations.size(), static_cast<std::size_t>(kThreads * kPerThread + 1));
  for (const auto& [name, count] : creations) {
    EXPECT_EQ(count, 1) << name;
  }
  EXPECT_EQ(cluster.calls().size(), static_cast<std::size_t>(kThreads * (kPerThread + 1)));
  EXPECT_EQ(cluster.state().at("call_count"), kThreads * (kPerThread + 1));
  EXPECT_EQ(cluster.max_in_flight("c"), kThreads * kPerThread);
  EXPECT_EQ(names_of(runai(cluster, {"workspace", "list", "-p", "p", "--limit", "100"}).out).size(),
            static_cast<std::size_t>(kThreads * kPerThread + 1));
}

TEST(FakeRunai, FaultsAreReproducibleFromTheSeed) {
  const auto exits = [] {
    FakeCluster cluster;
    cluster.write_config({{"faults", {{"seed", 7}, {"transient_rate", 0.5}}}});
    std::vector<int> codes;
    for (int i = 0; i < 20; ++i) {
      const auto listed = runai(cluster, {"workspace", "list", "-p", "p"});
      if (listed.exit_code != 0) {
        EXPECT_EQ(listed.err, "Error: Something went wrong: dial tcp 10.0.0.1:443: i/o timeout\n");
      }
      codes.push_back(listed.exit_code);
    }
    return codes;
  };
  const auto first = exits();
  EXPECT_EQ(first, exits());
  EXPECT_NE(std::count(first.begin(), first.end(), 0), 0);
  EXPECT_NE(std::count(first.begin(), first.end(), 1), 0);
}

TEST(FakeRunai, TransientFailureDoesNothing) {
  FakeCluster cluster;
  cluster.write_config({{"faults", {{"transient_rate", 1.0}}}});
  const auto failed = fake_submit(cluster, "f-1");
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_NE(failed.err.find("Something went wrong"), std::string::npos);
  EXPECT_TRUE(cluster.creations_per_name().empty());
  EXPECT_EQ(cluster.calls().at(0).at("exit"), 1);
}

TEST(FakeRunai, GhostSubmitCreatesTheJobButReportsFailure) {
  FakeCluster cluster;
  cluster.write_config({{"faults", {{"ghost_submit_rate", 1.0}}}});
  const auto ghost = fake_submit(cluster, "g-1");
  EXPECT_EQ(ghost.exit_code, 1);
  EXPECT_NE(ghost.err.find("Something went wrong"), std::string::npos);
  EXPECT_EQ(cluster.creations_per_name(), (std::map<std::string, int>{{"g-1", 1}}));
  EXPECT_EQ(fake_submit(cluster, "g-1").err, "workload with name 'g-1' already exists in this project\n");
}

TEST(FakeRunai, GarbageListingIsHalfATableCutMidLine) {
  FakeCluster cluster;
  cluster.write_config({{"other_workloads", others("p", 10)}});
  const std::string full = runai(cluster, {"workspace", "list", "-p", "p"}).out;
  cluster.write_config({{"other_workloads", others("p", 10)}, {"faults", {{"garbage_rate", 1.0}}}});
  const auto garbage = runai(cluster, {"workspace", "list", "-p", "p"});
  EXPECT_EQ(garbage.exit_code, 0);
  ASSERT_FALSE(garbage.out.empty());
  EXPECT_LT(garbage.out.size(), full.size());
  EXPECT_TRUE(full.starts_with(garbage.out));
  EXPECT_NE(garbage.out.back(), '\n');
}

TEST(FakeRunai, UnknownStatusWordReplacesActiveStatuses) {
  FakeCluster cluster;
  cluster.write_config(
      {{"pending_ms", 60'000},
       {"other_workloads", json::array({json{{"name", "done"}, {"project", "p"}, {"status", "Completed"}}})},
       {"faults", {{"unknown_status_rate", 1.0}}}});
  ASSERT_EQ(fake_submit(cluster, "u-1").exit_code, 0);
  const std::string listed = runai(cluster, {"workspace", "list", "-p", "p"}).out;
  EXPECT_EQ(status_of(listed, "u-1"), "Throttled");
  EXPECT_EQ(status_of(listed, "done"), "Completed");
}

TEST(FakeRunai, HangingCallRunsUntilKilled) {
  FakeCluster cluster;
  cluster.write_config({{"faults", {{"hang_rate", 1.0}}}});
  const auto hung = run_fake_runai(cluster, {"workspace", "list", "-p", "p"}, 300ms);
  EXPECT_EQ(hung.exit_code, -1);
  EXPECT_NE(hung.err.find("timed out"), std::string::npos);
  EXPECT_TRUE(cluster.calls().at(0).at("exit").is_null());
}

TEST(FakeRunai, LatencyDelaysEveryCall) {
  FakeCluster cluster;
  cluster.write_config({{"latency_ms", 200}});
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(runai(cluster, {"workspace", "list", "-p", "p"}).exit_code, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 200ms);
}

TEST(FakeRunai, AnsiColoursOnlyTheStatusCells) {
  FakeCluster cluster;
  cluster.write_config({{"ansi", true}, {"other_workloads", others("p", 2)}});
  const std::string listed = runai(cluster, {"workspace", "list", "-p", "p"}).out;
  EXPECT_NE(listed.find("\x1b[32mRunning\x1b[0m"), std::string::npos) << listed;
  EXPECT_EQ(lines_of(listed).at(0).find('\x1b'), std::string::npos);
}

TEST(Harness, MaxInFlightCountsOnlyTheBatchFromHistory) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 60'000}});
  for (const char* name : {"b-1", "b-2", "b-extra-1", "bb-1"}) {
    ASSERT_EQ(fake_submit(cluster, name).exit_code, 0);
  }
  for (const char* name : {"b-1", "b-2"}) {
    ASSERT_EQ(runai(cluster, {"workspace", "delete", name, "-p", "p"}).exit_code, 0);
  }
  ASSERT_EQ(fake_submit(cluster, "b-3").exit_code, 0);
  EXPECT_EQ(cluster.max_in_flight("b"), 2);
  EXPECT_EQ(cluster.max_in_flight("bb"), 1);
  EXPECT_EQ(cluster.current_status("b-3"), "Running");
  EXPECT_EQ(cluster.current_status("b-1"), "");
  EXPECT_EQ(cluster.current_status("never"), "");
}

TEST(Harness, PeaksOfJobsCoresAndMemoryInFlight) {
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 0}, {"running_ms", 60'000}});
  const auto submit_asking = [&](const std::string& name, const std::string& cpu, const std::string& memory) {
    return runai(cluster, {"workspace", "submit", name, "-p", "p", "--cpu-core-request", cpu,
                           "--cpu-memory-request", memory, "--command", "--", "/entrypoint.sh"});
  };
  ASSERT_EQ(submit_asking("h-1", "2", "4G").exit_code, 0);
  ASSERT_EQ(submit_asking("h-2", "1.5", "1Gi").exit_code, 0);
  ASSERT_EQ(submit_asking("h-3", "0.5", "1G").exit_code, 0);
  for (const char* name : {"h-1", "h-2"}) {
    ASSERT_EQ(runai(cluster, {"workspace", "delete", name, "-p", "p"}).exit_code, 0);
  }
  ASSERT_EQ(submit_asking("h-4", "1", "16G").exit_code, 0);
  ASSERT_EQ(submit_asking("h-other-1", "64", "1T").exit_code, 0);

  const std::int64_t after_deletes = cluster.calls().back().at("t_ms").get<std::int64_t>();
  EXPECT_EQ(cluster.max_in_flight("h"), 3);
  EXPECT_EQ(cluster.max_in_flight_since("h", after_deletes), 2);
  EXPECT_DOUBLE_EQ(cluster.max_cpu_in_flight("h"), 4.0);
  EXPECT_EQ(cluster.max_memory_in_flight("h"), 17'000'000'000ULL) << "h-3 and h-4 outweigh h-1, h-2, h-3";
  EXPECT_EQ(cluster.memory_per_creation("h-2"), std::vector<std::string>{"1Gi"});
  EXPECT_EQ(cluster.count_answers("still_deleting"), 0);
  EXPECT_EQ(runai(cluster, {"workspace", "delete", "h-1", "-p", "p"}).err, "no workload was found\n");
}

TEST(Harness, RunsTraitctlWithACleanEnvironment) {
  FakeCluster cluster;
  const auto version = run_traitctl(cluster, {"--version"});
  EXPECT_EQ(version.exit_code, 0) << version.err;
  EXPECT_FALSE(version.out.empty());
}

}  // namespace
}  // namespace traitctl::e2e::fake_runai_tests
