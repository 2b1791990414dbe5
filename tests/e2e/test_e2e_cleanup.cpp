// `traitctl cleanup` against the fake runai: it deletes exactly the chosen
// jobs of the batch and never a job of another batch, user or project.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "harness.hpp"

namespace traitctl::e2e::cleanup_tests {
namespace {

using nlohmann::json;

void submit(const FakeCluster& cluster, const std::string& name, const std::string& project = "p") {
  const auto created = submit_to_fake(cluster, name, project);
  ASSERT_EQ(created.exit_code, 0) << created.err;
}

// Batch b in project p, traits 2-10: b-2 and b-6 failed, b-3 completed,
// b-4 running; b-11 failed outside the traits; the sibling batch b-extra-5,
// another project's b-7 and other users' jobs failed too.
class Cleanup : public ::testing::Test {
 protected:
  void SetUp() override {
    json config{{"pending_ms", 0},
                {"running_ms", 0},
                {"deleting_ms", 60'000},
                {"plans",
                 {{"b-2", {1}}, {"b-3", {0}}, {"b-6", {2}}, {"b-11", {1}}, {"b-extra-5", {1}}, {"b-7", {1}}}},
                {"other_workloads",
                 json::array({json{{"name", "alice-2"}, {"project", "p"}, {"status", "Failed"}},
                              json{{"name", "bob-3"}, {"project", "p"}, {"status", "Completed"}}})}};
    cluster_.write_config(config);
    for (const char* name : {"b-2", "b-3", "b-6", "b-11", "b-extra-5"}) {
      submit(cluster_, name);
    }
    submit(cluster_, "b-7", "q");
    config["running_ms"] = 600'000;
    cluster_.write_config(config);
    submit(cluster_, "b-4");
    std::ofstream(env_file()) << "PROJECT=p\nJOB_PREFIX=b\nSTART_TRAIT=2\nEND_TRAIT=10\n";
  }

  [[nodiscard]] std::string env_file() const { return (cluster_.dir() / "batch.env").string(); }

  CommandResult cleanup(std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {"cleanup", "--env-file", env_file()});
    return run_traitctl(cluster_, flags);
  }

  // The names traitctl asked the fake to delete, in order.
  [[nodiscard]] std::vector<std::string> deleted() const {
    std::vector<std::string> names;
    for (const auto& call : cluster_.calls()) {
      const auto& argv = call.at("argv");
      if (argv.size() > 2 && argv[1] == "delete") {
        names.push_back(argv[2].get<std::string>());
      }
    }
    return names;
  }

  void expect_untouched(const std::set<std::string>& except) const {
    for (const char* name : {"b-2", "b-3", "b-4", "b-6", "b-11", "b-extra-5"}) {
      if (!except.contains(name)) {
        EXPECT_NE(cluster_.current_status(name), "Deleting") << name;
      }
    }
  }

  FakeCluster cluster_;
};

TEST_F(Cleanup, DeletesTheFailedJobsOfTheBatchOnly) {
  const auto result = cleanup({"--failed", "--yes"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(deleted(), (std::vector<std::string>{"b-2", "b-6"}));
  EXPECT_EQ(cluster_.current_status("b-2"), "Deleting");
  EXPECT_EQ(cluster_.current_status("b-6"), "Deleting");
  expect_untouched({"b-2", "b-6"});
  EXPECT_NE(result.err.find("Deleted: 2"), std::string::npos) << result.err;
}

TEST_F(Cleanup, JsonReportsWhatWasDeleted) {
  const auto result = cleanup({"--failed", "--completed", "--traits", "2-5", "--yes", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("command"), "cleanup");
  EXPECT_EQ(report.at("deleted"), json({"b-2", "b-3"}));
  EXPECT_EQ(report.at("already_gone"), json::array());
  EXPECT_EQ(report.at("failed"), json::object());
  EXPECT_EQ(report.at("interrupted"), false);
  EXPECT_EQ(deleted(), (std::vector<std::string>{"b-2", "b-3"}));
  expect_untouched({"b-2", "b-3"});
}

TEST_F(Cleanup, DryRunListsTheJobsAndDeletesNothing) {
  const auto result = cleanup({"--failed", "--completed", "--dry-run"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "Would delete 3 jobs of batch b in project p:\n"
            "  b-2  Failed\n"
            "  b-3  Completed\n"
            "  b-6  Failed\n"
            "No job was deleted (dry run).\n");
  EXPECT_TRUE(deleted().empty());
}

TEST_F(Cleanup, WithoutATerminalNeedsYes) {
  const auto result = cleanup({"--failed"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--yes"), std::string::npos) << result.err;
  EXPECT_TRUE(deleted().empty());
}

TEST_F(Cleanup, NeedsAStateToDelete) {
  const auto result = cleanup({"--include-active", "--yes"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("--failed"), std::string::npos) << result.err;
  EXPECT_EQ(cluster_.count_calls("list"), 0);
}

TEST_F(Cleanup, ActiveJobsOnlyWithIncludeActive) {
  const auto refused = cleanup({"--failed", "--include-active"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_TRUE(deleted().empty());

  const auto result = cleanup({"--failed", "--include-active", "--yes"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(deleted(), (std::vector<std::string>{"b-2", "b-4", "b-6"}));
  expect_untouched({"b-2", "b-4", "b-6"});
}

}  // namespace
}  // namespace traitctl::e2e::cleanup_tests
