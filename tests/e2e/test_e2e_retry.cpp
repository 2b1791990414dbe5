// `traitctl retry` and `traitctl resubmit` end to end against the fake runai:
// the fake's own record (creations, delete calls, environments) shows that
// only mount failures are retried, within the cap and the persisted budget,
// and that a run killed between delete and resubmit is completed once.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <chrono>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"

namespace traitctl::e2e::retry_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

constexpr const char* kPrefix = "rt";
constexpr const char* kProject = "p";

std::string name_of(int trait) { return fmt::format("{}-{}", kPrefix, trait); }

std::vector<std::string> batch_args(const std::string& command, const std::string& traits,
                                    std::vector<std::string> extra = {}) {
  std::vector<std::string> args{command,    "--prefix", kPrefix,           "--project", kProject,
                                "--traits", traits,     "--poll-interval", "0.1s"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::vector<std::string> retry_args(const std::string& traits, std::vector<std::string> extra = {}) {
  std::vector<std::string> flags{"--yes", "--retry-delay", "1s"};
  flags.insert(flags.end(), extra.begin(), extra.end());
  return batch_args("retry", traits, flags);
}

json quick_config(json plans) {
  return json{{"pending_ms", 50}, {"running_ms", 100}, {"deleting_ms", 0}, {"plans", std::move(plans)}};
}

// Waits (at most 10 s) until every named job is Completed or Failed.
bool wait_terminal(const FakeCluster& cluster, const std::vector<int>& traits) {
  std::vector<std::string> names;
  for (int trait : traits) {
    names.push_back(name_of(trait));
  }
  return wait_until_ended(cluster, names, 60s);
}

// Submits the batch with traitctl and waits until every job has ended.
void submit_and_settle(const FakeCluster& cluster, const std::string& traits, const std::vector<int>& names,
                       int cap = 50) {
  const auto submitted = run_traitctl(
      cluster, batch_args("submit", traits, {"--yes", "--max-concurrent", std::to_string(cap)}), {}, 120s);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  ASSERT_TRUE(wait_terminal(cluster, names)) << "the submitted jobs did not end";
}

int creations(const FakeCluster& cluster, int trait) {
  const auto created = cluster.creations_per_name();
  const auto it = created.find(name_of(trait));
  return it == created.end() ? 0 : it->second;
}

// Calls of `subcommand` ("delete", "submit") naming the job.
std::vector<json> calls_for(const FakeCluster& cluster, const std::string& subcommand, int trait) {
  std::vector<json> found;
  for (const auto& call : cluster.calls()) {
    const auto& argv = call.at("argv");
    if (argv.size() > 2 && argv[1] == subcommand && argv[2] == name_of(trait)) {
      found.push_back(call);
    }
  }
  return found;
}

bool contains(const json& array, int trait) {
  const auto values = ints(array);
  return std::find(values.begin(), values.end(), trait) != values.end();
}

fs::path ledger_path(const FakeCluster& cluster) {
  return cluster.state_dir() / kProject / (std::string(kPrefix) + ".db");
}

TEST(Retry, WatchRetriesAMountFailureUntilItCompletes) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-2", {2, 2, 0}}, {"rt-3", {0}}}));
  submit_and_settle(cluster, "2-3", {2, 3});
  ASSERT_EQ(cluster.current_status("rt-2"), "Failed");

  const auto result = run_traitctl(cluster, retry_args("2-3", {"--watch", "--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json report;
  ASSERT_NO_THROW(report = json::parse(result.out)) << "stdout is not one JSON document:\n" << result.out;
  EXPECT_EQ(report.at("command"), "retry");
  EXPECT_TRUE(contains(report.at("succeeded_after_retry"), 2)) << result.out;
  EXPECT_FALSE(contains(report.at("succeeded_after_retry"), 3)) << result.out;
  EXPECT_EQ(report.at("interrupted"), false);
  EXPECT_EQ(creations(cluster, 2), 3);
  EXPECT_EQ(creations(cluster, 3), 1);
  EXPECT_EQ(cluster.current_status("rt-2"), "Completed");
  EXPECT_TRUE(calls_for(cluster, "delete", 3).empty());
}

TEST(Retry, TheBudgetHoldsAcrossSeparateRuns) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-3", {2}}}));
  submit_and_settle(cluster, "3", {3});

  std::vector<json> reports;
  for (int run = 1; run <= 5; ++run) {
    const auto result = run_traitctl(cluster, retry_args("3", {"--max-retries", "3", "--json"}), {}, 120s);
    ASSERT_EQ(result.exit_code, 0) << "run " << run << ": " << result.err;
    reports.push_back(json::parse(result.out));
    ASSERT_TRUE(wait_terminal(cluster, {3})) << "run " << run;
  }
  EXPECT_EQ(creations(cluster, 3), 4);
  for (int run = 1; run <= 3; ++run) {
    EXPECT_TRUE(contains(reports[static_cast<std::size_t>(run - 1)].at("retried"), 3))
        << "run " << run << ": " << reports[static_cast<std::size_t>(run - 1)].dump();
  }
  for (int run = 4; run <= 5; ++run) {
    const json& report = reports[static_cast<std::size_t>(run - 1)];
    EXPECT_TRUE(contains(report.at("out_of_retries"), 3)) << "run " << run << ": " << report.dump();
    EXPECT_TRUE(report.at("retried").empty()) << "run " << run << ": " << report.dump();
  }
  const json ledger = read_ledger(cluster, kProject, kPrefix);
  EXPECT_EQ(ledger.at("traits").at("3").at("automatic_retries"), 3) << ledger.dump();
}

TEST(Retry, ConfigurationErrorsAndUnknownFailuresAreLeftAlone) {
  FakeCluster cluster;
  json config = quick_config({{"rt-4", {1}}, {"rt-5", {3}}, {"rt-6", {3}}, {"rt-7", {2, 0}}});
  config["logs_unavailable"] = json::array({"rt-6"});
  cluster.write_config(config);
  submit_and_settle(cluster, "4-7", {4, 5, 6, 7});

  const auto result = run_traitctl(cluster, retry_args("4-7", {"--watch", "--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  for (int trait : {4, 5, 6}) {
    EXPECT_TRUE(calls_for(cluster, "delete", trait).empty()) << trait;
    EXPECT_EQ(creations(cluster, trait), 1) << trait;
    EXPECT_TRUE(report.at("skipped").contains(std::to_string(trait))) << trait << ": " << report.dump();
  }
  EXPECT_EQ(report.at("configuration_errors"), 1) << report.dump();
  // rt-5's exit 3 is unexplained whatever its log says; rt-6 has no log either.
  EXPECT_EQ(report.at("unknown"), 2) << report.dump();
  EXPECT_EQ(creations(cluster, 7), 2);
  EXPECT_EQ(cluster.current_status("rt-7"), "Completed");
}

// --retry-exit-code adds to the default 2: exit 2 is still retried, exit 75
// is now, and exit 137 (out of memory) still is not.
TEST(Retry, AnExtraRetryExitCodeKeepsTheDefault) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-2", {2, 0}}, {"rt-3", {75, 0}}, {"rt-4", {137, 0}}}));
  submit_and_settle(cluster, "2-4", {2, 3, 4});

  const auto result =
      run_traitctl(cluster, retry_args("2-4", {"--watch", "--json", "--retry-exit-code", "75"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("mount_failures"), 2) << report.dump();
  EXPECT_EQ(report.at("oom"), 1) << report.dump();
  EXPECT_EQ(creations(cluster, 2), 2);
  EXPECT_EQ(creations(cluster, 3), 2);
  EXPECT_EQ(creations(cluster, 4), 1);
  EXPECT_EQ(report.at("skipped").at("4"), "out of memory") << report.dump();
}

// The exit code is the main container's, whatever an init container (exit 2
// here, which would be a mount failure) or a sidecar (exit 0, listed last)
// says: exit 137 with OOMKilled is out of memory, and not retried.
TEST(Retry, TheMainContainerDecidesNotItsInitContainerOrSidecar) {
  FakeCluster cluster;
  json config = quick_config({{"rt-2", {137, 0}}, {"rt-3", {2, 0}}, {"rt-4", {1}}});
  config["describe_init_containers"] = true;
  config["init_exit_code"] = 2;
  config["describe_sidecar"] = true;
  cluster.write_config(config);
  submit_and_settle(cluster, "2-4", {2, 3, 4});

  const auto result = run_traitctl(cluster, retry_args("2-4", {"--watch", "--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("oom"), 1) << report.dump();
  EXPECT_EQ(report.at("mount_failures"), 1) << report.dump();
  EXPECT_EQ(report.at("configuration_errors"), 1) << report.dump();
  EXPECT_EQ(creations(cluster, 2), 1);
  EXPECT_EQ(creations(cluster, 3), 2);
  EXPECT_EQ(creations(cluster, 4), 1);
}

TEST(Retry, DryRunChangesNothing) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-2", {2}}}));
  submit_and_settle(cluster, "2", {2});
  const bool had_ledger = fs::exists(ledger_path(cluster));
  const std::string ledger_before = had_ledger ? read_text(ledger_path(cluster)) : "";
  const int submits_before = cluster.count_calls("submit");

  const auto result =
      run_traitctl(cluster, batch_args("retry", "2", {"--dry-run", "--retry-delay", "1s"}), {}, 120s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("Would retry trait 2"), std::string::npos) << result.out;
  EXPECT_EQ(cluster.count_calls("delete"), 0);
  EXPECT_EQ(cluster.count_calls("submit"), submits_before);
  EXPECT_EQ(fs::exists(ledger_path(cluster)), had_ledger);
  if (had_ledger) {
    EXPECT_EQ(read_text(ledger_path(cluster)), ledger_before);
  }
}

TEST(Retry, WatchKeepsTheCap) {
  FakeCluster cluster;
  json plans = json::object();
  for (int trait = 2; trait <= 7; ++trait) {
    plans[name_of(trait)] = {2, 2, 0};
  }
  cluster.write_config(quick_config(plans));
  submit_and_settle(cluster, "2-7", {2, 3, 4, 5, 6, 7}, 2);

  const auto result =
      run_traitctl(cluster, retry_args("2-7", {"--watch", "--json", "--max-concurrent", "2"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_LE(cluster.max_in_flight(kPrefix), 2);
  for (int trait = 2; trait <= 7; ++trait) {
    EXPECT_EQ(creations(cluster, trait), 3) << trait;
    EXPECT_EQ(cluster.current_status(name_of(trait)), "Completed") << trait;
    EXPECT_TRUE(contains(report.at("succeeded_after_retry"), trait)) << trait;
  }
}

TEST(Retry, ADeletingJobIsGoneBeforeItsNameIsReused) {
  FakeCluster cluster;
  json config = quick_config({{"rt-2", {2, 0}}});
  config["deleting_ms"] = 300;
  cluster.write_config(config);
  submit_and_settle(cluster, "2", {2});

  const auto result = run_traitctl(cluster, retry_args("2", {"--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_TRUE(report.at("resubmission_failures").empty()) << report.dump();
  EXPECT_TRUE(contains(report.at("retried"), 2)) << report.dump();
  EXPECT_EQ(creations(cluster, 2), 2);
  const auto deletes = calls_for(cluster, "delete", 2);
  const auto submits = calls_for(cluster, "submit", 2);
  ASSERT_EQ(deletes.size(), 1U);
  ASSERT_EQ(submits.size(), 2U);
  for (const auto& call : submits) {
    EXPECT_EQ(call.at("exit"), 0) << call.dump();
  }
  EXPECT_GE(submits[1].at("t_ms").get<std::int64_t>() - deletes[0].at("t_ms").get<std::int64_t>(), 300)
      << "resubmitted while the old job was still Deleting";
}

TEST(Retry, ARunKilledBetweenDeleteAndResubmitIsCompletedOnce) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-2", {2, 0}}}));
  submit_and_settle(cluster, "2", {2});

  // What a run killed right after its delete leaves: the intent counted and pending.
  auto store = LedgerStore::open(cluster.state_dir(), kProject, kPrefix);
  ASSERT_TRUE(store.ok());
  auto ledger = store->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  TraitRecord& record = ledger->traits[2];
  record.automatic_retries = 1;
  record.manual_resubmissions = 0;
  record.failure_first_seen = *parse_utc("2026-01-01T00:00:00.000Z");
  record.last_failure = FailureClass::Mount;
  record.pending.emplace();
  record.pending->kind = IntentKind::Automatic;
  record.pending->attempt = 2;
  record.pending->recorded_at = *parse_utc("2026-01-01T00:00:01.000Z");
  record.out_of_retries = false;
  ASSERT_TRUE(store->save(*ledger, every_trait(*ledger)).ok());
  const auto deleted = run_fake_runai(cluster, {"workspace", "delete", "rt-2", "--project", kProject});
  ASSERT_EQ(deleted.exit_code, 0) << deleted.err;
  ASSERT_EQ(cluster.current_status("rt-2"), "");

  const auto result = run_traitctl(cluster, retry_args("2"), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(creations(cluster, 2), 2);
  const json history = cluster.state().at("history");
  ASSERT_FALSE(history.empty());
  const json& latest = history.back();
  EXPECT_EQ(latest.at("name"), "rt-2");
  EXPECT_EQ(latest.at("environment").value("TRAITCTL_ATTEMPT", ""), "2") << latest.dump();
  const json after = read_ledger(cluster, kProject, kPrefix);
  EXPECT_EQ(after.at("traits").at("2").at("automatic_retries"), 1) << after.dump();
  // The resubmission intent is completed; what may remain is the record that
  // attempt 2 was sent and no listing has shown it yet (for a later traitctl).
  const json pending = after.at("traits").at("2").value("pending", json::object());
  EXPECT_TRUE(pending.empty() || (pending.at("kind") == "sent" && pending.at("attempt") == 2)) << after.dump();
}

TEST(ResubmitCommand, NamedTraitsAndFailedDryRun) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-4", {1, 0}}, {"rt-5", {2, 0}}, {"rt-6", {0}}}));
  submit_and_settle(cluster, "4-6", {4, 5, 6});

  const auto dry = run_traitctl(cluster, batch_args("resubmit", "4-6", {"--failed", "--dry-run"}), {}, 120s);
  EXPECT_EQ(dry.exit_code, 0) << dry.err;
  EXPECT_NE(dry.out.find("Would resubmit trait 4"), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("Would resubmit trait 5"), std::string::npos) << dry.out;
  EXPECT_EQ(dry.out.find("Would resubmit trait 6"), std::string::npos) << dry.out;
  EXPECT_EQ(cluster.count_calls("delete"), 0);

  const auto result =
      run_traitctl(cluster, batch_args("resubmit", "4-6", {"4", "5", "--yes", "--json"}), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(ints(report.at("resubmitted_manually")), (std::vector<int>{4, 5})) << report.dump();
  EXPECT_EQ(creations(cluster, 4), 2);
  EXPECT_EQ(creations(cluster, 5), 2);
  EXPECT_EQ(creations(cluster, 6), 1);
  EXPECT_EQ(calls_for(cluster, "delete", 4).size(), 1U);
  EXPECT_EQ(calls_for(cluster, "delete", 5).size(), 1U);
  EXPECT_TRUE(calls_for(cluster, "delete", 6).empty());
}

TEST(Retry, BadArgumentsAreUsageErrors) {
  FakeCluster cluster;
  cluster.write_config(quick_config({{"rt-2", {2}}}));
  submit_and_settle(cluster, "2", {2});
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"--max-retries", "0"}, "1 to 10"},           {{"--max-retries", "11"}, "1 to 10"},
      {{"--retry-delay", "0"}, "from 1s to 300s"},   {{"--retry-delay", "301s"}, "from 1s to 300s"},
      {{"--retry-delay", "abc"}, "from 1s to 300s"},
  };
  for (const auto& [flags, range] : cases) {
    std::vector<std::string> extra{"--yes"};
    extra.insert(extra.end(), flags.begin(), flags.end());
    const auto result = run_traitctl(cluster, batch_args("retry", "2", extra));
    EXPECT_EQ(result.exit_code, 2) << flags[0] << ' ' << flags[1] << ": " << result.err;
    EXPECT_NE(result.err.find(range), std::string::npos) << flags[0] << ' ' << flags[1] << ": " << result.err;
  }
  const auto no_yes = run_traitctl(cluster, batch_args("retry", "2", {"--retry-delay", "1s"}));
  EXPECT_EQ(no_yes.exit_code, 2) << no_yes.err;
  EXPECT_NE(no_yes.err.find("--yes"), std::string::npos) << no_yes.err;
  EXPECT_EQ(cluster.count_calls("delete"), 0);
  EXPECT_EQ(creations(cluster, 2), 1);
}

TEST(Retry, ASecondRunIsRefusedWhileTheFirstHoldsTheLock) {
  FakeCluster cluster;
  json config = quick_config({{"rt-2", {2, 0}}});
  cluster.write_config(config);
  submit_and_settle(cluster, "2", {2});
  config["hold"] = true;  // the retried job runs until the test ends: it keeps the watch busy
  cluster.write_config(config);

  const fs::path log = cluster.dir() / "watch.log";
  auto first = start_traitctl(cluster, retry_args("2", {"--watch"}), log);
  ASSERT_TRUE(first.ok()) << first.error().message;
  ASSERT_TRUE(wait_for([&] { return creations(cluster, 2) >= 2; })) << read_text(log);
  ASSERT_EQ(creations(cluster, 2), 2) << read_text(log);
  ASSERT_FALSE(first->poll().has_value()) << read_text(log);

  const auto second = run_traitctl(cluster, retry_args("2", {"--lock-timeout", "0.5s"}), {}, 120s);
  EXPECT_EQ(second.exit_code, 1) << second.err;
  EXPECT_NE(second.err.find("rt.lock"), std::string::npos) << second.err;
  EXPECT_NE(second.err.find("held by another traitctl"), std::string::npos) << second.err;
  EXPECT_EQ(creations(cluster, 2), 2);

  ASSERT_EQ(::kill(first->pid(), SIGINT), 0);
  EXPECT_EQ(wait_for_exit(*first, 60s), 130) << read_text(log);
}

}  // namespace
}  // namespace traitctl::e2e::retry_tests
