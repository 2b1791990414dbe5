// The batch loop saving through the real store: after every save, what a
// reader loads from the batch database equals the loop's ledger. The store
// compares and writes only the traits the plan touched, so a change of a
// record made without BatchPlan::record (a retry count, an attempt's end)
// would be missing from the database and fail here.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/batch_folder.hpp"
#include "support/fake_backend.hpp"
#include "support/fake_clock.hpp"
#include "support/touched_saves.hpp"
#include "traitctl/core/batch_engine.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::batch_engine_store_tests {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using testing::FakeClock;

class BatchEngineStoreTest : public testing::BatchFolderTest {
 protected:
  void SetUp() override {
    BatchFolderTest::SetUp();
    cluster.tracked_prefix = "gwas";
    cluster.before_list = [](FakeBackend& fake) { fake.advance_all(); };
    PlanSettings& plan = request.plan;
    plan.prefix = "gwas";
    plan.traits = {2, 3, 4, 5, 6, 7};
    plan.max_concurrent = 2;
    plan.poll_interval = Duration{1'000};
    plan.confirm_interval = Duration{100};
    plan.stage.mode.submit_new = true;
    plan.stage.mode.retry_failures = true;
    plan.stage.mode.watch = true;
    plan.stage.policy.retry_delay = Duration{500};
    request.call_retry.delay = Duration{10};
    request.job_for = [](int trait, int attempt, const TraitRecord& /*record*/) {
      JobSpec spec;
      spec.name = job_name("gwas", trait);
      spec.trait = trait;
      spec.memory = "32G";
      spec.environment = {{"TRAITCTL_ATTEMPT", std::to_string(attempt)}};
      return spec;
    };
    request.save_ledger = [this](const Ledger& ledger, const std::set<int>& touched) -> Result<void> {
      auto saved = store_->save(ledger, touched);
      if (saved) {
        ++saves;
        expect_database_holds(ledger);
      }
      return saved;
    };
  }

  // A reader's view of the file, as `status` would load it.
  void expect_database_holds(const Ledger& ledger) {
    auto reader = LedgerStore::open(dir_, "team-a", "gwas");
    ASSERT_TRUE(reader.ok()) << reader.error().message;
    auto loaded = reader->load();
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    EXPECT_EQ(testing::differing_traits(*loaded, ledger), "") << "after save " << saves;
    EXPECT_EQ(loaded->learned_memory_tier, ledger.learned_memory_tier);
    EXPECT_EQ(loaded->cap, ledger.cap);
    EXPECT_EQ(loaded->first_submitted_at, ledger.first_submitted_at);
  }

  FakeBackend cluster;
  FakeClock clock;
  CancelToken cancel;
  BatchObserver observer;
  BatchRequest request;
  int saves = 0;
};

TEST_F(BatchEngineStoreTest, SubmitFailRetryCompleteKeepsTheDatabaseEqualToTheLedgerAfterEverySave) {
  cluster.plans["gwas-3"] = {2, 0};     // a mount failure, then success
  cluster.plans["gwas-5"] = {2, 2, 0};  // two of them
  cluster.evidence["gwas-3"] = FailureEvidence{2, std::nullopt, std::nullopt, std::nullopt, false};
  cluster.evidence["gwas-5"] = FailureEvidence{2, std::nullopt, std::nullopt, std::nullopt, false};
  auto ledger = store_->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;

  const BatchReport report = run_batch(cluster, clock, cancel, request, *ledger, observer);

  EXPECT_FALSE(report.fatal.has_value()) << report.fatal->message;
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5, 6, 7));
  EXPECT_THAT(report.retried, ElementsAre(3, 5, 5));
  EXPECT_GT(saves, 6);
  auto loaded = LedgerStore::open(dir_, "team-a", "gwas")->load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(loaded->traits.at(3).automatic_retries, 1);
  EXPECT_EQ(loaded->traits.at(5).automatic_retries, 2);
  ASSERT_EQ(loaded->traits.at(5).attempts.size(), 3U);
  EXPECT_EQ(loaded->traits.at(5).attempts[0].failure, FailureClass::Mount);
  EXPECT_EQ(loaded->traits.at(5).attempts[2].end, AttemptEnd::Succeeded);
  EXPECT_EQ(testing::differing_traits(*loaded, *ledger), "") << "the run's last change is on disk";
}

}  // namespace
}  // namespace traitctl::batch_engine_store_tests
