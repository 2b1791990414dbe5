// Which jobs `traitctl cleanup` deletes, and how it deletes them.
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "traitctl/core/cleanup.hpp"

namespace traitctl::cleanup_tests {
namespace {

std::vector<std::string> names_of(const std::vector<CleanupTarget>& targets) {
  std::vector<std::string> names;
  names.reserve(targets.size());
  for (const auto& target : targets) {
    names.push_back(target.job.name);
  }
  return names;
}

Workload job(const char* name, JobState state, const char* status) { return {name, state, status, "", ""}; }

// One job of the batch per state, plus names that only look like members.
const std::vector<Workload> listing{
    job("b-2", JobState::Failed, "Failed"),           job("b-3", JobState::Succeeded, "Completed"),
    job("b-4", JobState::Running, "Running"),         job("b-5", JobState::Stopped, "Stopped"),
    job("b-6", JobState::Pending, "Pending"),         job("b-7", JobState::Failed, "TimedOut"),
    job("b-8", JobState::Succeeded, "Succeeded"),     job("b-9", JobState::Unknown, "Throttled"),
    job("b-10", JobState::Deleting, "Deleting"),      job("b-extra-5", JobState::Failed, "Failed"),
    job("bb-5", JobState::Failed, "Failed"),          job("b-010", JobState::Failed, "Failed"),
    job("other-2", JobState::Succeeded, "Completed"), job("b-", JobState::Failed, "Failed"),
    job("b-x", JobState::Succeeded, "Completed"),
};

struct SelectionCase {
  const char* label;
  CleanupClasses classes;
  std::vector<std::string> expected;
};

class Selection : public ::testing::TestWithParam<SelectionCase> {};

TEST_P(Selection, TakesOnlyTheChosenClassesOfTheBatch) {
  const SelectionCase& c = GetParam();
  const auto selected = select_for_cleanup(view_batch("b", listing), {2, 3, 4, 5, 6, 7, 8, 9, 10}, c.classes);
  EXPECT_EQ(names_of(selected), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cleanup, Selection,
    ::testing::Values(
        SelectionCase{"Nothing", {}, {}}, SelectionCase{"Failed", {.failed = true}, {"b-2", "b-7"}},
        SelectionCase{"Completed", {.completed = true}, {"b-3", "b-8"}}, SelectionCase{"Stopped", {.stopped = true}, {"b-5"}},
        SelectionCase{"FailedAndCompleted", {.failed = true, .completed = true}, {"b-2", "b-3", "b-7", "b-8"}},
        // Unknown words such as Throttled count as active: never deleted on a
        // guess; a job already Deleting is never deleted again.
        SelectionCase{"FailedAndActive", {.failed = true, .active = true}, {"b-2", "b-4", "b-6", "b-7", "b-9"}},
        SelectionCase{"Everything",
             {.failed = true, .completed = true, .stopped = true, .active = true},
             {"b-2", "b-3", "b-4", "b-5", "b-6", "b-7", "b-8", "b-9"}}),
    [](const ::testing::TestParamInfo<SelectionCase>& param_info) { return std::string(param_info.param.label); });

TEST(SelectForCleanup, StaysWithinTheTraits) {
  const CleanupClasses all{.failed = true, .completed = true, .stopped = true, .active = true};
  EXPECT_EQ(names_of(select_for_cleanup(view_batch("b", listing), {8, 3, 100}, all)),
            (std::vector<std::string>{"b-3", "b-8"}));
  EXPECT_TRUE(select_for_cleanup(view_batch("b", listing), {}, all).empty());
}

TEST(SelectForCleanup, KeepsTheStatusForTheReport) {
  const auto selected = select_for_cleanup(view_batch("b", listing), {7}, {.failed = true});
  ASSERT_EQ(selected.size(), 1U);
  EXPECT_EQ(selected[0].trait, 7);
  EXPECT_EQ(selected[0].job.status, "TimedOut");
  EXPECT_EQ(selected[0].job.state, JobState::Failed);
}

std::vector<CleanupTarget> jobs_named(std::initializer_list<const char*> names) {
  std::vector<CleanupTarget> targets;
  int trait = 2;
  for (const char* name : names) {
    targets.push_back({trait++, job(name, JobState::Failed, "Failed")});
  }
  return targets;
}

// A backend whose remove fails for chosen names and may ask to stop.
class DeletingBackend : public testing::FakeBackend {
 public:
  Result<DeleteOutcome> remove(const Workload& job) override {
    const std::string& name = job.name;
    if (name == stop_after) {
      cancel->request_stop();
    }
    if (name == failing) {
      deleted.push_back(name);
      return make_error(ErrorKind::Backend,
                        "`runai workspace delete {}` failed (exit 1): Something went wrong", name);
    }
    return FakeBackend::remove(job);
  }
  std::string failing;
  std::string stop_after;
  CancelToken* cancel = nullptr;
};

TEST(DeleteJobs, CountsDeletedGoneAndFailed) {
  DeletingBackend backend;
  backend.jobs = {{"b-2", "1", JobState::Failed, 1, 0, 0}, {"b-4", "2", JobState::Failed, 1, 0, 0}};
  backend.failing = "b-4";
  CancelToken cancel;
  std::vector<std::string> observed;
  const auto report = delete_jobs(backend, cancel, jobs_named({"b-2", "b-3", "b-4"}),
                                  [&](const CleanupTarget& target, const Result<DeleteOutcome>& outcome) {
                                    observed.push_back(target.job.name + (outcome ? "" : " failed"));
                                  });
  EXPECT_EQ(report.deleted, std::vector<std::string>{"b-2"});
  EXPECT_EQ(report.already_gone, std::vector<std::string>{"b-3"});
  ASSERT_EQ(report.failed.size(), 1U);
  EXPECT_NE(report.failed.at("b-4").find("Something went wrong"), std::string::npos);
  EXPECT_TRUE(report.not_attempted.empty());
  EXPECT_FALSE(report.interrupted());
  EXPECT_EQ(observed, (std::vector<std::string>{"b-2", "b-3", "b-4 failed"}));
  EXPECT_EQ(backend.deleted, (std::vector<std::string>{"b-2", "b-3", "b-4"}));
}

TEST(DeleteJobs, StopsBetweenDeletionsWhenAsked) {
  DeletingBackend backend;
  CancelToken cancel;
  backend.cancel = &cancel;
  backend.stop_after = "b-3";
  const auto report = delete_jobs(backend, cancel, jobs_named({"b-2", "b-3", "b-4", "b-5"}), {});
  EXPECT_EQ(backend.deleted, (std::vector<std::string>{"b-2", "b-3"})) << "the call in flight finishes";
  EXPECT_EQ(report.not_attempted, (std::vector<std::string>{"b-4", "b-5"}));
  EXPECT_TRUE(report.interrupted());
}

TEST(DeleteJobs, DeletesNothingWhenStoppedBeforeStarting) {
  testing::FakeBackend backend;
  CancelToken cancel;
  cancel.request_stop();
  const auto report = delete_jobs(backend, cancel, jobs_named({"b-2"}), {});
  EXPECT_TRUE(backend.deleted.empty());
  EXPECT_EQ(report.not_attempted, std::vector<std::string>{"b-2"});
}

}  // namespace
}  // namespace traitctl::cleanup_tests
