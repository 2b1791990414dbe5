// The daily questions, end to end through the built traitctl: which traits
// need attention and what to do about them (`status` rows, filters and their
// JSON), one trait's story (`describe`) and its log (`logs`, `--follow`) —
// on the fake runai and on a local batch run in the test.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <set>
#include <string>
#include <vector>
#include <thread>

#include "harness.hpp"
#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"
#include "traitctl/adapters/system_clock.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::e2e::trait_views_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

void submit(const FakeCluster& cluster, const std::string& name) {
  const auto created = submit_to_fake(cluster, name);
  ASSERT_EQ(created.exit_code, 0) << created.err;
}

// The table row of `trait`: the line that starts with it; "" when none does.
std::string row_of(const std::string& out, int trait) {
  const std::string start = fmt::format("  {} ", trait);
  for (const std::string& line : lines_of(out)) {
    if (line.starts_with(start)) {
      return line;
    }
  }
  return "";
}

std::set<int> traits_in_rows(const json& rows) {
  std::set<int> traits;
  for (const json& row : rows) {
    traits.insert(row.at("trait").get<int>());
  }
  return traits;
}

std::set<int> traits_in_table(const std::string& out) {
  std::set<int> traits;
  for (int trait = 1; trait <= 20; ++trait) {
    if (!row_of(out, trait).empty()) {
      traits.insert(trait);
    }
  }
  return traits;
}

// Batch v of project p, traits 2-9, on the fake runai:
//   v-2 exit 1, v-3 exit 2, v-4 exit 137: failed, classified by nobody yet;
//   v-5 completed; v-6 exit 2, out of its 3 mount retries (the ledger holds
//   its four attempts); v-7 running; v-8 not submitted; v-9 exit 2, one
//   retry used, and the journal of a running `run` planning its second.
class Views : public ::testing::Test {
 protected:
  void SetUp() override {
    json config{{"pending_ms", 0},
                {"running_ms", 0},
                {"plans", {{"v-2", {1}}, {"v-3", {2}}, {"v-4", {137}}, {"v-6", {2}}, {"v-9", {2}}}}};
    cluster_.write_config(config);
    for (const char* name : {"v-2", "v-3", "v-4", "v-5", "v-6", "v-9"}) {
      submit(cluster_, name);
    }
    config["running_ms"] = 600'000;
    cluster_.write_config(config);
    submit(cluster_, "v-7");

    const TimePoint now = std::chrono::system_clock::now();
    Ledger ledger{"p", "v", now - 1h, {}, std::nullopt, std::nullopt};
    TraitRecord& out_of_retries = ledger.traits[6];
    out_of_retries.automatic_retries = 3;
    out_of_retries.out_of_retries = true;
    out_of_retries.failure_first_seen = now - 5min;
    out_of_retries.last_failure = FailureClass::Mount;
    for (int number = 1; number <= 4; ++number) {
      AttemptRecord& attempt = attempt_record(out_of_retries, number);
      attempt.submitted_at = now - 1h + std::chrono::minutes(10 * number);
      attempt.ended_at = *attempt.submitted_at + 90s;
      attempt.end = AttemptEnd::Failed;
      attempt.failure = FailureClass::Mount;
      attempt.exit_code = 2;
      attempt.memory = "32G";
      attempt.cpu = "12";
      attempt.evidence = "log: INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point";
    }
    TraitRecord& backoff = ledger.traits[9];
    backoff.automatic_retries = 1;
    backoff.failure_first_seen = now - 10s;
    backoff.last_failure = FailureClass::Mount;
    attempt_record(backoff, 2).memory = "32G";
    auto store = LedgerStore::open(cluster_.state_dir(), "p", "v");
    ASSERT_TRUE(store.ok()) << store.error().message;
    ASSERT_TRUE(store->save(ledger, every_trait(ledger)).ok());

    const SystemClock clock;
    auto journal = Journal::open(cluster_.state_dir(), "run", "p", "v", clock);
    ASSERT_TRUE(journal.ok()) << journal.error().message;
    eligible_at_ = now + 10min;
    journal->record({"classified", 9, "v-9", {{"class", "mount"}, {"evidence", "exit code 2 (Error)"}}});
    journal->record(
        {"backoff",
         9,
         "v-9",
         {{"class", "mount"}, {"retry", 2}, {"retry_budget", 3}, {"eligible_at", format_utc(eligible_at_)}}});
    std::ofstream(env_file()) << "PROJECT=p\nJOB_PREFIX=v\nSTART_TRAIT=2\nEND_TRAIT=9\n";
  }

  [[nodiscard]] std::string env_file() const { return (cluster_.dir() / "batch.env").string(); }
  [[nodiscard]] fs::path ledger_path() const { return cluster_.state_dir() / "p" / "v.db"; }

  CommandResult traitctl(const std::string& command, std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {command, "--env-file", env_file()});
    return run_traitctl(cluster_, flags);
  }

  FakeCluster cluster_;
  TimePoint eligible_at_;
};

TEST_F(Views, StatusNamesTheTraitsThatNeedAttentionAndWhatToDo) {
  const std::string ledger_before = read_text(ledger_path());
  const auto result = traitctl("status", {});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& out = result.out;
  EXPECT_NE(out.find("Failed by class: config 1, mount 3, oom 1"), std::string::npos) << out;
  EXPECT_NE(out.find("Need attention: 5 of 8 traits"), std::string::npos) << out;
  EXPECT_EQ(traits_in_table(out), (std::set<int>{2, 3, 4, 6, 9})) << out;

  // Classified for the view from the fake's describe and logs.
  const std::string config = row_of(out, 2);
  EXPECT_NE(config.find("config*"), std::string::npos) << config;
  EXPECT_NE(config.find("exit code 1"), std::string::npos) << config;
  EXPECT_NE(config.find("fix the inputs (`traitctl logs 2`), then `traitctl resubmit 2`"), std::string::npos)
      << config;
  EXPECT_NE(row_of(out, 3).find("mount*"), std::string::npos) << out;
  EXPECT_NE(row_of(out, 3).find("`traitctl retry` retries it (retry 1/3)"), std::string::npos) << out;
  const std::string oom = row_of(out, 4);
  EXPECT_NE(oom.find("oom*"), std::string::npos) << oom;
  EXPECT_NE(oom.find("OOMKilled"), std::string::npos) << oom;
  EXPECT_NE(oom.find("137"), std::string::npos) << oom;
  EXPECT_NE(oom.find("add a MEMORY_LADDER tier larger than 32G"), std::string::npos) << oom;
  // Classified by the ledger: its attempts, retries and the journal's plan.
  const std::string spent = row_of(out, 6);
  EXPECT_NE(spent.find(" mount "), std::string::npos) << spent;
  EXPECT_NE(spent.find("log: INFRASTRUCTURE MOUNT FAILURE"), std::string::npos) << spent;
  EXPECT_NE(spent.find("`traitctl resubmit 6` to run it again (retry 3/3 used)"), std::string::npos) << spent;
  EXPECT_NE(row_of(out, 9).find(fmt::format("retried automatically (retry 2/3 at {} UTC)",
                                            format_utc(eligible_at_).substr(11, 8))),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("* classified by status"), std::string::npos) << out;

  // One evidence call (describe and logs) per failure nobody classified, none
  // for the ledger's; and status never writes the ledger.
  EXPECT_EQ(cluster_.count_calls("describe"), 3);
  EXPECT_EQ(cluster_.count_calls("logs"), 3);
  EXPECT_EQ(read_text(ledger_path()), ledger_before);
}

TEST_F(Views, AllFailedAndStateChooseTheRows) {
  const auto all = traitctl("status", {"--all", "--no-classify"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(traits_in_table(all.out), (std::set<int>{2, 3, 4, 5, 6, 7, 8, 9})) << all.out;
  EXPECT_NE(row_of(all.out, 8).find("not submitted"), std::string::npos) << all.out;
  EXPECT_NE(row_of(all.out, 7).find("Running"), std::string::npos) << all.out;

  const auto failed = traitctl("status", {"--failed", "--no-classify"});
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  EXPECT_EQ(traits_in_table(failed.out), (std::set<int>{2, 3, 4, 6, 9})) << failed.out;
  EXPECT_NE(failed.out.find("In state failed: 5 of 8 traits"), std::string::npos) << failed.out;

  const auto running = traitctl("status", {"--state", "running", "--no-classify"});
  EXPECT_EQ(traits_in_table(running.out), (std::set<int>{7})) << running.out;
  const auto waiting =
      traitctl("status", {"--state", "backoff", "--state", "out-of-retries", "--no-classify"});
  EXPECT_EQ(traits_in_table(waiting.out), (std::set<int>{6, 9})) << waiting.out;

  const auto bogus = traitctl("status", {"--state", "sleeping"});
  EXPECT_EQ(bogus.exit_code, 2) << bogus.err;
  EXPECT_NE(bogus.err.find("sleeping"), std::string::npos) << bogus.err;
}

TEST_F(Views, JsonCarriesTheSameRows) {
  const auto result = traitctl("status", {"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json report;
  ASSERT_NO_THROW(report = json::parse(result.out)) << result.out;
  EXPECT_EQ(report.at("needs_attention"), 5);
  EXPECT_EQ(report.at("counts").at("failed_by_class"), (json{{"config", 1}, {"mount", 3}, {"oom", 1}}));
  const json& rows = report.at("rows");
  EXPECT_EQ(traits_in_rows(rows), (std::set<int>{2, 3, 4, 6, 9}));
  const json& config = rows.at(0);
  EXPECT_EQ(config.at("trait"), 2);
  EXPECT_EQ(config.at("job"), "v-2");
  EXPECT_EQ(config.at("status"), "Failed");
  EXPECT_EQ(config.at("state"), "failed");
  EXPECT_EQ(config.at("attention"), "failed");
  EXPECT_EQ(config.at("class"), "config");
  EXPECT_EQ(config.at("classified_by"), "status");
  EXPECT_EQ(config.at("exit_code"), 1);
  EXPECT_EQ(config.at("attempts"), 1);
  EXPECT_EQ(config.at("next_step"), "fix the inputs (`traitctl logs 2`), then `traitctl resubmit 2`");
  const json& spent = rows.at(3);
  EXPECT_EQ(spent.at("trait"), 6);
  EXPECT_EQ(spent.at("classified_by"), "ledger");
  EXPECT_EQ(spent.at("attention"), "out-of-retries");
  EXPECT_EQ(spent.at("retries"), (json{{"used", 3}, {"budget", 3}}));
  EXPECT_EQ(spent.at("memory"), "32G");
  const json& backoff = rows.at(4);
  EXPECT_EQ(backoff.at("attention"), "backoff");
  EXPECT_EQ(backoff.at("eligible_at"), format_utc(eligible_at_));

  const auto all = traitctl("status", {"--json", "--all", "--no-classify"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  const json every = json::parse(all.out).at("rows");
  ASSERT_EQ(every.size(), 8U);
  const json& unsubmitted = every.at(6);
  EXPECT_EQ(unsubmitted.at("trait"), 8);
  EXPECT_EQ(unsubmitted.at("state"), "not-submitted");
  EXPECT_TRUE(unsubmitted.at("job").is_null());
  EXPECT_TRUE(unsubmitted.at("attention").is_null());
  EXPECT_TRUE(every.at(0).at("class").is_null()) << "--no-classify leaves it unclassified";
}

TEST_F(Views, NoClassifyAsksTheBackendNothing) {
  const auto result = traitctl("status", {"--no-classify"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(cluster_.count_calls("describe"), 0);
  EXPECT_EQ(cluster_.count_calls("logs"), 0);
  EXPECT_NE(result.out.find("Failed by class: mount 2, unclassified 3"), std::string::npos) << result.out;
  EXPECT_NE(row_of(result.out, 2).find("unclassified"), std::string::npos) << result.out;
}

TEST_F(Views, DescribeTellsATraitsStory) {
  const auto result = traitctl("describe", {"6"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string& out = result.out;
  EXPECT_NE(out.find("Trait 6 of batch v in project p: job v-6 is Failed"), std::string::npos) << out;
  EXPECT_NE(out.find("class      mount (recorded in the ledger)"), std::string::npos) << out;
  EXPECT_NE(out.find("attention  out-of-retries"), std::string::npos) << out;
  EXPECT_NE(out.find("Attempts (4):"), std::string::npos) << out;
  for (int number = 1; number <= 4; ++number) {
    EXPECT_NE(out.find(fmt::format("\n  {}  submitted ", number)), std::string::npos) << out;
  }
  EXPECT_NE(out.find("after 1m 30s: failed"), std::string::npos) << out;
  EXPECT_NE(out.find("exit code 2, class mount: log: INFRASTRUCTURE MOUNT FAILURE"), std::string::npos)
      << out;
  EXPECT_NE(out.find("12 CPU, 32G memory"), std::string::npos) << out;
  EXPECT_NE(out.find("Retries used: retry 3/3 for mount and infrastructure failures"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Out of retries: yes"), std::string::npos) << out;

  const auto as_json = traitctl("describe", {"6", "--json"});
  ASSERT_EQ(as_json.exit_code, 0) << as_json.err;
  const json story = json::parse(as_json.out);
  EXPECT_EQ(story.at("trait"), 6);
  EXPECT_EQ(story.at("now").at("attention"), "out-of-retries");
  const json& attempts = story.at("ledger").at("attempts");
  ASSERT_EQ(attempts.size(), 4U);
  EXPECT_EQ(attempts.at(0).at("duration_seconds"), 90);
  EXPECT_EQ(attempts.at(3).at("exit_code"), 2);
  EXPECT_EQ(story.at("retries").at("transient"), (json{{"used", 3}, {"budget", 3}}));

  // A failure nobody recorded is classified for the view; the journal's events are told.
  const auto config = traitctl("describe", {"2"});
  ASSERT_EQ(config.exit_code, 0) << config.err;
  EXPECT_NE(config.out.find("class      config (found now, not recorded): exit code 1"), std::string::npos)
      << config.out;
  const auto planned = traitctl("describe", {"9", "--json"});
  const json journal = json::parse(planned.out).at("journal");
  ASSERT_EQ(journal.size(), 2U);
  EXPECT_EQ(journal.at(1).at("event"), "backoff");
  EXPECT_EQ(journal.at(1).at("retry"), 2);
}

TEST_F(Views, LogsPrintsTheCurrentJobsLog) {
  const auto log = traitctl("logs", {"2"});
  ASSERT_EQ(log.exit_code, 0) << log.err;
  EXPECT_NE(log.out.find("[ERROR] Missing required files or directories:"), std::string::npos) << log.out;
  const auto tail = traitctl("logs", {"2", "--tail", "1"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  EXPECT_EQ(lines_of(tail.out).size(), 1U) << tail.out;
  EXPECT_NE(tail.out.find("a retry cannot succeed"), std::string::npos) << tail.out;

  const auto earlier = traitctl("logs", {"6", "--attempt", "1"});
  EXPECT_EQ(earlier.exit_code, 1);
  EXPECT_NE(earlier.err.find("current job only"), std::string::npos) << earlier.err;
  const auto too_far = traitctl("logs", {"6", "--attempt", "9"});
  EXPECT_EQ(too_far.exit_code, 1);
  EXPECT_NE(too_far.err.find("--attempt takes 1 to 4"), std::string::npos) << too_far.err;
  const auto none = traitctl("logs", {"8"});
  EXPECT_EQ(none.exit_code, 1);
  EXPECT_NE(none.err.find("no job of trait 8 is listed"), std::string::npos) << none.err;
  EXPECT_TRUE(none.out.empty()) << none.out;
  EXPECT_EQ(traitctl("logs", {"2", "--json"}).exit_code, 2);
  EXPECT_EQ(traitctl("logs", {"2", "--tail", "-1"}).exit_code, 2);
}

TEST(LogsFollow, PrintsWhatIsAppendedUntilTheJobEnds) {
  FakeCluster cluster;
  // Held until the test has seen traitctl read the running job's log twice.
  cluster.write_config(json{{"pending_ms", 0}, {"running_ms", 500}, {"hold", true}});
  submit(cluster, "f-2");
  auto following = std::async(std::launch::async, [&cluster] {
    return run_traitctl(cluster, {"logs", "2", "--follow", "--prefix", "f", "--project", "p"}, {}, 120s);
  });
  const bool followed = wait_for([&] {
    return cluster.count_calls("logs") >= 2 || following.wait_for(0s) == std::future_status::ready;
  });
  const int reads_while_running = cluster.count_calls("logs");
  cluster.release_held_jobs();
  const CommandResult result = following.get();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(followed && reads_while_running >= 2) << "it followed the running job\n" << result.err;
  EXPECT_EQ(cluster.current_status("f-2"), "Completed");
  // Each line once: only new bytes are printed.
  const auto lines = lines_of(result.out);
  ASSERT_FALSE(lines.empty()) << result.out;
  EXPECT_EQ(lines.front(), "[INFO] GAPIT entrypoint starting for workload f-2");
  EXPECT_EQ(lines.back(), "[INFO] Done");
  EXPECT_EQ(std::set<std::string>(lines.begin(), lines.end()).size(), lines.size()) << result.out;
  EXPECT_NE(result.err.find("f-2 ended (Completed)"), std::string::npos) << result.err;
}

// A local batch of traits 2-4: trait 3's first attempt hits a mount failure
// and is retried, trait 4 is a configuration error.
constexpr const char* kJob = R"sh(#!/bin/sh
echo "trait $TRAIT_INDEX attempt $TRAITCTL_ATTEMPT starting"
case "$TRAIT_INDEX:$TRAITCTL_ATTEMPT" in
  3:1) echo "[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point"; exit 2 ;;
  4:*) echo "[ERROR] Missing required files or directories:"; exit 1 ;;
esac
if [ -n "${VIEW_HOLD_UNTIL:-}" ]; then
  while [ ! -e "$VIEW_HOLD_UNTIL" ]; do sleep 0.1; done
fi
echo "trait $TRAIT_INDEX done"
)sh";

class LocalViews : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(job()) << kJob;
    fs::permissions(job(), fs::perms::owner_all);
    write_gapit_inputs(cluster_.dir(), 4);
    std::ofstream(env_file()) << fmt::format(
        "PROJECT=lab\nJOB_PREFIX=loc\nSTART_TRAIT=2\nEND_TRAIT=4\nEXPECTED_OUTPUT=\nDATA_PATH_HOST={}\n"
        "OUTPUT_PATH_HOST={}\n",
        cluster_.dir().string(), cluster_.dir().string());
  }

  [[nodiscard]] fs::path job() const { return cluster_.dir() / "job.sh"; }
  [[nodiscard]] std::string env_file() const { return (cluster_.dir() / "batch.env").string(); }
  [[nodiscard]] std::vector<std::string> run_args(const std::string& traits) const {
    return {"run",   "--backend",       "local", "--env-file",    env_file(), "--traits", traits,
            "--yes", "--poll-interval", "0.1s",  "--retry-delay", "1s",       "--",       job().string()};
  }

  CommandResult traitctl(const std::string& command, std::vector<std::string> flags) const {
    flags.insert(flags.begin(), {command, "--backend", "local", "--env-file", env_file()});
    return run_traitctl(cluster_, flags);
  }

  FakeCluster cluster_;
};

TEST_F(LocalViews, LogsDescribeAndStatusOfALocalBatch) {
  const auto run = run_traitctl(cluster_, run_args("2-4"), {}, 120s);
  ASSERT_EQ(run.exit_code, 3) << run.err;

  const auto first = traitctl("logs", {"3", "--attempt", "1"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out,
            "trait 3 attempt 1 starting\n[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point\n");
  const auto current = traitctl("logs", {"3"});
  ASSERT_EQ(current.exit_code, 0) << current.err;
  EXPECT_EQ(current.out, "trait 3 attempt 2 starting\ntrait 3 done\n");
  const auto second = traitctl("logs", {"3", "--attempt", "2", "--tail", "1"});
  EXPECT_EQ(second.out, "trait 3 done\n") << second.err;
  const auto beyond = traitctl("logs", {"4", "--attempt", "2"});
  EXPECT_EQ(beyond.exit_code, 1);
  EXPECT_NE(beyond.err.find("--attempt takes 1 to 1"), std::string::npos) << beyond.err;

  const auto story = traitctl("describe", {"3"});
  ASSERT_EQ(story.exit_code, 0) << story.err;
  EXPECT_NE(story.out.find("job loc-3 is Completed"), std::string::npos) << story.out;
  EXPECT_NE(story.out.find("Attempts (2):"), std::string::npos) << story.out;
  EXPECT_NE(story.out.find("exit code 2, class mount"), std::string::npos) << story.out;
  EXPECT_NE(story.out.find(": succeeded"), std::string::npos) << story.out;
  EXPECT_NE(story.out.find("Retries used: retry 1/3 for mount and infrastructure failures"),
            std::string::npos)
      << story.out;
  EXPECT_NE(story.out.find("log        traitctl logs 3 --backend local"), std::string::npos) << story.out;

  const auto failed = traitctl("status", {"--failed"});
  ASSERT_EQ(failed.exit_code, 0) << failed.err;
  const std::string config = row_of(failed.out, 4);
  EXPECT_NE(config.find(" config "), std::string::npos) << failed.out;
  EXPECT_NE(config.find("`traitctl cleanup --failed --traits 4 --backend local` and run the batch again"),
            std::string::npos)
      << config;
  EXPECT_EQ(traits_in_table(failed.out), (std::set<int>{4})) << failed.out;
}

TEST_F(LocalViews, FollowPrintsARunningLocalJobUntilItEnds) {
  // The job runs until the test creates the release file, once logs --follow
  // has printed its first line.
  const fs::path release = cluster_.dir() / "release-job";
  auto run = start_traitctl(cluster_, run_args("2"), cluster_.dir() / "run.log",
                            {{"VIEW_HOLD_UNTIL", release.string()}});
  ASSERT_TRUE(run.ok()) << run.error().message;
  const fs::path log = cluster_.state_dir() / "logs" / "loc-2.log";
  ASSERT_TRUE(wait_for([&] { return fs::exists(log); })) << read_text(cluster_.dir() / "run.log");
  const fs::path out = cluster_.dir() / "follow.out";  // its stdout and stderr
  auto follower =
      start_traitctl(cluster_, {"logs", "2", "--follow", "--backend", "local", "--env-file", env_file()}, out);
  ASSERT_TRUE(follower.ok()) << follower.error().message;
  EXPECT_TRUE(wait_for([&] { return read_text(out).find("trait 2 attempt 1 starting") != std::string::npos; }))
      << read_text(out);
  std::ofstream(release) << "released\n";
  ASSERT_EQ(wait_for_exit(*follower, 60s), 0) << read_text(out);
  const std::string followed = read_text(out);
  std::vector<std::string> job_lines;
  for (const std::string& line : lines_of(followed)) {
    if (line.starts_with("trait 2")) {
      job_lines.push_back(line);
    }
  }
  EXPECT_EQ(job_lines, (std::vector<std::string>{"trait 2 attempt 1 starting", "trait 2 done"})) << followed;
  EXPECT_NE(followed.find("loc-2 ended (Completed)"), std::string::npos) << followed;
  EXPECT_EQ(wait_for_exit(*run, 60s), 0) << read_text(cluster_.dir() / "run.log");
}

}  // namespace
}  // namespace traitctl::e2e::trait_views_tests
