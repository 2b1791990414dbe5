// The batch engine's promises through the built traitctl, against a fake runai
// that lies the way real clusters do: delete answers lost while the delete
// took effect, listings that lag behind submits, other users' jobs ending
// between the pages of one listing, a job someone stopped, a call that hangs
// when Ctrl-C comes. Whatever it answers, by the fake's own record: no trait
// lost, no job twice, the cap held, and the --json report equal to what the
// cluster holds.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::truth_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kProject = "p";

struct Batch {
  std::string prefix;
  int first = 2;
  int last = 9;
  int cap = 3;

  [[nodiscard]] std::string name(int trait) const { return fmt::format("{}-{}", prefix, trait); }
  [[nodiscard]] std::vector<int> traits() const {
    std::vector<int> all;
    for (int trait = first; trait <= last; ++trait) {
      all.push_back(trait);
    }
    return all;
  }
  [[nodiscard]] std::vector<std::string> names() const {
    std::vector<std::string> all;
    for (int trait : traits()) {
      all.push_back(name(trait));
    }
    return all;
  }
  // `command` (submit, run) over the batch with short intervals and a JSON report.
  [[nodiscard]] std::vector<std::string> args(const std::string& command,
                                              std::vector<std::string> extra = {}) const {
    std::vector<std::string> all{command,
                                 "--prefix",
                                 prefix,
                                 "--project",
                                 kProject,
                                 "--traits",
                                 fmt::format("{}-{}", first, last),
                                 "--max-concurrent",
                                 std::to_string(cap),
                                 "--poll-interval",
                                 "0.1s",
                                 "--yes",
                                 "--json"};
    if (command != "submit") {
      all.insert(all.end(), {"--retry-delay", "1s"});
    }
    all.insert(all.end(), extra.begin(), extra.end());
    return all;
  }
  [[nodiscard]] json plans(const std::map<int, std::vector<int>>& codes) const {
    json plans = json::object();
    for (const auto& [trait, exits] : codes) {
      plans[name(trait)] = exits;
    }
    return plans;
  }
};

json report_of(const CommandResult& result) {
  json report;
  EXPECT_NO_THROW(report = json::parse(result.out)) << "stdout is not one JSON document:\n"
                                                    << result.out << result.err;
  return report;
}

// Traits of the batch whose latest job the fake holds in `status` now.
std::vector<int> traits_in(const FakeCluster& cluster, const Batch& batch, const std::string& status) {
  std::vector<int> found;
  for (int trait : batch.traits()) {
    if (cluster.current_status(batch.name(trait)) == status) {
      found.push_back(trait);
    }
  }
  return found;
}

// Traits the fake created a job for since `before` (creations_per_name then).
std::vector<int> created_since(const FakeCluster& cluster, const Batch& batch,
                               const std::map<std::string, int>& before) {
  std::vector<int> created;
  const auto now = cluster.creations_per_name();
  for (int trait : batch.traits()) {
    const auto was = before.find(batch.name(trait));
    const auto is = now.find(batch.name(trait));
    if (is != now.end() && is->second > (was == before.end() ? 0 : was->second)) {
      created.push_back(trait);
    }
  }
  return created;
}

// Every trait created as often as `creations` says (1 where it does not
// name it), attempts and ledger agreeing, never above the cap.
void expect_no_job_twice_and_cap_held(const FakeCluster& cluster, const Batch& batch,
                                      std::map<int, int> creations = {}) {
  for (int trait : batch.traits()) {
    creations.try_emplace(trait, 1);
  }
  for (const auto& problem : attempt_problems(cluster, kProject, batch.prefix, creations)) {
    ADD_FAILURE() << problem << '\n' << read_ledger(cluster, kProject, batch.prefix).dump(2);
  }
  EXPECT_LE(cluster.max_in_flight(batch.prefix), batch.cap);
}

// run's report against the fake: what completed and what was stopped is
// what the cluster holds, and no trait is without a job.
void expect_run_report_is_the_truth(const FakeCluster& cluster, const Batch& batch, const json& report) {
  for (int trait : batch.traits()) {
    EXPECT_NE(cluster.current_status(batch.name(trait)), "") << batch.name(trait) << " is lost";
  }
  EXPECT_EQ(ints(report.at("completed")), traits_in(cluster, batch, "Completed")) << report.dump(2);
  EXPECT_EQ(ints(report.at("stopped")), traits_in(cluster, batch, "Stopped")) << report.dump(2);
  EXPECT_EQ(report.at("total"), batch.traits().size());
  EXPECT_EQ(report.at("interrupted"), false);
}

// Every trait Completed at the end, the report the fake's truth, no job
// twice and the cap held.
void expect_batch_completed(const FakeCluster& cluster, const Batch& batch, const json& report,
                            std::map<int, int> creations = {}) {
  EXPECT_EQ(traits_in(cluster, batch, "Completed"), batch.traits());
  expect_run_report_is_the_truth(cluster, batch, report);
  expect_no_job_twice_and_cap_held(cluster, batch, std::move(creations));
}

// The report of `traitctl run` over the batch, which must end with exit 0.
json report_of_finished_run(const FakeCluster& cluster, const Batch& batch) {
  const auto result = run_traitctl(cluster, batch.args("run"), {}, 120s);
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  return report_of(result);
}

// (a) The first delete of each retried job takes effect but answers a client
// timeout; the immediate retry of that delete finds the job Deleting and says
// "no workload was found"; the old job lingers Deleting for a while. Every
// trait still completes, with exactly one resubmission each.
TEST(Truth, LostDeleteAnswersDuringRetriesLoseNoTrait) {
  const Batch batch{"ld", 2, 9, 3};
  const std::map<int, std::vector<int>> mount_then_success{{3, {2, 0}}, {5, {2, 0}}, {8, {2, 0}}};
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30},
                        {"running_ms", 150},
                        {"deleting_ms", 1'500},
                        {"plans", batch.plans(mount_then_success)},
                        {"lost_deletes", {batch.name(3), batch.name(5), batch.name(8)}}});
  const json report = report_of_finished_run(cluster, batch);
  EXPECT_EQ(cluster.count_answers("lost_delete"), 3) << "the fault did not happen";
  EXPECT_GE(cluster.count_answers("still_deleting"), 1) << "no delete met a lingering Deleting job";
  EXPECT_EQ(ints(report.at("retried")), (std::vector<int>{3, 5, 8})) << report.dump(2);
  EXPECT_EQ(ints(report.at("succeeded_after_retry")), (std::vector<int>{3, 5, 8})) << report.dump(2);
  EXPECT_TRUE(report.at("resubmission_failures").empty()) << report.dump(2);
  expect_batch_completed(cluster, batch, report, {{3, 2}, {5, 2}, {8, 2}});
}

// (b) New workloads appear in listings 1.5 s late. `submit` creates each job
// once and reports each as submitted; a `run` right after holds the slots of
// the submissions `submit` recorded and its listings do not show yet, sends
// none of them again, and reports them existing once listed.
TEST(Truth, ListingsThatLagBehindSubmitsMakeNoJobTwiceForSubmitThenRun) {
  const Batch batch{"lg", 2, 11, 4};
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30}, {"running_ms", 300}, {"list_lag_ms", 1'500}});
  const auto submitted = run_traitctl(cluster, batch.args("submit"), {}, 120s);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.out << submitted.err;
  const json submit_report = report_of(submitted);
  EXPECT_EQ(ints(submit_report.at("submitted")), batch.traits()) << submit_report.dump(2);
  EXPECT_TRUE(submit_report.at("skipped").empty()) << submit_report.dump(2);
  expect_no_job_twice_and_cap_held(cluster, batch);

  const auto before_run = cluster.creations_per_name();
  const int submits_before_run = cluster.count_calls("submit");
  const std::size_t calls_before_run = cluster.calls().size();
  const json report = report_of_finished_run(cluster, batch);
  EXPECT_TRUE(created_since(cluster, batch, before_run).empty()) << "run created a job submit had made";
  EXPECT_EQ(cluster.count_calls("submit"), submits_before_run) << "run sent a submit for a name submit made";
  EXPECT_TRUE(report.at("submitted").empty()) << "already exists counted as a submission\n" << report.dump(2);
  EXPECT_EQ(ints(report.at("existing")), batch.traits()) << report.dump(2);
  // run's first listing came while submit's last job was still hidden by the lag.
  const auto calls = cluster.calls();
  ASSERT_GT(calls.size(), calls_before_run);
  std::int64_t last_created = 0;
  const json state = cluster.state();
  for (const auto& w : state.at("history")) {
    last_created = std::max(last_created, w.at("created_ms").get<std::int64_t>());
  }
  EXPECT_LT(calls[calls_before_run].at("t_ms").get<std::int64_t>(), last_created + 1'500)
      << "no listing lagged when run started: the case proves nothing";
  expect_batch_completed(cluster, batch, report);
}

TEST(Truth, ListingsThatLagBehindSubmitsMakeNoJobTwiceForRun) {
  const Batch batch{"lr", 2, 13, 3};
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30}, {"running_ms", 200}, {"list_lag_ms", 1'000}});
  const json report = report_of_finished_run(cluster, batch);
  EXPECT_EQ(ints(report.at("submitted")), batch.traits()) << report.dump(2);
  EXPECT_TRUE(report.at("existing").empty()) << report.dump(2);
  EXPECT_EQ(cluster.count_calls("submit"), static_cast<int>(batch.traits().size()))
      << "a name this run submitted was submitted again";
  expect_batch_completed(cluster, batch, report);
}

// Lost answers (FORMATS.md: "a submit that says failed may have created the
// job"): the fake creates the job and answers with a Go client timeout.
// Every job the batch needs once, no healthy job deleted, the cap held, and
// the report's lists what the fake recorded.
void expect_no_healthy_job_deleted(const FakeCluster& cluster, const Batch& batch) {
  for (const auto& deleted : healthy_jobs_deleted(cluster, batch.prefix)) {
    ADD_FAILURE() << "a healthy job was deleted: " << deleted;
  }
}

// (a) 10% of submit answers lost: `submit --json` reports every job it
// created as submitted, none as already there.
TEST(Truth, SubmissionsWhoseAnswersWereLostAreReportedAsSubmitted) {
  const Batch batch{"ls", 2, 31, 8};
  FakeCluster cluster;
  cluster.write_config(
      {{"pending_ms", 30}, {"running_ms", 200}, {"faults", {{"seed", 19}, {"lost_submit_rate", 0.1}}}});
  const auto result = run_traitctl(cluster, batch.args("submit"), {}, 90s);
  ASSERT_EQ(result.exit_code, 0) << result.out << result.err;
  const json report = report_of(result);
  EXPECT_GE(cluster.count_answers("lost_submit"), 2) << "too few answers lost: the case proves little";
  EXPECT_EQ(ints(report.at("submitted")), created_since(cluster, batch, {})) << report.dump(2);
  EXPECT_EQ(ints(report.at("submitted")), batch.traits()) << report.dump(2);
  EXPECT_TRUE(report.at("skipped").empty()) << "a job this run created reported as there before\n"
                                            << report.dump(2);
  expect_no_job_twice_and_cap_held(cluster, batch);
  expect_no_healthy_job_deleted(cluster, batch);
}

// (b) Every resubmission's answer lost: a trait whose first job failed with a
// mount failure ends with exactly two jobs, its resubmitted job adopted,
// never deleted, counted once.
TEST(Truth, ResubmissionsWhoseAnswersWereLostAreAdoptedNeverDeleted) {
  const Batch batch{"lr2", 2, 9, 3};
  const std::map<int, std::vector<int>> mount_then_success{{3, {2, 0}}, {5, {2, 0}}, {8, {2, 0}}};
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30},
                        {"running_ms", 200},
                        {"list_lag_ms", 300},
                        {"plans", batch.plans(mount_then_success)},
                        {"lost_resubmits", true}});
  const json report = report_of_finished_run(cluster, batch);
  EXPECT_EQ(cluster.count_answers("lost_submit"), 3) << "the fault did not happen";
  expect_no_healthy_job_deleted(cluster, batch);
  EXPECT_EQ(cluster.count_calls("delete"), 3) << "one delete per failed job, none of a resubmitted one";
  EXPECT_EQ(ints(report.at("retried")), (std::vector<int>{3, 5, 8})) << report.dump(2);
  EXPECT_EQ(ints(report.at("succeeded_after_retry")), (std::vector<int>{3, 5, 8})) << report.dump(2);
  EXPECT_EQ(ints(report.at("submitted")), batch.traits()) << report.dump(2);
  EXPECT_TRUE(report.at("resubmission_failures").empty()) << report.dump(2);
  expect_batch_completed(cluster, batch, report, {{3, 2}, {5, 2}, {8, 2}});
}

// (c) Other users' jobs come first in the listing, ten of them ending before
// each list call: the listing takes two or three --limit/--offset pages, and
// the batch's rows, which start astride the second page's end, drift across
// the page boundaries as the run goes on. The cap is never exceeded.
TEST(Truth, OtherUsersJobsChurningAcrossPagesNeverBreakTheCap) {
  const Batch batch{"ch", 2, 19, 4};
  constexpr int kOthers = 1'895;  // runai_backend's pages: 1000 rows at offsets 0, 900, 1800
  constexpr int kVanishPerCall = 10;
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30},
                        {"running_ms", 400},
                        {"other_churn", {{"count", kOthers}, {"vanish_per_list_call", kVanishPerCall}}}});
  const json report = report_of_finished_run(cluster, batch);
  EXPECT_GE(cluster.state().at("list_calls").get<int>() * kVanishPerCall, 1'900 + 18 - kOthers)
      << "the batch's rows never all crossed the page boundary: the case proves less";
  EXPECT_GE(cluster.count_calls("list"), 3);
  EXPECT_EQ(ints(report.at("submitted")), batch.traits()) << report.dump(2);
  EXPECT_TRUE(report.at("vanished").empty()) << report.dump(2);
  expect_batch_completed(cluster, batch, report);
}

// (d) Someone stops one trait's job: it never completed, so run ends 3 and
// names it, and does not replace it.
TEST(Truth, RunExits3WhenATraitsJobEndsStopped) {
  const Batch batch{"st", 2, 5, 2};
  FakeCluster cluster;
  cluster.write_config({{"pending_ms", 30}, {"running_ms", 150}, {"stopped", {batch.name(3)}}});
  const auto result = run_traitctl(cluster, batch.args("run"), {}, 120s);
  EXPECT_EQ(result.exit_code, 3) << result.out << result.err;
  const json report = report_of(result);
  EXPECT_EQ(cluster.current_status(batch.name(3)), "Stopped");
  EXPECT_EQ(ints(report.at("stopped")), std::vector<int>{3}) << report.dump(2);
  EXPECT_EQ(ints(report.at("completed")), (std::vector<int>{2, 4, 5})) << report.dump(2);
  EXPECT_TRUE(report.at("retried").empty()) << report.dump(2);
  expect_run_report_is_the_truth(cluster, batch, report);
  expect_no_job_twice_and_cap_held(cluster, batch);
}

// (e) Ctrl-C while a runai call hangs, with the default-sized --runai-timeout:
// traitctl stops the call and exits 130 within 5 s, its state files whole,
// and the same command run again finishes the batch once.
class SigintDuringAHang : public ::testing::Test {
 protected:
  // Starts `run`, waits until calls.jsonl records a hung call tagged `answer`
  // (or any hung call when ""), then interrupts it.
  void interrupt_when_hung(const std::string& answer) {
    const auto log = cluster.dir() / "interrupted.log";
    auto child = start_traitctl(cluster, batch.args("run", {"--runai-timeout", "120s"}), log);
    ASSERT_TRUE(child.ok()) << child.error().message;
    const auto hung = [&] {
      const auto calls = cluster.calls();
      return std::any_of(calls.begin(), calls.end(), [&](const json& call) {
        return call.at("exit").is_null() && (answer.empty() || call.value("answer", "") == answer);
      });
    };
    ASSERT_TRUE(wait_for([&] { return hung() || child->poll().has_value(); }));
    ASSERT_TRUE(hung()) << "no call hung\n" << read_text(log);
    std::this_thread::sleep_for(200ms);  // the signal lands inside the hang, which lasts until killed
    ASSERT_FALSE(child->poll().has_value()) << read_text(log);
    ASSERT_EQ(::kill(child->pid(), SIGINT), 0);
    const auto interrupted_at = std::chrono::steady_clock::now();
    EXPECT_EQ(wait_for_exit(*child, 90s), 130) << read_text(log);
    // Far below the 120 s --runai-timeout: the stop cut the hung call short.
    const auto took = std::chrono::steady_clock::now() - interrupted_at;
    EXPECT_LT(took, 60s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms\n"
                         << read_text(log);
    for (const auto& problem : state_dir_problems(cluster)) {
      ADD_FAILURE() << "after the interruption: " << problem;
    }
  }

  // The same run again, without hangs, finishes the batch once.
  void expect_rerun_finishes(const json& config, const std::map<int, int>& creations) {
    cluster.release_held_jobs();
    cluster.write_config(config);
    const auto rerun = run_traitctl(cluster, batch.args("run"), {}, 120s);
    ASSERT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
    for (const auto& problem : state_dir_problems(cluster)) {
      ADD_FAILURE() << "after the rerun: " << problem;
    }
    EXPECT_EQ(traits_in(cluster, batch, "Completed"), batch.traits());
    expect_no_job_twice_and_cap_held(cluster, batch, creations);
  }

  Batch batch{"hg", 2, 7, 3};
  FakeCluster cluster;
};

TEST_F(SigintDuringAHang, ADeleteThatHangsAfterTakingEffect) {
  const json config{{"pending_ms", 30},
                    {"running_ms", 150},
                    {"plans", batch.plans({{4, {2, 0}}})},
                    {"lost_deletes", {batch.name(4)}},
                    {"faults", {{"lost_delete_hang", true}}}};
  cluster.write_config(config);
  ASSERT_NO_FATAL_FAILURE(interrupt_when_hung("lost_delete"));
  // The cut-short delete is reconciled from the listings: one resubmission.
  expect_rerun_finishes(config, {{4, 2}});
}

TEST_F(SigintDuringAHang, WhicheverCallHangsNext) {
  // Held until the rerun, so the batch cannot end before the calls hang.
  json config{{"pending_ms", 30}, {"running_ms", 400}, {"hold", true}};
  cluster.write_config(config);
  // Every call from the moment the first jobs exist hangs.
  std::jthread switcher([&] {
    (void)wait_for([&] { return cluster.count_calls("submit") >= 2; });
    json hanging = config;
    hanging["faults"] = {{"hang_rate", 1.0}};
    cluster.write_config(hanging);
  });
  ASSERT_NO_FATAL_FAILURE(interrupt_when_hung(""));
  switcher.join();
  expect_rerun_finishes(config, {});
}

}  // namespace
}  // namespace traitctl::e2e::truth_tests
