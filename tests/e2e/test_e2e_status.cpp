// `traitctl status` against the fake runai: counts and JSON match the fake's
// state and the ledger, stdout carries nothing but the result, and --watch
// ends once the batch is finished.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "harness.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::e2e::status_tests {
namespace {

// A trait whose current failure the ledger has classified.
TraitRecord classified(TimePoint seen, FailureClass failure, int retries = 0) {
  TraitRecord record;
  record.failure_first_seen = seen;
  record.last_failure = failure;
  record.automatic_retries = retries;
  return record;
}

using nlohmann::json;
using namespace std::chrono_literals;

void submit(const FakeCluster& cluster, const std::string& name) {
  const auto created = submit_to_fake(cluster, name);
  ASSERT_EQ(created.exit_code, 0) << created.err;
}

void write_ledger(const FakeCluster& cluster, const Ledger& ledger) {
  auto store = LedgerStore::open(cluster.dir() / "state", ledger.project, ledger.prefix);
  ASSERT_TRUE(store.ok()) << store.error().message;
  const auto saved = store->save(ledger, every_trait(ledger));
  ASSERT_TRUE(saved.ok()) << saved.error().message;
}

// Batch b in project p, traits 2-10: b-2 failed (config error), b-3
// completed, b-4 running, b-5 pending, b-6 failed (mount failure, one retry
// used); 7-10 not submitted. b-11 is outside the range.
class Status : public ::testing::Test {
 protected:
  void SetUp() override {
    json config{{"pending_ms", 0},
                {"running_ms", 0},
                {"plans", {{"b-2", {1}}, {"b-3", {0}}, {"b-6", {2}}, {"b-11", {1}}}}};
    cluster_.write_config(config);
    for (const char* name : {"b-2", "b-3", "b-6", "b-11"}) {
      submit(cluster_, name);
    }
    config["running_ms"] = 600'000;
    cluster_.write_config(config);
    submit(cluster_, "b-4");
    config["pending_ms"] = 600'000;
    cluster_.write_config(config);
    submit(cluster_, "b-5");

    const TimePoint now = std::chrono::system_clock::now();
    Ledger ledger{"p", "b", now - 2h, {}, std::nullopt, std::nullopt};
    ledger.traits[2] = classified(now - 1min, FailureClass::Config);
    ledger.traits[6] = classified(now - 1min, FailureClass::Mount, 1);
    write_ledger(cluster_, ledger);
    std::ofstream(env_file()) << "PROJECT=p\nJOB_PREFIX=b\nSTART_TRAIT=2\nEND_TRAIT=10\n";
  }

  [[nodiscard]] std::string env_file() const { return (cluster_.dir() / "batch.env").string(); }

  CommandResult status(std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {"status", "--env-file", env_file()});
    return run_traitctl(cluster_, flags);
  }

  FakeCluster cluster_;
};

TEST_F(Status, JsonMatchesTheFakeAndTheLedger) {
  const auto result = status({"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json report;
  ASSERT_NO_THROW(report = json::parse(result.out)) << result.out;  // one object, nothing else
  // The keys docs/status-json.md lists, and no others.
  std::set<std::string> keys;
  for (const auto& [key, value] : report.items()) {
    keys.insert(key);
  }
  EXPECT_EQ(keys, (std::set<std::string>{"prefix", "project", "traits", "counts", "finished", "jobs",
                                         "elapsed_seconds", "needs_attention", "rows", "cap",
                                         "learned_memory_tier", "right_sizing", "nodes"}));
  std::set<std::string> count_keys;
  for (const auto& [key, value] : report.at("counts").items()) {
    count_keys.insert(key);
  }
  EXPECT_EQ(count_keys,
            (std::set<std::string>{"pending", "running", "other_active", "completed", "failed",
                                   "failed_by_class", "permanently_failed", "stopped", "not_submitted",
                                   "retries_used", "manual_resubmissions", "out_of_retries"}));
  EXPECT_EQ(report.at("prefix"), "b");
  EXPECT_EQ(report.at("project"), "p");
  EXPECT_EQ(report.at("traits"), (json{{"first", 2}, {"last", 10}, {"total", 9}}));
  const json& counts = report.at("counts");
  EXPECT_EQ(counts.at("pending"), 1);
  EXPECT_EQ(counts.at("running"), 1);
  EXPECT_EQ(counts.at("other_active"), 0);
  EXPECT_EQ(counts.at("completed"), 1);
  EXPECT_EQ(counts.at("failed"), 2);
  EXPECT_EQ(counts.at("failed_by_class"), (json{{"config", 1}, {"mount", 1}}));
  EXPECT_EQ(counts.at("permanently_failed"), 1);
  EXPECT_EQ(counts.at("stopped"), 0);
  EXPECT_EQ(counts.at("not_submitted"), 4);
  EXPECT_EQ(counts.at("retries_used"), 1);
  EXPECT_EQ(counts.at("out_of_retries"), 0);
  EXPECT_EQ(report.at("finished"), false);
  EXPECT_GE(report.at("elapsed_seconds").get<long long>(), 7200);
  EXPECT_LT(report.at("elapsed_seconds").get<long long>(), 7200 + 120);

  const json expected_jobs = json::array({json{{"name", "b-2"},
                                               {"trait", 2},
                                               {"status", cluster_.current_status("b-2")},
                                               {"class", "config"},
                                               {"attempts", 1}},
                                          json{{"name", "b-3"},
                                               {"trait", 3},
                                               {"status", cluster_.current_status("b-3")},
                                               {"class", "succeeded"},
                                               {"attempts", 1}},
                                          json{{"name", "b-4"},
                                               {"trait", 4},
                                               {"status", cluster_.current_status("b-4")},
                                               {"class", "active"},
                                               {"attempts", 1}},
                                          json{{"name", "b-5"},
                                               {"trait", 5},
                                               {"status", cluster_.current_status("b-5")},
                                               {"class", "active"},
                                               {"attempts", 1}},
                                          json{{"name", "b-6"},
                                               {"trait", 6},
                                               {"status", cluster_.current_status("b-6")},
                                               {"class", "mount"},
                                               {"attempts", 2}}});
  EXPECT_EQ(report.at("jobs"), expected_jobs);
}

TEST_F(Status, PlainOutputWithoutATerminalHasNoControlCodes) {
  const auto result = status({});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Pending: 1  Running: 1  Other active: 0  Completed: 1  Failed: 2  Stopped: 0  "
                            "Not submitted: 4"),
            std::string::npos)
      << result.out;
  EXPECT_NE(result.out.find("Failed by class: config 1, mount 1"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Done: 2/9"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Elapsed since the first submission: 2h"), std::string::npos) << result.out;
}

TEST_F(Status, UnreadableStateExits1) {
  // The batch database, and the JSON ledger of an earlier traitctl where there is none.
  for (const char* file : {"b.db", "b.ledger.json"}) {
    const auto path = cluster_.dir() / "state" / "p" / file;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::trunc) << "{not json";
    const auto result = status({"--json"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find(path.string()), std::string::npos) << result.err;
    EXPECT_TRUE(result.out.empty()) << result.out;
    std::filesystem::remove(path);
  }
}

TEST_F(Status, WatchWithJsonIsAUsageError) {
  const auto result = status({"--watch", "--json"});
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_EQ(cluster_.count_calls("list"), 0);
}

TEST(StatusWatch, ExitsOnceTheBatchIsFinished) {
  FakeCluster cluster;
  // w-2 runs until the watch has listed it once: the watch must look again.
  cluster.write_config(
      json{{"pending_ms", 100}, {"running_ms", 100}, {"plans", {{"w-3", {1}}}}, {"hold", json::array({"w-2"})}});
  submit(cluster, "w-2");
  submit(cluster, "w-3");
  const TimePoint now = std::chrono::system_clock::now();
  Ledger ledger{"p", "w", now, {}, std::nullopt, std::nullopt};
  ledger.traits[3] = classified(now, FailureClass::Config);
  write_ledger(cluster, ledger);

  const int lists_before = cluster.count_calls("list");
  const auto [result, listed] = run_traitctl_held_until(
      cluster,
      {"status", "--prefix", "w", "--project", "p", "--traits", "2-3", "--watch", "--interval", "0.2s"},
      [&] { return cluster.count_calls("list") > lists_before; });
  ASSERT_TRUE(listed) << result.err;
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out.find('\x1b'), std::string::npos) << result.out;
  EXPECT_GE(cluster.count_calls("list") - lists_before, 2);  // it looked again while w-2 ran
  EXPECT_NE(result.out.find("Done: 2/2 (completed 1, permanently failed 1)"), std::string::npos)
      << result.out;
  EXPECT_NE(result.err.find("finished"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace traitctl::e2e::status_tests
