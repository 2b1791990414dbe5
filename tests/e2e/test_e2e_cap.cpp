// `traitctl cap N`: it writes the batch's cap file next to the ledger, refuses
// bad values with exit 2 and writes nothing then, and tells whether a traitctl
// is running the batch without taking the lock from it or holding it up.
#include <fmt/ranges.h>
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>

#include "harness.hpp"
#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::e2e::cap_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

class Cap : public ::testing::Test {
 protected:
  [[nodiscard]] std::filesystem::path cap_file() const { return cluster_.state_dir() / "p" / "cb.db"; }
  // The latest request in the batch database, as its JSON.
  [[nodiscard]] json latest_request() const {
    auto store = LedgerStore::open(cluster_.state_dir(), "p", "cb");
    auto request = read_cap_request(*store);
    if (!request || !*request) {
      return json::object();
    }
    return to_json(**request);
  }
  [[nodiscard]] CommandResult cap(std::vector<std::string> args) const {
    args.insert(args.begin(), "cap");
    for (const char* batch : {"--prefix", "cb", "--project", "p"}) {
      args.emplace_back(batch);
    }
    return run_traitctl(cluster_, args);
  }

  FakeCluster cluster_;
};

TEST_F(Cap, WritesTheRequestForTheNextRun) {
  const auto before = std::chrono::system_clock::now() - 1s;
  const auto result = cap({"20"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out,
            "Cap of batch cb in project p set to 20; no traitctl is running this batch: the next run starts "
            "with a maximum of 20.\n");
  const json request = latest_request();
  EXPECT_EQ(request.at("version"), 1);
  EXPECT_EQ(request.at("max_concurrent"), 20);
  EXPECT_EQ(request.at("reset"), false);
  EXPECT_GT(request.at("set_by_pid").get<int>(), 0);
  const auto set_at = parse_utc(request.at("set_at").get<std::string>());
  ASSERT_TRUE(set_at.ok()) << request.dump();
  EXPECT_GE(*set_at, before);
  EXPECT_FALSE(std::filesystem::exists(cluster_.state_dir() / "p" / "cb.lock"))
      << "cap must not take the lock";
  EXPECT_EQ(cluster_.calls().size(), 0u) << "cap never calls runai";

  const auto replaced = cap({"8", "--reset"});
  ASSERT_EQ(replaced.exit_code, 0) << replaced.err;
  EXPECT_EQ(latest_request().at("max_concurrent"), 8);
  EXPECT_EQ(latest_request().at("reset"), true);
}

TEST_F(Cap, StatusShowsARequestNoRunHasApplied) {
  ASSERT_EQ(cap({"20"}).exit_code, 0);
  const std::vector<std::string> status{"status", "--prefix", "cb", "--project", "p", "--traits", "2-3"};
  const auto text = run_traitctl(cluster_, status);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("`traitctl cap 20` waits for the batch's next cycle"), std::string::npos)
      << text.out;
  auto as_json = status;
  as_json.emplace_back("--json");
  const auto result = run_traitctl(cluster_, as_json);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json cap_view = json::parse(result.out).at("cap");
  EXPECT_EQ(cap_view.at("recorded"), false) << cap_view.dump();
  EXPECT_EQ(cap_view.at("requested").at("max_concurrent"), 20) << cap_view.dump();
}

TEST_F(Cap, JsonOutput) {
  const auto result = cap({"12", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json output = json::parse(result.out);
  EXPECT_EQ(output.at("command"), "cap");
  EXPECT_EQ(output.at("prefix"), "cb");
  EXPECT_EQ(output.at("project"), "p");
  EXPECT_EQ(output.at("max_concurrent"), 12);
  EXPECT_EQ(output.at("reset"), false);
  EXPECT_EQ(output.at("running"), false);
  EXPECT_TRUE(output.at("running_pid").is_null());
  EXPECT_EQ(output.at("file"), cap_file().string());
  EXPECT_EQ(output.at("set_at"), latest_request().at("set_at"));
}

TEST_F(Cap, BadValuesAreUsageErrorsAndWriteNothing) {
  const std::vector<std::vector<std::string>> cases{
      {"cap", "0", "--prefix", "cb", "--project", "p"},
      {"cap", "-4", "--prefix", "cb", "--project", "p"},
      {"cap", "many", "--prefix", "cb", "--project", "p"},
      {"cap", "2.5", "--prefix", "cb", "--project", "p"},
      {"cap", "--prefix", "cb", "--project", "p"},
      {"cap", "5", "--prefix", "c/b", "--project", "p"},
      {"cap", "5", "--prefix", "cb", "--project", "p", "--env-file", "missing.env"}};
  for (const auto& args : cases) {
    const auto result = run_traitctl(cluster_, args);
    const std::string what = fmt::format("{}", fmt::join(args, " "));
    EXPECT_EQ(result.exit_code, 2) << what << "\n" << result.err;
    EXPECT_EQ(result.out, "") << what;
    EXPECT_FALSE(std::filesystem::exists(cap_file())) << what;
  }
  const auto zero = cap({"0"});
  EXPECT_EQ(zero.err, "[ERROR] traitctl cap N must be at least 1, got 0\n");
  const auto bad_prefix = run_traitctl(cluster_, cases[5]);
  EXPECT_NE(bad_prefix.err.find("invalid prefix 'c/b'"), std::string::npos) << bad_prefix.err;
}

TEST_F(Cap, AStateFolderThatCannotBeMadeIsExitOne) {
  const auto blocker = cluster_.dir() / "not-a-folder";
  std::ofstream(blocker) << "x";
  const auto result = run_traitctl(cluster_, {"cap", "5", "--state-dir", blocker.string()});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  EXPECT_NE(result.err.find(blocker.string()), std::string::npos) << result.err;
}

TEST_F(Cap, NamesTheRunningTraitctlAndLeavesItAlone) {
  // The fake holds every job Running until the test releases them: the submit
  // runs for as long as the cap calls below take, however slow they are.
  cluster_.write_config(json{{"pending_ms", 20}, {"running_ms", 50}, {"hold", true}});
  const auto log = cluster_.dir() / "submit.log";
  auto submit = start_traitctl(cluster_,
                               {"submit", "--prefix", "cb", "--project", "p", "--traits", "2-9",
                                "--max-concurrent", "1", "--poll-interval", "0.1s", "--yes"},
                               log);
  ASSERT_TRUE(submit.ok()) << submit.error().message;
  const auto lock = cluster_.state_dir() / "p" / "cb.lock";
  ASSERT_TRUE(wait_for([&] {
    const auto holder = FileLock::probe(lock);
    return holder.ok() && holder->holder_pid == submit->pid();
  })) << read_text(log);

  for (int i = 0; i < 10; ++i) {  // from another terminal, again and again while the batch runs
    const auto result = cap({"2"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    if (i == 0) {
      EXPECT_EQ(result.out,
                fmt::format("Cap of batch cb in project p set to 2; the running traitctl (pid {}) "
                            "picks it up at its next cycle.\n",
                            submit->pid()));
    }
  }
  const auto as_json = cap({"2", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  EXPECT_EQ(json::parse(as_json.out).at("running"), true);
  EXPECT_EQ(json::parse(as_json.out).at("running_pid"), submit->pid());

  cluster_.release_held_jobs();
  EXPECT_EQ(wait_for_exit(*submit, 60s), 0) << read_text(log);
  EXPECT_EQ(read_text(lock), fmt::format("{}\n", submit->pid())) << "cap wrote into the lock file";
  for (const auto& problem : state_dir_problems(cluster_)) {
    ADD_FAILURE() << problem;
  }
}

}  // namespace
}  // namespace traitctl::e2e::cap_tests
