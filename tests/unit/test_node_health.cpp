#include <gtest/gtest.h>

#include "traitctl/core/node_health.hpp"

namespace traitctl::node_health_tests {
namespace {

AttemptRecord on_node(std::string node, std::optional<AttemptEnd> end, std::optional<FailureClass> failure) {
  AttemptRecord attempt;
  attempt.node = std::move(node);
  attempt.end = end;
  attempt.failure = failure;
  return attempt;
}

AttemptRecord failed(std::string node, FailureClass failure) {
  return on_node(std::move(node), AttemptEnd::Failed, failure);
}

AttemptRecord succeeded(std::string node) {
  return on_node(std::move(node), AttemptEnd::Succeeded, std::nullopt);
}

Ledger with_attempts(const std::vector<AttemptRecord>& attempts) {
  Ledger ledger;
  int trait = 1;
  for (AttemptRecord attempt : attempts) {
    attempt.number = 1;
    ledger.traits[trait++].attempts.push_back(attempt);
  }
  return ledger;
}

TEST(NodeHealth, CountsAttemptsFinishedAndFailuresPerNodeSortedByName) {
  const auto nodes = node_health(with_attempts(
      {failed("n2", FailureClass::Oom), succeeded("n1"), on_node("n2", std::nullopt, std::nullopt),
       failed("n2", FailureClass::Mount), failed("n2", FailureClass::Oom)}));
  ASSERT_EQ(nodes.size(), 2U);
  EXPECT_EQ(nodes[0].name, "n1");
  EXPECT_EQ(nodes[0].attempts, 1);
  EXPECT_EQ(nodes[0].finished, 1);
  EXPECT_TRUE(nodes[0].failures.empty());
  EXPECT_EQ(nodes[1].name, "n2");
  EXPECT_EQ(nodes[1].attempts, 4);
  EXPECT_EQ(nodes[1].finished, 3);
  EXPECT_EQ(nodes[1].failures,
            (std::map<FailureClass, int>{{FailureClass::Mount, 1}, {FailureClass::Oom, 2}}));
  EXPECT_EQ(node_failures(nodes[1]), 1);
  EXPECT_FALSE(nodes[1].suspect);
}

TEST(NodeHealth, AttemptsWithoutANodeAreLeftOut) {
  AttemptRecord unknown = failed("", FailureClass::Mount);
  unknown.node.reset();
  EXPECT_TRUE(node_health(with_attempts({unknown, failed("", FailureClass::Mount)})).empty());
}

TEST(NodeHealth, SeveralMountOrInfrastructureFailuresMakingMostOfItsAttemptsMakeANodeSuspect) {
  const auto nodes = node_health(
      with_attempts({failed("bad", FailureClass::Mount), failed("bad", FailureClass::Infrastructure),
                     failed("bad", FailureClass::Mount), succeeded("bad"), succeeded("good"),
                     failed("good", FailureClass::Mount)}));
  ASSERT_EQ(nodes.size(), 2U);
  EXPECT_TRUE(nodes[0].suspect);  // 3 of 4 finished
  EXPECT_FALSE(nodes[1].suspect);
  EXPECT_EQ(suspect_nodes(nodes), std::vector<std::string>{"bad"});
}

TEST(NodeHealth, OneBadJobIsNotABadNode) {
  const auto nodes = node_health(with_attempts({failed("n", FailureClass::Mount)}));
  ASSERT_EQ(nodes.size(), 1U);
  EXPECT_FALSE(nodes[0].suspect);  // 1 of 1, but fewer than 3
}

TEST(NodeHealth, FailuresThatAreNotMostOfTheNodesWorkLeaveItHealthy) {
  std::vector<AttemptRecord> attempts(3, failed("busy", FailureClass::Mount));
  attempts.insert(attempts.end(), 3, succeeded("busy"));
  EXPECT_FALSE(node_health(with_attempts(attempts))[0].suspect);  // 3 of 6 is not more than half
  attempts.pop_back();
  EXPECT_TRUE(node_health(with_attempts(attempts))[0].suspect);  // 3 of 5 is
}

TEST(NodeHealth, TheJobsOwnFailuresDoNotBlameTheNode) {
  const auto nodes =
      node_health(with_attempts({failed("n", FailureClass::Oom), failed("n", FailureClass::Config),
                                 failed("n", FailureClass::Timeout), failed("n", FailureClass::Unknown)}));
  EXPECT_FALSE(nodes[0].suspect);
}

TEST(NodeHealth, ThePolicyIsHonoured) {
  NodeHealth node;
  node.finished = 4;
  node.failures = {{FailureClass::Mount, 1}, {FailureClass::Infrastructure, 1}};
  EXPECT_FALSE(is_suspect(node));
  EXPECT_TRUE(is_suspect(node, NodeHealthPolicy{2, 0.25}));
  EXPECT_FALSE(is_suspect(node, NodeHealthPolicy{2, 0.5}));
  EXPECT_FALSE(is_suspect(node, NodeHealthPolicy{3, 0.25}));
}

// The loop's tally, recounted trait by trait as records change, always
// equals node_health of the whole ledger.
TEST(NodeTally, RecountingTheChangedTraitsEqualsCountingTheWholeLedger) {
  Ledger ledger = with_attempts({failed("n1", FailureClass::Mount), succeeded("n2"),
                                 on_node("n1", std::nullopt, std::nullopt)});
  NodeTally tally;
  for (const auto& [trait, record] : ledger.traits) {
    tally.recount(trait, record);
  }
  EXPECT_EQ(tally.health(), node_health(ledger));

  AttemptRecord& running = ledger.traits[3].attempts[0];  // ends, classified
  running.end = AttemptEnd::Failed;
  running.failure = FailureClass::Infrastructure;
  ledger.traits[2].attempts.push_back(failed("n3", FailureClass::Mount));  // a retry elsewhere
  ledger.traits[2].attempts.back().number = 2;
  ledger.traits[1].attempts.clear();  // its only attempt gone: n1 keeps trait 3's
  for (const int trait : {1, 2, 3}) {
    tally.recount(trait, ledger.traits[trait]);
  }
  const auto nodes = tally.health();
  EXPECT_EQ(nodes, node_health(ledger));
  ASSERT_EQ(nodes.size(), 3U);
  EXPECT_EQ(nodes[0].failures, (std::map<FailureClass, int>{{FailureClass::Infrastructure, 1}}));

  ledger.traits[3].attempts[0].node = "n2";  // n1 has no attempt left: no entry
  tally.recount(3, ledger.traits[3]);
  EXPECT_EQ(tally.health(), node_health(ledger));
  EXPECT_EQ(tally.health().size(), 2U);
}

}  // namespace
}  // namespace traitctl::node_health_tests
