// Results on stdout, logs on stderr, for every command: stdout holds only the
// result (a report, a plan, a table, a log, one JSON document with --json),
// so `traitctl run > report.txt` keeps the report; every line on stderr is a
// tagged log line. And the failure line of a run says where the job's log is.
#include <gtest/gtest.h>

#include <regex>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::streams_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

const std::regex kLogTag(R"(^\[(INFO|SUBMIT|SKIP|WAIT|SUCCESS|FAILED|WARN|ERROR|DRY-RUN|CAP|DEBUG)\] )");

// `traits` "": a command of one trait (describe, logs), which takes no --traits.
std::vector<std::string> batch_args(std::vector<std::string> args, const std::string& traits) {
  std::vector<std::string> batch{"--prefix", "io", "--project", "p"};
  if (!traits.empty()) {
    batch.insert(batch.end(), {"--traits", traits});
  }
  args.insert(args.end(), batch.begin(), batch.end());
  return args;
}

// Stdout holds no log line, stderr nothing else; `marker` is part of the result.
void expect_split(const CommandResult& result, const std::string& what, const std::string& marker) {
  EXPECT_NE(result.out.find(marker), std::string::npos) << what << " stdout:\n" << result.out;
  for (const std::string& line : lines_of(result.out)) {
    EXPECT_FALSE(std::regex_search(line, kLogTag)) << what << ": a log line on stdout: " << line;
  }
  for (const std::string& line : lines_of(result.err)) {
    EXPECT_TRUE(std::regex_search(line, kLogTag)) << what << ": not a log line on stderr: " << line;
  }
}

// With --json, stdout is one JSON document (json::parse rejects trailing text).
json expect_json(const CommandResult& result, const std::string& what) {
  json document;
  EXPECT_NO_THROW(document = json::parse(result.out)) << what << " stdout:\n" << result.out;
  for (const std::string& line : lines_of(result.err)) {
    EXPECT_TRUE(std::regex_search(line, kLogTag)) << what << ": not a log line on stderr: " << line;
  }
  return document;
}

// Batch io of project p, traits 2-4: io-2 fails with a configuration error
// (exit 1) every time, io-3 completes, io-4 fails once with a mount failure.
class Streams : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.write_config(json{{"pending_ms", 30},
                               {"running_ms", 100},
                               {"deleting_ms", 0},
                               {"plans", {{"io-2", {1, 1, 1}}, {"io-4", {2, 0}}}}});
  }

  CommandResult traitctl(std::vector<std::string> args, const std::string& traits = "2-4") const {
    return run_traitctl(cluster_, batch_args(std::move(args), traits), {}, 120s);
  }

  void submit_and_settle() const {
    const auto submitted = traitctl({"submit", "--yes"});
    ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
    expect_split(submitted, "submit", "Submitted: 3");
    ASSERT_TRUE(wait_until_ended(cluster_, {"io-2", "io-3", "io-4"}, 60s));
  }

  FakeCluster cluster_;
};

TEST_F(Streams, BatchCommandsPrintTheirReportOnStdoutAndLogOnStderr) {
  submit_and_settle();

  const auto plan = traitctl({"retry", "--dry-run", "--retry-delay", "1s"});
  EXPECT_EQ(plan.exit_code, 0) << plan.err;
  expect_split(plan, "retry --dry-run", "Would retry trait 4");
  const auto plan_json = traitctl({"retry", "--dry-run", "--retry-delay", "1s", "--json"});
  EXPECT_EQ(expect_json(plan_json, "retry --dry-run --json").at("would_retry"), json::array({4}));

  const auto retried = traitctl({"retry", "--yes", "--retry-delay", "1s", "--poll-interval", "0.1s"});
  EXPECT_EQ(retried.exit_code, 0) << retried.err;
  expect_split(retried, "retry", "Statistics:");
  ASSERT_TRUE(wait_until_ended(cluster_, {"io-4"}, 60s));

  const auto resubmitted = traitctl({"resubmit", "2", "--yes", "--poll-interval", "0.1s"});
  EXPECT_EQ(resubmitted.exit_code, 0) << resubmitted.err;
  expect_split(resubmitted, "resubmit", "Statistics:");
  ASSERT_TRUE(wait_until_ended(cluster_, {"io-2"}, 60s));
  const auto resubmitted_json = traitctl({"resubmit", "2", "--yes", "--json", "--poll-interval", "0.1s"});
  EXPECT_EQ(expect_json(resubmitted_json, "resubmit --json").at("resubmitted_manually"), json::array({2}));
  ASSERT_TRUE(wait_until_ended(cluster_, {"io-2"}, 60s));

  // `traitctl run > report.txt`: the report is all of stdout.
  const auto ran = traitctl({"run", "--yes", "--poll-interval", "0.1s", "--retry-delay", "1s"});
  EXPECT_EQ(ran.exit_code, 3) << ran.err;
  expect_split(ran, "run", "Statistics:");
  const auto ran_json =
      traitctl({"run", "--yes", "--poll-interval", "0.1s", "--retry-delay", "1s", "--json"});
  EXPECT_EQ(expect_json(ran_json, "run --json").at("command"), "run");
  const auto submit_json = traitctl({"submit", "--yes", "--json"});
  EXPECT_EQ(expect_json(submit_json, "submit --json").at("command"), "submit");
}

TEST_F(Streams, ViewsAndChecksPrintTheirResultOnStdout) {
  submit_and_settle();

  expect_split(traitctl({"status"}), "status", "io-2");
  EXPECT_TRUE(expect_json(traitctl({"status", "--json"}), "status --json").contains("rows"));
  expect_split(traitctl({"describe", "2"}, ""), "describe", "io-2");
  EXPECT_EQ(expect_json(traitctl({"describe", "2", "--json"}, ""), "describe --json").at("trait"), 2);
  // logs: stdout is the job's log byte for byte, as the cluster gives it.
  const auto log = traitctl({"logs", "2"}, "");
  EXPECT_EQ(log.exit_code, 0) << log.err;
  const auto from_cluster = run_fake_runai(cluster_, {"workspace", "logs", "io-2", "--project", "p"});
  ASSERT_EQ(from_cluster.exit_code, 0) << from_cluster.err;
  EXPECT_FALSE(log.out.empty());
  EXPECT_EQ(log.out, from_cluster.out);
  for (const std::string& line : lines_of(log.err)) {
    EXPECT_TRUE(std::regex_search(line, kLogTag)) << "logs: not a log line on stderr: " << line;
  }
  expect_split(traitctl({"cleanup", "--failed", "--dry-run"}), "cleanup --dry-run", "Would delete 2 jobs");
  EXPECT_EQ(expect_json(traitctl({"cleanup", "--failed", "--dry-run", "--json"}), "cleanup --dry-run --json")
                .at("selected")
                .size(),
            2U);
  expect_split(traitctl({"validate"}), "validate", " checks: ");
  EXPECT_EQ(expect_json(traitctl({"validate", "--json"}), "validate --json").at("command"), "validate");
  const auto cap = run_traitctl(cluster_, {"cap", "5", "--prefix", "io", "--project", "p"});
  EXPECT_EQ(cap.exit_code, 0) << cap.err;
  expect_split(cap, "cap", "set to 5");
  const auto cap_json = run_traitctl(cluster_, {"cap", "6", "--prefix", "io", "--project", "p", "--json"});
  EXPECT_EQ(cap_json.exit_code, 0) << cap_json.err;
  expect_json(cap_json, "cap --json");
}

// The failure line names the command that prints that attempt's log, and
// that command prints it.
TEST_F(Streams, TheFailureLineOfARunSaysWhereTheLogIs) {
  const auto ran = traitctl({"run", "--yes", "--poll-interval", "0.1s", "--max-retries", "1"}, "2-3");
  EXPECT_EQ(ran.exit_code, 3) << ran.err;
  const std::string line = "[FAILED] Trait 2 - job io-2 failed (Failed); log: traitctl logs 2 --attempt 1\n";
  EXPECT_NE(ran.err.find(line), std::string::npos) << ran.err;
  const auto log = traitctl({"logs", "2", "--attempt", "1"}, "");
  EXPECT_EQ(log.exit_code, 0) << log.err;
  EXPECT_FALSE(log.out.empty());
}

}  // namespace
}  // namespace traitctl::e2e::streams_tests
