// `traitctl submit` sends runai the argv the bash submit script sent for the
// same .env, byte for byte. tests/fixtures/submit_parity/script_argv.json
// holds, per .env file there, the argv the script passed to `runai
// workspace submit` as the fake runai recorded it (how it was produced is in
// its "about"), and where traitctl differs on purpose, what it sends
// instead and why.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "harness.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl::e2e::submit_parity_tests {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

const fs::path kFixtures = TRAITCTL_PARITY_DIR;

json load_fixture() { return json::parse(read_text(kFixtures / "script_argv.json")); }

// Submissions by job name (argv[2]): traitctl submits several traits at
// once, so the order of the calls says nothing.
std::map<std::string, std::vector<std::string>> by_job(const std::vector<json>& submits) {
  std::map<std::string, std::vector<std::string>> argvs;
  for (const auto& submit : submits) {
    const auto argv = argv_of(submit);
    argvs[argv.at(2)] = argv;
  }
  return argvs;
}

// Every `workspace submit` call the fake recorded.
std::vector<json> submit_calls(const FakeCluster& cluster) {
  std::vector<json> submits;
  for (const auto& call : cluster.calls()) {
    const auto& argv = call.at("argv");
    if (argv.size() > 1 && argv[1] == "submit") {
      submits.push_back(call);
    }
  }
  return submits;
}

// Where two argvs part, escaped, for a failure message.
std::string first_difference(const std::vector<std::string>& sent, const std::vector<std::string>& expected) {
  const auto shown = [](const std::vector<std::string>& argv, std::size_t i) {
    return i < argv.size() ? fmt::format("'{}'", printable(argv[i])) : std::string("nothing");
  };
  for (std::size_t i = 0; i < std::max(sent.size(), expected.size()); ++i) {
    if (i >= sent.size() || i >= expected.size() || sent[i] != expected[i]) {
      return fmt::format("argument {}: sent {}, expected {}", i, shown(sent, i), shown(expected, i));
    }
  }
  return "no difference";
}

TEST(SubmitParity, SendsTheBashScriptsArgvForTheSameEnvFile) {
  const json fixture = load_fixture();
  ASSERT_GE(fixture.at("cases").size(), 8U);
  for (const auto& parity_case : fixture.at("cases")) {
    SCOPED_TRACE(parity_case.at("name").get<std::string>());
    const FakeCluster cluster;
    EnvironmentOverrides environment;
    for (const auto& [name, value] : parity_case.at("environment").items()) {
      environment.emplace_back(name, value.get<std::string>());
    }
    const fs::path env_file = kFixtures / parity_case.at("env_file").get<std::string>();
    const auto result = run_traitctl(
        cluster, {"submit", "--env-file", env_file.string(), "--yes", "--poll-interval", "0.05s"},
        environment);
    ASSERT_EQ(result.exit_code, 0) << result.err;

    const json& expected = parity_case.contains("traitctl_submits") ? parity_case.at("traitctl_submits")
                                                                    : parity_case.at("script_submits");
    const auto calls = submit_calls(cluster);
    ASSERT_EQ(calls.size(), expected.size());
    const auto sent = by_job(calls);
    const auto wanted = by_job(expected.get<std::vector<json>>());
    for (const auto& [job, argv] : wanted) {
      const auto found = sent.find(job);
      ASSERT_NE(found, sent.end()) << printable(job) << " was not submitted";
      EXPECT_TRUE(found->second == argv) << printable(job) << ": " << first_difference(found->second, argv);
    }
  }
}

// A recorded difference must be one: it names its reason, and what traitctl
// sends is not what the script sent.
TEST(SubmitParity, EveryDifferenceFromTheScriptIsExplained) {
  const json fixture = load_fixture();
  int differences = 0;
  for (const auto& parity_case : fixture.at("cases")) {
    if (parity_case.contains("traitctl_submits")) {
      ++differences;
      EXPECT_FALSE(parity_case.value("difference", "").empty()) << parity_case.at("name");
      EXPECT_NE(parity_case.at("traitctl_submits"), parity_case.at("script_submits"))
          << parity_case.at("name");
    } else {
      EXPECT_FALSE(parity_case.contains("difference")) << parity_case.at("name");
      EXPECT_FALSE(parity_case.at("script_submits").empty()) << parity_case.at("name");
    }
  }
  EXPECT_LT(differences, static_cast<int>(fixture.at("cases").size()) / 2);
}

}  // namespace
}  // namespace traitctl::e2e::submit_parity_tests
