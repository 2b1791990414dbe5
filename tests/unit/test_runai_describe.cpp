#include <gtest/gtest.h>

#include <string>

#include "support/fixture_file.hpp"
#include "traitctl/adapters/runai_describe.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::runai_describe_tests {
namespace {

struct DescribeCase {
  const char* fixture;
  const char* workload;
  std::optional<int> exit_code;
  std::optional<int> signal;
  std::optional<std::string> reason;
  FailureClass failure;  // what the default classifier makes of it, without a log
};

class DescribeFixture : public ::testing::TestWithParam<DescribeCase> {};

TEST_P(DescribeFixture, RevealsTheMainContainersEnd) {
  const DescribeCase& test = GetParam();
  const FailureEvidence evidence = evidence_from_describe(runai_fixture(test.fixture), test.workload);
  EXPECT_EQ(evidence.exit_code, test.exit_code);
  EXPECT_EQ(evidence.signal, test.signal);
  EXPECT_EQ(evidence.reason, test.reason);
  EXPECT_EQ(evidence.log, std::nullopt);
  EXPECT_FALSE(evidence.timed_out);
  EXPECT_EQ(to_string(classify_failure(evidence, ClassifierPolicy{}).failure), to_string(test.failure));
}

INSTANTIATE_TEST_SUITE_P(
    Fixtures, DescribeFixture,
    ::testing::Values(
        DescribeCase{"describe_oomkilled.json", "gapit3-trait-5", 137, std::nullopt, "OOMKilled",
                     FailureClass::Oom},
        // The init container's exit 1 and 2 are not the job's.
        DescribeCase{"describe_init_failed_main_ok.json", "gapit3-trait-6", 0, std::nullopt, "Completed",
                     FailureClass::Unknown},
        DescribeCase{"describe_sidecar_after_main.json", "gapit3-trait-7", 2, std::nullopt, "Error",
                     FailureClass::Mount},
        DescribeCase{"describe_main_by_name.json", "gapit3-trait-8", 2, std::nullopt, "Error",
                     FailureClass::Mount},
        // One container, not named after the workload; the OOM-killed init container is ignored.
        DescribeCase{"describe_single_other_name.json", "gapit3-trait-9", 2, std::nullopt, "Error",
                     FailureClass::Mount},
        DescribeCase{"describe_nothing_revealed.json", "gapit3-trait-10", std::nullopt, std::nullopt,
                     std::nullopt, FailureClass::Unknown},
        DescribeCase{"describe_restarted.json", "gapit3-trait-11", 137, 9, "OOMKilled", FailureClass::Oom},
        // Killed by the kubelet (137) because the node ran short: not the job's memory.
        DescribeCase{"describe_evicted.json", "gapit3-trait-12", 137, std::nullopt,
                     "Evicted; DisruptionTarget: TerminationByKubelet", FailureClass::Infrastructure},
        DescribeCase{"describe_preempted.json", "gapit3-trait-13", 143, std::nullopt,
                     "DisruptionTarget: PreemptionByScheduler", FailureClass::Infrastructure}),
    [](const auto& test) {
      std::string name = test.param.fixture;
      name = name.substr(0, name.find('.'));
      return name;
    });

FailureEvidence described(const std::string& json, std::string_view workload = "x-5") {
  return evidence_from_describe(json, workload);
}

TEST(EvidenceFromDescribe, FlatContainersAsTheFakeAndTheApiPrintThem) {
  const FailureEvidence evidence =
      described(R"({"name":"x-5","pods":[{"containers":[{"name":"x-5","image":"i","exitCode":2}]}]})");
  EXPECT_EQ(evidence.exit_code, 2);
  EXPECT_EQ(evidence.reason, std::nullopt);
  EXPECT_EQ(
      described(R"({"pods":[{"containers":[{"name":"x-5","exit_code":1,"reason":"Error"}]}]})").exit_code, 1);
}

TEST(EvidenceFromDescribe, StateBeatsLastStateAndTheFlatFields) {
  const FailureEvidence evidence = described(R"({"pods":[{"status":{"containerStatuses":[{"name":"x-5",
      "exitCode":9, "state":{"terminated":{"exitCode":1,"reason":"Error"}},
      "lastState":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}]})");
  EXPECT_EQ(evidence.exit_code, 1);
  EXPECT_EQ(evidence.reason, "Error");
}

TEST(EvidenceFromDescribe, MergesTheApiContainerWithItsStatusByName) {
  // The API's containers (name, image) and Kubernetes' statuses, in either order.
  const FailureEvidence evidence =
      described(R"({"pods":[{"containers":[{"name":"x-5","image":"i"},{"name":"proxy","image":"p"}],
      "containerStatuses":[{"name":"proxy","state":{"terminated":{"exitCode":0}}},
                           {"name":"x-5","state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}]})");
  EXPECT_EQ(evidence.exit_code, 137);
  EXPECT_EQ(evidence.reason, "OOMKilled");
}

TEST(EvidenceFromDescribe, SeveralContainersAndNoneNamedAfterTheWorkloadRevealNothing) {
  const FailureEvidence evidence =
      described(R"({"pods":[{"containers":[{"name":"a","exitCode":1},{"name":"b","exitCode":2}]}]})");
  EXPECT_EQ(evidence, FailureEvidence{});
}

TEST(EvidenceFromDescribe, TheFirstPodThatRevealsSomethingDecides) {
  const FailureEvidence evidence = described(R"({"pods":[{"name":"x-5-0-0","containers":[{"name":"x-5"}]},
      {"name":"x-5-0-1","containers":[{"name":"x-5","exitCode":137,"signal":9}]},
      {"name":"x-5-0-2","containers":[{"name":"x-5","exitCode":1}]}]})");
  EXPECT_EQ(evidence.exit_code, 137);
  EXPECT_EQ(evidence.signal, 9);
}

TEST(EvidenceFromDescribe, AWrappedWorkloadAndABarePod) {
  EXPECT_EQ(described(R"({"workload":{"name":"x-5","pods":[{"containers":[{"name":"x-5","exitCode":2}]}]}})")
                .exit_code,
            2);
  const FailureEvidence pod = described(R"({"kind":"Pod","metadata":{"name":"x-5-0-0"},
      "status":{"reason":"Evicted","containerStatuses":[{"name":"x-5","state":{"terminated":{"exitCode":137}}}]}})");
  EXPECT_EQ(pod.exit_code, 137);
  EXPECT_EQ(pod.reason, "Evicted");
}

TEST(EvidenceFromDescribe, AFalseDisruptionConditionIsNoDisruption) {
  const FailureEvidence evidence = described(R"({"pods":[{"status":{"conditions":[
      {"type":"DisruptionTarget","status":"False","reason":"PreemptionByScheduler"}],
      "containerStatuses":[{"name":"x-5","state":{"terminated":{"exitCode":137,"reason":"OOMKilled"}}}]}}]})");
  EXPECT_EQ(evidence.reason, "OOMKilled");
}

TEST(EvidenceFromDescribe, OddValuesAreIgnored) {
  for (const char* text :
       {"not json", "", "[]", "{}", R"({"pods":{}})", R"({"pods":[1,"x",null]})",
        R"({"name":"x-5","phase":"Failed"})",
        R"({"pods":[{"containers":[{"name":"x-5","exitCode":"137","reason":7}]}]})",
        R"({"pods":[{"containers":[{"name":"x-5","exitCode":1e300}]}]})",
        R"({"pods":[{"containers":[{"name":"x-5","exitCode":99999999999}]}]})",
        R"({"pods":[{"containers":[{"name":"x-5","state":"Terminated","reason":""}]}]})"}) {
    EXPECT_EQ(described(text), FailureEvidence{}) << text;
  }
}

}  // namespace
}  // namespace traitctl::runai_describe_tests

namespace traitctl::runai_describe_tests {
namespace {

TEST(FactsFromDescribe, TheMainContainersTimesFromItsStatus) {
  const AttemptFacts facts = facts_from_describe(runai_fixture("describe_oomkilled.json"), "gapit3-trait-5");
  EXPECT_EQ(facts.started_at, *parse_utc("2026-11-28T10:00:12Z"));
  EXPECT_EQ(facts.ended_at, *parse_utc("2026-11-28T11:42:03Z"));
  EXPECT_FALSE(facts.node);  // this capture has none
  EXPECT_FALSE(facts.peak_memory_bytes);
  EXPECT_FALSE(facts.cpu_seconds);
}

TEST(FactsFromDescribe, TheNodeFromThePodOrItsSpec) {
  const std::string flat =
      R"({"pods": [{"name": "p", "nodeName": "gpu-node-7", "containers": [{"name": "job",
          "state": {"running": {"startedAt": "2026-11-28T10:00:12Z"}}}]}]})";
  AttemptFacts facts = facts_from_describe(flat, "job");
  EXPECT_EQ(facts.node, "gpu-node-7");
  EXPECT_EQ(facts.started_at, *parse_utc("2026-11-28T10:00:12Z"));
  EXPECT_FALSE(facts.ended_at);
  const std::string kubernetes =
      R"({"kind": "Pod", "spec": {"nodeName": "worker-2"}, "status": {"containerStatuses": [{"name": "other",
          "state": {"terminated": {"startedAt": "2026-11-28T10:00:00Z", "finishedAt": "bad time"}}}]}})";
  facts = facts_from_describe(kubernetes, "job");
  EXPECT_EQ(facts.node, "worker-2");
  EXPECT_EQ(facts.started_at, *parse_utc("2026-11-28T10:00:00Z"));  // the only container
  EXPECT_FALSE(facts.ended_at);                                     // unreadable: unknown
}

TEST(FactsFromDescribe, TextThatRevealsNothingKnowsNothing) {
  EXPECT_EQ(facts_from_describe("not json", "job"), AttemptFacts{});
  EXPECT_EQ(facts_from_describe(R"({"pods": [{"name": "p"}]})", "job"), AttemptFacts{});
  EXPECT_EQ(facts_from_describe(R"({"pods": [1, "x"]})", "job"), AttemptFacts{});
}

}  // namespace
}  // namespace traitctl::runai_describe_tests
