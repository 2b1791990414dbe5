// The batch loop's use of what the cluster knows of each attempt: its facts
// kept on the attempt's record and told with its end, the memory tier the
// batch learns from out-of-memory failures, and suspect nodes avoided.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "support/fake_backend.hpp"
#include "support/fake_clock.hpp"
#include "support/touched_saves.hpp"
#include "traitctl/core/batch_engine.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl::batch_engine_facts_tests {
namespace {

using testing::FakeBackend;
using testing::FakeClock;

const std::vector<std::string> ladder_tiers{"32G", "64G", "96G"};

// Every listing moves each job one step. A job asking less memory than its
// trait needs runs out of it; jobs on the node `bad` fail their mounts.
class FactsCluster : public FakeBackend {
 public:
  FactsCluster() {
    before_list = [](FakeBackend& fake) { fake.advance_all(); };
  }

  Result<SubmitReceipt> submit(const JobSpec& spec) override {
    const auto need = needs.find(spec.name);
    const bool short_of = need != needs.end() && *parse_memory(spec.memory) < *parse_memory(need->second);
    const int attempt = creations[spec.name] + 1;
    const bool on_bad = bad_attempts.contains(spec.name + "#" + std::to_string(attempt));
    plans[spec.name].resize(static_cast<std::size_t>(attempt), 0);
    plans[spec.name].back() = on_bad ? 2 : short_of ? 137 : 0;
    return FakeBackend::submit(spec);
  }

  Result<FailureEvidence> failure_evidence(const Workload& job) override {
    const int code = planned_code(*find(job.name));
    return FailureEvidence{
        code, std::nullopt, code == 137 ? std::optional<std::string>("OOMKilled") : std::nullopt,
        code == 2 ? std::optional<std::string>("INFRASTRUCTURE MOUNT FAILURE") : std::nullopt, false};
  }

  Result<AttemptFacts> attempt_facts(const Workload& job) override {
    ++facts_calls;
    const Job* found = find(job.name);
    AttemptFacts facts;
    facts.node = bad_attempts.contains(job.name + "#" + std::to_string(found->attempt)) ? "bad" : "good";
    facts.peak_memory_bytes = 1'000'000'000LL * found->attempt;
    facts.started_at = TimePoint{std::chrono::seconds{100}};
    return facts;
  }

  std::map<std::string, std::string> needs;  // job name -> the memory it needs
  std::set<std::string> bad_attempts;        // "name#attempt" placed on the bad node
  int facts_calls = 0;
};

class FactsObserver : public BatchObserver {
 public:
  void on_event(const BatchEvent& event) override { events.push_back(event); }
  [[nodiscard]] std::vector<BatchEvent> of(EventKind kind) const {
    std::vector<BatchEvent> found;
    std::copy_if(events.begin(), events.end(), std::back_inserter(found),
                 [kind](const BatchEvent& event) { return event.kind == kind; });
    return found;
  }
  std::vector<BatchEvent> events;
};

class BatchEngineFactsTest : public ::testing::Test {
 protected:
  BatchEngineFactsTest() {
    PlanSettings& plan = request.plan;
    plan.prefix = "x";
    for (int trait = 2; trait <= 13; ++trait) {
      plan.traits.push_back(trait);
    }
    plan.max_concurrent = 4;
    plan.poll_interval = Duration{1'000};
    plan.confirm_interval = Duration{100};
    plan.stage.unlisted_grace = Duration{10'000};
    plan.stage.delete_grace = Duration{5'000};
    plan.stage.mode.submit_new = true;
    plan.stage.mode.retry_failures = true;
    plan.stage.mode.watch = true;
    plan.stage.policy.memory_steps = 2;
    plan.stage.policy.retry_delay = Duration{0};
    request.call_retry.delay = Duration{10};
    request.parallel_submits = 1;
    request.memory_tiers = ladder_tiers;
    request.learning = MemoryLearningPolicy{true, 2, 0.25};
    request.job_for = [](int trait, int /*attempt*/, const TraitRecord& record) {
      JobSpec spec;
      spec.name = job_name("x", trait);
      spec.trait = trait;
      spec.memory = ladder_tiers[static_cast<std::size_t>(std::min(record.oom_retries, 2))];
      return spec;
    };
    request.save_ledger = [this](const Ledger& saved, const std::set<int>& touched) -> Result<void> {
      testing::save_touched(persisted, saved, touched);
      return {};
    };
  }

  BatchReport run() {
    Ledger ledger = persisted;
    return run_batch(cluster, clock, cancel, request, ledger, observer);
  }

  // Out-of-memory attempts of the run.
  [[nodiscard]] int oom_attempts() const {
    int count = 0;
    for (const auto& [trait, record] : persisted.traits) {
      count += static_cast<int>(
          std::count_if(record.attempts.begin(), record.attempts.end(),
                        [](const AttemptRecord& a) { return a.failure == FailureClass::Oom; }));
    }
    return count;
  }

  void half_need_more() {
    for (int trait = 2; trait <= 13; trait += 2) {
      cluster.needs[job_name("x", trait)] = "40G";
    }
  }

  FactsCluster cluster;
  FakeClock clock;
  CancelToken cancel;
  FactsObserver observer;
  BatchRequest request;
  Ledger persisted{"p", "x", std::nullopt, {}, std::nullopt, std::nullopt};
};

TEST_F(BatchEngineFactsTest, EveryEndedAttemptKeepsTheClustersFactsAndTellsThemWithItsEnd) {
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 12U);
  EXPECT_EQ(cluster.facts_calls, 12);  // once per attempt
  for (const auto& [trait, record] : persisted.traits) {
    ASSERT_EQ(record.attempts.size(), 1U) << trait;
    EXPECT_EQ(record.attempts[0].node, "good");
    EXPECT_EQ(record.attempts[0].peak_memory_bytes, 1'000'000'000);
    EXPECT_EQ(record.attempts[0].started_at, TimePoint{std::chrono::seconds{100}});
    EXPECT_FALSE(record.attempts[0].cpu_seconds);  // unknown stays unknown
  }
  const auto completed = observer.of(EventKind::Completed);
  ASSERT_EQ(completed.size(), 12U);
  ASSERT_TRUE(completed[0].facts);
  EXPECT_EQ(completed[0].facts->node, "good");
}

// Half of 12 traits need 40G, MEMORY is 32G: each of them fails once when
// it climbs the ladder alone.
constexpr int oom_attempts_alone = 6;

TEST_F(BatchEngineFactsTest, WithoutLearningEachTraitClimbsAlone) {
  half_need_more();
  request.learning.enabled = false;
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 12U);
  EXPECT_EQ(oom_attempts(), oom_attempts_alone);
  EXPECT_FALSE(persisted.learned_memory_tier);
  EXPECT_TRUE(observer.of(EventKind::MemoryTierLearned).empty());
}

TEST_F(BatchEngineFactsTest, TheBatchLearnsItsMemoryTierAndWastesFewerAttempts) {
  half_need_more();
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 12U);
  EXPECT_LE(oom_attempts() * 10, oom_attempts_alone * 6);
  EXPECT_EQ(persisted.learned_memory_tier, 1);
  const auto learned = observer.of(EventKind::MemoryTierLearned);
  ASSERT_EQ(learned.size(), 1U);
  EXPECT_EQ(learned[0].memory, "64G");
  EXPECT_EQ(learned[0].memory_tier, 1);
  EXPECT_THAT(learned[0].message, ::testing::HasSubstr("ran out of memory"));
  // A trait that started at 64G and never ran out of memory was not retried.
  EXPECT_EQ(persisted.traits.at(13).attempts.size(), 1U);
  EXPECT_EQ(persisted.traits.at(13).attempts[0].memory, "64G");
  EXPECT_EQ(std::count(report.succeeded_after_retry.begin(), report.succeeded_after_retry.end(), 13), 0);
}

TEST_F(BatchEngineFactsTest, ARestartedRunStartsAtTheLearnedTier) {
  persisted.learned_memory_tier = 2;
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 12U);
  for (const JobSpec& spec : cluster.submitted_specs) {
    EXPECT_EQ(spec.memory, "96G") << spec.name;
  }
}

TEST_F(BatchEngineFactsTest, NewJobsAvoidASuspectNode) {
  request.avoid_nodes = true;
  request.plan.max_concurrent = 1;  // one after another: the node is suspect before the rest start
  for (int trait : {2, 3, 4}) {
    cluster.bad_attempts.insert(job_name("x", trait) + "#1");
  }
  const BatchReport report = run();
  EXPECT_EQ(report.completed.size(), 12U);
  const auto avoided = observer.of(EventKind::NodeAvoided);
  ASSERT_EQ(avoided.size(), 1U);
  EXPECT_EQ(avoided[0].nodes, std::vector<std::string>{"bad"});
  ASSERT_GE(cluster.submitted_specs.size(), 4U);
  EXPECT_TRUE(cluster.submitted_specs[0].avoid_nodes.empty());
  EXPECT_EQ(cluster.submitted_specs.back().avoid_nodes, std::vector<std::string>{"bad"});
}

}  // namespace
}  // namespace traitctl::batch_engine_facts_tests
