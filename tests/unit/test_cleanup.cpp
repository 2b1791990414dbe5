// Which jobs `traitctl cleanup` deletes, and how it deletes them.
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "traitctl/core/cleanup.hpp"

namespace traitctl {
namespace {

std::vector<std::string> names_of(const std::vector<BatchJob>& jobs) {
  std::vector<std::string> names;
  names.reserve(jobs.size());
  for (const auto& job : jobs) {
    names.push_back(job.name);
  }
  return names;
}

// One job of the batch per state class, plus names that only look like members.
const std::vector<Workload> listing{
    {"b-2", "Failed"},       {"b-3", "Completed"}, {"b-4", "Running"},   {"b-5", "Stopped"},
    {"b-6", "Pending"},      {"b-7", "TimedOut"},  {"b-8", "Succeeded"}, {"b-9", "Throttled"},
    {"b-extra-5", "Failed"}, {"bb-5", "Failed"},   {"b-010", "Failed"},  {"other-2", "Completed"},
    {"b-", "Failed"},        {"b-x", "Completed"},
};

struct Case {
  const char* label;
  CleanupClasses classes;
  std::vector<std::string> expected;
};

class Selection : public ::testing::TestWithParam<Case> {};

TEST_P(Selection, TakesOnlyTheChosenClassesOfTheBatch) {
  const Case& c = GetParam();
  const auto selected = select_for_cleanup(view_batch("b", listing), {2, 3, 4, 5, 6, 7, 8, 9, 10}, c.classes);
  EXPECT_EQ(names_of(selected), c.expected);
}

INSTANTIATE_TEST_SUITE_P(
    Cleanup, Selection,
    ::testing::Values(
        Case{"Nothing", {}, {}}, Case{"Failed", {.failed = true}, {"b-2", "b-7"}},
        Case{"Completed", {.completed = true}, {"b-3", "b-8"}}, Case{"Stopped", {.stopped = true}, {"b-5"}},
        Case{"FailedAndCompleted", {.failed = true, .completed = true}, {"b-2", "b-3", "b-7", "b-8"}},
        // Unknown words such as Throttled count as active: never deleted on a guess.
        Case{"FailedAndActive", {.failed = true, .active = true}, {"b-2", "b-4", "b-6", "b-7", "b-9"}},
        Case{"Everything",
             {.failed = true, .completed = true, .stopped = true, .active = true},
             {"b-2", "b-3", "b-4", "b-5", "b-6", "b-7", "b-8", "b-9"}}),
    [](const ::testing::TestParamInfo<Case>& param_info) { return std::string(param_info.param.label); });

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
  EXPECT_EQ(selected[0].status, "TimedOut");
  EXPECT_EQ(selected[0].status_class, StatusClass::Failed);
}

std::vector<BatchJob> jobs_named(std::initializer_list<const char*> names) {
  std::vector<BatchJob> jobs;
  int trait = 2;
  for (const char* name : names) {
    jobs.push_back({trait++, name, "Failed", StatusClass::Failed});
  }
  return jobs;
}

// A backend whose remove fails for chosen names and may ask to stop.
class DeletingBackend : public testing::FakeBackend {
 public:
  Result<DeleteOutcome> remove(const std::string& name) override {
    if (name == stop_after) {
      cancel->request_stop();
    }
    if (name == failing) {
      deleted.push_back(name);
      return make_error(ErrorKind::Backend,
                        "`runai workspace delete {}` failed (exit 1): Something went wrong", name);
    }
    return FakeBackend::remove(name);
  }
  std::string failing;
  std::string stop_after;
  CancelToken* cancel = nullptr;
};

TEST(DeleteJobs, CountsDeletedGoneAndFailed) {
  DeletingBackend backend;
  backend.jobs = {{"b-2", {"Failed"}}, {"b-4", {"Failed"}}};
  backend.failing = "b-4";
  CancelToken cancel;
  std::vector<std::string> observed;
  const auto report = delete_jobs(backend, cancel, jobs_named({"b-2", "b-3", "b-4"}),
                                  [&](const BatchJob& job, const Result<DeleteOutcome>& outcome) {
                                    observed.push_back(job.name + (outcome ? "" : " failed"));
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
}  // namespace traitctl
