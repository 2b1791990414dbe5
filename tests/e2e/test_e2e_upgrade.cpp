// A batch that the release before the batch database left in JSON files
// (tests/fixtures/ledger-v2, written by that release's own code), taken up
// by the built traitctl: `status` reads it without writing, the first `run`
// imports everything in one go, and nothing is lost or submitted twice.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "harness.hpp"

namespace traitctl::e2e::upgrade_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

const fs::path fixtures{TRAITCTL_LEDGER_FIXTURE_DIR};

class Upgrade : public ::testing::Test {
 protected:
  void SetUp() override {
    // The cluster as the earlier release left it: traits 2 and 3 done,
    // trait 5 failed for good, trait 4's old job deleted and its retry not
    // yet sent (the ledger's pending intent).
    cluster_.write_config(json{{"pending_ms", 50}, {"running_ms", 100}, {"plans", {{"up-5", {1}}}}});
    for (const char* name : {"up-2", "up-3", "up-5"}) {
      ASSERT_EQ(submit_to_fake(cluster_, name, "p").exit_code, 0);
    }
    ASSERT_TRUE(wait_until_ended(cluster_, {"up-2", "up-3", "up-5"}, 10s));
    fs::create_directories(folder());
    fs::copy_file(fixtures / "up.ledger.json", folder() / "up.ledger.json");
    fs::copy_file(fixtures / "up.cap.json", folder() / "up.cap.json");
    ledger_text_ = read_text(folder() / "up.ledger.json");
  }

  [[nodiscard]] fs::path folder() const { return cluster_.state_dir() / "p"; }
  [[nodiscard]] CommandResult traitctl(const std::string& command, std::vector<std::string> flags) const {
    std::vector<std::string> args{command, "--prefix", "up", "--project", "p", "--traits", "2-5"};
    args.insert(args.end(), flags.begin(), flags.end());
    return run_traitctl(cluster_, args, {}, 60s);
  }

  FakeCluster cluster_;
  std::string ledger_text_;
};

TEST_F(Upgrade, StatusReadsTheJsonLedgerWithoutWriting) {
  const auto result = traitctl("status", {"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json status = json::parse(result.out);
  EXPECT_EQ(status.at("cap").at("requested").at("max_concurrent"), 2) << status.at("cap").dump();
  EXPECT_FALSE(fs::exists(folder() / "up.db")) << "status imported";
  EXPECT_EQ(read_text(folder() / "up.ledger.json"), ledger_text_);
  EXPECT_EQ(cluster_.count_calls("submit"), 3);
}

TEST_F(Upgrade, TheFirstRunImportsEverythingAndSubmitsOnlyThePendingRetry) {
  const auto result = traitctl("run", {"--yes", "--poll-interval", "0.1s", "--json"});
  EXPECT_EQ(result.exit_code, 3) << "trait 5 failed for good\n" << result.err;
  EXPECT_NE(result.err.find("Imported the batch's state of an earlier traitctl"), std::string::npos) << result.err;

  // Only the retry the earlier run had counted, once, as the attempt it counted.
  EXPECT_EQ(cluster_.count_calls("submit"), 4);
  EXPECT_EQ(cluster_.creations_per_name().at("up-4"), 1);
  const json latest = cluster_.state().at("history").back();
  EXPECT_EQ(latest.at("name"), "up-4");
  EXPECT_EQ(latest.at("environment").value("TRAITCTL_ATTEMPT", ""), "2") << latest.dump();
  EXPECT_EQ(cluster_.count_calls("delete"), 0);

  // The JSON files kept, renamed; the database holds everything they held.
  EXPECT_FALSE(fs::exists(folder() / "up.ledger.json"));
  EXPECT_EQ(read_text(folder() / "up.ledger.json.imported"), ledger_text_);
  EXPECT_TRUE(fs::exists(folder() / "up.cap.json.imported"));
  const json ledger = read_ledger(cluster_, "p", "up");
  const json& traits = ledger.at("traits");
  EXPECT_EQ(traits.at("3").at("oom_retries"), 1) << "the memory tier";
  EXPECT_EQ(traits.at("3").at("attempts").size(), 2U);
  EXPECT_EQ(traits.at("4").at("automatic_retries"), 1) << "counted once, at intent time";
  EXPECT_FALSE(traits.at("4").contains("pending")) << traits.at("4").dump();
  EXPECT_EQ(traits.at("4").at("attempts").at(0).at("failure"), "mount") << "attempt 1's story kept";
  EXPECT_EQ(traits.at("5").at("manual_resubmissions"), 1);
  EXPECT_EQ(traits.at("5").at("attempts").size(), 2U);
  EXPECT_EQ(traits.at("5").at("out_of_retries"), true);
  EXPECT_EQ(ledger.at("cap").at("last_request").at("set_by_pid"), 777) << "the cap file's request applied";

  // Said in the journal, once.
  int imported = 0;
  for (const auto& line : lines_of(read_text(cluster_.state_dir() / "journal.jsonl"))) {
    const json event = json::parse(line);
    if (event.at("event") == "ledger-imported") {
      ++imported;
      EXPECT_EQ(event.at("traits"), 4) << line;
      EXPECT_EQ(event.at("attempts"), 6) << line;
    }
  }
  EXPECT_EQ(imported, 1);

  // A second run has nothing to import and nothing to submit.
  const auto again = traitctl("run", {"--yes", "--poll-interval", "0.1s"});
  EXPECT_EQ(again.exit_code, 3) << again.err;
  EXPECT_EQ(again.err.find("Imported"), std::string::npos) << again.err;
  EXPECT_EQ(cluster_.count_calls("submit"), 4);
  for (const auto& problem : state_dir_problems(cluster_)) {
    ADD_FAILURE() << problem;
  }
}

}  // namespace
}  // namespace traitctl::e2e::upgrade_tests
