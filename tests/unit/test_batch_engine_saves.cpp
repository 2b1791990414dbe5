// When the batch loop saves: every submission and delete is on disk before
// its call (write-before-act), a cycle whose jobs end at once commits once,
// and a change never stays unsaved for long while the loop waits.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "support/fake_backend.hpp"
#include "support/fake_clock.hpp"
#include "support/touched_saves.hpp"
#include "traitctl/core/batch_engine.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::batch_engine_saves_tests {
namespace {

using ::testing::ElementsAre;
using testing::FakeBackend;
using testing::FakeClock;

// A cluster that checks each submission against what was saved when it was
// sent; `ends_at_once`: it says at once that something changed, as local
// processes that end in a moment do.
class CheckingCluster : public FakeBackend {
 public:
  explicit CheckingCluster(const Ledger& saved) : saved_(saved) {
    before_list = [](FakeBackend& fake) { fake.advance_all(); };
  }

  Result<SubmitReceipt> submit(const JobSpec& spec) override {
    const auto record = saved_.traits.find(spec.trait);
    if (record == saved_.traits.end() || !record->second.pending) {
      unsaved_submissions.push_back(spec.trait);
    }
    return FakeBackend::submit(spec);
  }

  bool wait_for_change(Clock& clock, Duration timeout, const CancelToken& cancel) override {
    if (!ends_at_once) {
      return FakeBackend::wait_for_change(clock, timeout, cancel);
    }
    clock.sleep_for(std::min(timeout, Duration{10}), cancel);
    return true;
  }

  bool ends_at_once = true;
  std::vector<int> unsaved_submissions;  // sent before their intent was saved

 private:
  const Ledger& saved_;
};

class BatchEngineSavesTest : public ::testing::Test {
 protected:
  BatchEngineSavesTest() {
    PlanSettings& plan = request.plan;
    plan.prefix = "x";
    plan.traits = {2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13};
    plan.max_concurrent = 3;
    plan.poll_interval = Duration{30'000};
    plan.stage.mode = BatchMode{true, true, true, {}, false, false, true};
    request.job_for = [](int trait, int /*attempt*/, const TraitRecord& /*record*/) {
      JobSpec spec;
      spec.name = job_name("x", trait);
      spec.trait = trait;
      return spec;
    };
    request.save_ledger = [this](const Ledger& ledger, const std::set<int>& touched) -> Result<void> {
      const Ledger before = saved;
      testing::save_touched(saved, ledger, touched);
      if (!(saved == before)) {
        writes.push_back(clock.now());
      }
      return {};
    };
  }

  BatchReport run() {
    Ledger ledger = saved;
    running_ = &ledger;
    BatchReport report = run_batch(cluster, clock, cancel, request, ledger, observer);
    EXPECT_TRUE(saved == ledger) << "unsaved at the end: " << testing::differing_traits(saved, ledger);
    return report;
  }

  Ledger saved{"p", "x", std::nullopt, {}, std::nullopt, std::nullopt};
  CheckingCluster cluster{saved};
  FakeClock clock;
  CancelToken cancel;
  BatchObserver observer;
  BatchRequest request;
  std::vector<TimePoint> writes;     // when a save changed what is on disk
  const Ledger* running_ = nullptr;  // the loop's ledger while it runs
};

TEST_F(BatchEngineSavesTest, ACycleWhoseJobsEndAtOnceWritesOnce) {
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13));
  EXPECT_TRUE(cluster.unsaved_submissions.empty()) << "sent before saved: " << cluster.unsaved_submissions[0];
  // Each cycle's intents carry the previous cycle's answers and what its
  // listing showed; the last cycle's go with the end of the run.
  EXPECT_LE(writes.size(), static_cast<std::size_t>(report.listings) + 1) << report.listings << " listings";
}

TEST_F(BatchEngineSavesTest, NothingStaysUnsavedThroughALongWait) {
  cluster.ends_at_once = false;  // a remote CLI: every wait lasts its whole slice
  request.plan.traits = {2, 3};
  request.plan.max_concurrent = 1;
  int listings = 0;
  cluster.before_list = [&](FakeBackend& fake) {
    fake.advance_all();
    // A reader during the 30 s wait before this listing saw all the last
    // cycle did: its answers and what its listing showed.
    if (listings++ > 0) {
      EXPECT_TRUE(saved == *running_)
          << "unsaved through the wait: " << testing::differing_traits(saved, *running_);
    }
  };
  const BatchReport report = run();
  EXPECT_THAT(report.completed, ElementsAre(2, 3));
  EXPECT_GT(listings, 3);
  EXPECT_TRUE(cluster.unsaved_submissions.empty());
}

}  // namespace
}  // namespace traitctl::batch_engine_saves_tests
