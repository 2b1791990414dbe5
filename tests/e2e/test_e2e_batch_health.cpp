// What each attempt used and where, end to end against the fake runai: the
// batch learns its memory tier (fewer out-of-memory attempts than each trait
// climbing the ladder alone, every trait completes), one node whose jobs fail
// their mounts is named suspect and no other, and describe shows the pod's
// node and the container's times.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::batch_health_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;
using Strings = std::vector<std::string>;

class BatchHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(outputs());
    write_gapit_inputs(cluster_.dir() / "data", 200);
  }

  [[nodiscard]] fs::path outputs() const { return cluster_.dir() / "outputs"; }

  void write_config(json extra) {
    json config{{"pending_ms", 30}, {"running_ms", 150}, {"deleting_ms", 0}};
    config.update(extra);
    cluster_.write_config(config);
  }

  [[nodiscard]] EnvironmentOverrides paths() const {
    return {{"OUTPUT_PATH_HOST", outputs().string()}, {"DATA_PATH_HOST", (cluster_.dir() / "data").string()}};
  }

  CommandResult traitctl(Strings args, Strings extra = {}) {
    args.insert(args.end(), {"--prefix", "bh", "--project", "p"});
    args.insert(args.end(), extra.begin(), extra.end());
    return run_traitctl(cluster_, args, paths(), 120s);
  }

  static Strings run_args(const std::string& traits, const Strings& extra) {
    Strings args{"run",  "--traits",      traits, "--max-concurrent", "4",     "--poll-interval",
                 "0.2s", "--retry-delay", "1s",   "--json",           "--yes", "--prefix",
                 "bh",   "--project",     "p"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  CommandResult run(const std::string& traits, Strings extra = {}) {
    return run_traitctl(cluster_, run_args(traits, extra), paths(), 120s);
  }

  // Out-of-memory attempts: creations that exited 137.
  [[nodiscard]] int oom_attempts(int first, int last) const {
    int count = 0;
    for (int trait = first; trait <= last; ++trait) {
      for (int code : cluster_.exit_codes_per_creation(fmt::format("bh-{}", trait))) {
        count += code == 137 ? 1 : 0;
      }
    }
    return count;
  }

  // Half of traits 2..17 (the even ones) need 40G; MEMORY is 32G.
  void half_need_more(json extra = json::object()) {
    json needed = json::object();
    for (int trait = 2; trait <= 17; trait += 2) {
      needed[fmt::format("bh-{}", trait)] = "40G";
    }
    extra["memory_needed"] = needed;
    write_config(extra);
  }

  FakeCluster cluster_;
};

TEST_F(BatchHealth, TheBatchLearnsItsMemoryTierAndWastesFewerAttempts) {
  half_need_more();
  const auto alone = run("2-17", {"--memory-ladder", "64G,96G", "--no-learn-memory"});
  ASSERT_EQ(alone.exit_code, 0) << alone.err;
  const int oom_alone = oom_attempts(2, 17);
  EXPECT_EQ(oom_alone, 8);  // each trait that needs more fails once
  const json alone_report = json::parse(alone.out);
  EXPECT_EQ(alone_report.at("completed").size(), 16U);
  EXPECT_EQ(alone_report.at("learned_memory_tier"), json());

  // The same batch again, from scratch. The odd traits' jobs are held
  // Running until the batch has learned its tier: 2 and 4 run out of memory
  // in the first round (3 and 5 held), then 6 (7 held), and with every other
  // slot held no other job starts at 32G before those three failures, the
  // rule's minimum, are seen. However a loaded machine orders the listings.
  const auto cleaned = traitctl({"cleanup", "--completed", "--failed", "--yes"});
  ASSERT_EQ(cleaned.exit_code, 0) << cleaned.err;
  fs::remove_all(cluster_.state_dir());
  json odd_traits = json::array();
  for (int trait = 3; trait <= 17; trait += 2) {
    odd_traits.push_back(fmt::format("bh-{}", trait));
  }
  half_need_more({{"hold", odd_traits}});
  const fs::path journal_path = cluster_.state_dir() / "journal.jsonl";
  const auto [learning, learned] = run_traitctl_held_until(
      cluster_, run_args("2-17", {"--memory-ladder", "64G,96G"}),
      [&] { return read_text(journal_path).find(R"("event":"memory-tier-learned")") != std::string::npos; },
      paths());
  ASSERT_TRUE(learned) << "never learned\n" << learning.err;
  ASSERT_EQ(learning.exit_code, 0) << learning.err;
  const json report = json::parse(learning.out);
  EXPECT_EQ(report.at("completed").size(), 16U);
  const int oom_learning = oom_attempts(2, 17) - oom_alone;
  EXPECT_EQ(oom_learning, 3) << learning.err;
  EXPECT_EQ(report.at("learned_memory_tier"), (json{{"tier", 1}, {"memory", "64G"}}));
  EXPECT_NE(learning.err.find("learned its memory tier"), std::string::npos) << learning.err;
  // Journaled with the evidence.
  const std::string journal = read_text(journal_path);
  EXPECT_NE(journal.find(R"("event":"memory-tier-learned")"), std::string::npos) << journal;
  EXPECT_NE(journal.find("ran out of memory"), std::string::npos);

  // Persisted in the batch database: status shows it, and a later run starts
  // traits it had not submitted yet at the learned tier.
  const auto status = run_traitctl(cluster_, {"status", "--json", "--prefix", "bh", "--project", "p"},
                                   {{"MEMORY_LADDER", "64G,96G"}}, 120s);
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out).at("learned_memory_tier"), (json{{"tier", 1}, {"memory", "64G"}}));
  const auto without_ladder = traitctl({"status", "--json"});
  ASSERT_EQ(without_ladder.exit_code, 0) << without_ladder.err;
  EXPECT_EQ(json::parse(without_ladder.out).at("learned_memory_tier"),
            (json{{"tier", 1}, {"memory", nullptr}}));
  const auto later = run("18-19", {"--memory-ladder", "64G,96G"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  for (const char* name : {"bh-18", "bh-19"}) {
    EXPECT_EQ(cluster_.memory_per_creation(name), Strings{"64G"}) << name;
  }
}

TEST_F(BatchHealth, OneBadNodeIsSuspectAndNoOther) {
  write_config({{"nodes", {"node-a", "node-b", "node-c"}}, {"bad_node", "node-b"}});
  const auto result = run("2-13", {"--max-retries", "6"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json nodes = json::parse(result.out).at("nodes");
  ASSERT_EQ(nodes.size(), 3U) << nodes.dump();
  for (const json& node : nodes) {
    EXPECT_EQ(node.at("suspect"), node.at("name") == "node-b") << node.dump();
    if (node.at("name") == "node-b") {
      EXPECT_GE(node.at("failures").at("mount").get<int>(), 3) << node.dump();
    } else {
      EXPECT_EQ(node.at("failures"), json::object()) << node.dump();
    }
  }
  // The nodes are the batch database's: a later status sees the same.
  const auto status = traitctl({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_EQ(json::parse(status.out).at("nodes"), nodes);
}

TEST_F(BatchHealth, TheReportNamesTheSuspectNodeWithWhatToDo) {
  write_config({{"nodes", {"node-a", "node-b", "node-c"}}, {"bad_node", "node-b"}});
  const auto plain = traitctl({"run", "--traits", "2-13", "--max-concurrent", "4", "--poll-interval", "0.2s",
                               "--retry-delay", "1s", "--max-retries", "6", "--yes"});
  EXPECT_NE(plain.out.find("Nodes:"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("node-b is suspect"), std::string::npos) << plain.out;
  EXPECT_EQ(plain.out.find("node-a is suspect"), std::string::npos) << plain.out;
  EXPECT_NE(plain.out.find("cluster's admins"), std::string::npos) << plain.out;
}

TEST_F(BatchHealth, AHealthyBatchShowsNoNodesBlock) {
  write_config({{"nodes", {"node-a", "node-b"}}});
  const auto result = traitctl({"run", "--traits", "2-5", "--poll-interval", "0.2s", "--yes"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find("Nodes:"), std::string::npos) << result.out;
  const auto status = traitctl({"status", "--json"});
  ASSERT_EQ(status.exit_code, 0) << status.err;
  EXPECT_TRUE(json::parse(status.out).at("nodes").is_array());
}

TEST_F(BatchHealth, TheAttemptsEndCarriesThePodsNodeAndTheContainersTimes) {
  write_config({{"nodes", {"node-a"}}});
  ASSERT_EQ(run("2").exit_code, 0);
  const auto described = traitctl({"describe", "2", "--json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  const json story = json::parse(described.out);
  const json attempt = story.at("ledger").at("attempts").at(0);
  for (const char* key : {"started_at", "ended_at", "node", "peak_memory_bytes", "cpu_seconds"}) {
    EXPECT_TRUE(attempt.contains(key)) << key << " in " << attempt.dump();
  }
  EXPECT_EQ(attempt.at("node"), "node-a") << "kept in the batch database";
  EXPECT_TRUE(attempt.at("started_at").is_string()) << attempt.dump();
  EXPECT_TRUE(attempt.at("peak_memory_bytes").is_null()) << "Run:ai's describe shows no memory use";
  EXPECT_TRUE(attempt.at("cpu_seconds").is_null());
  json completed;
  for (const json& line : story.at("journal")) {
    if (line.at("event") == "completed") {
      completed = line;
    }
  }
  ASSERT_TRUE(completed.is_object()) << story.at("journal").dump();
  EXPECT_EQ(completed.at("node"), "node-a");
  EXPECT_TRUE(completed.at("started_at").is_string()) << completed.dump();
  EXPECT_TRUE(completed.at("ended_at").is_string()) << completed.dump();
  EXPECT_TRUE(completed.at("peak_memory_bytes").is_null());
}

}  // namespace
}  // namespace traitctl::e2e::batch_health_tests
