// What cannot work is found before the batch starts: a missing runai CLI
// (exit 1), a missing job command (exit 2, naming the path) and a
// configuration that validate FAILs (exit 2, listing the failed checks;
// --no-validate goes ahead). Each refusal is immediate and submits nothing.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::fail_fast_tests {
namespace {

using namespace std::chrono_literals;

const std::vector<std::string> kBatch{"--project", "p", "--prefix", "ff", "--traits", "2-9", "--yes",
                                      "--poll-interval", "0.1s"};

std::vector<std::string> command(const std::string& name, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{name};
  args.insert(args.end(), kBatch.begin(), kBatch.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

// Runs traitctl and returns how long it took with its result.
std::pair<CommandResult, std::chrono::milliseconds> timed(const FakeCluster& cluster,
                                                          std::vector<std::string> args,
                                                          EnvironmentOverrides extra = {}) {
  const auto start = std::chrono::steady_clock::now();
  auto result = run_traitctl(cluster, std::move(args), std::move(extra), 30s);
  return {result, std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)};
}

TEST(FailFast, RunWithoutTheRunaiCliExitsOneAtOnce) {
  FakeCluster cluster;
  for (const auto* name : {"run", "submit"}) {
    const auto [result, took] = timed(cluster, command(name), {{"PATH", "/usr/bin:/bin"}});
    EXPECT_EQ(result.exit_code, 1) << name << ": " << result.err;
    EXPECT_NE(result.err.find("the runai CLI 'runai' was not found"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--runai PATH"), std::string::npos) << result.err;
    EXPECT_LT(took, 5s) << name;
    EXPECT_EQ(result.out, "") << name << ": no report for a batch that never started";
  }
}

TEST(FailFast, AMissingLocalJobCommandExitsTwoNamingThePath) {
  FakeCluster cluster;
  const auto [result, took] =
      timed(cluster, command("run", {"--backend", "local", "--", "/nonexistent/gapit-job"}));
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("'/nonexistent/gapit-job' not found"), std::string::npos) << result.err;
  EXPECT_LT(took, 5s);
  EXPECT_FALSE(std::filesystem::exists(cluster.state_dir() / "local")) << "a job was started";
}

TEST(FailFast, AConfigurationValidateFailsIsRefusedUnlessNoValidate) {
  FakeCluster cluster;
  for (const auto* name : {"submit", "run"}) {
    const auto result = run_traitctl(cluster, command(name), {{"MODEL", "BLINK,FOO"}}, 120s);
    EXPECT_EQ(result.exit_code, 2) << name << ": " << result.err;
    EXPECT_NE(result.err.find("MODEL: 'FOO' is not one of"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("--no-validate"), std::string::npos) << result.err;
  }
  EXPECT_EQ(cluster.count_calls("submit"), 0) << "a refused configuration submitted jobs";

  const auto forced = run_traitctl(cluster, command("submit", {"--no-validate"}), {{"MODEL", "BLINK,FOO"}}, 120s);
  EXPECT_EQ(forced.exit_code, 0) << forced.err;
  EXPECT_EQ(cluster.count_calls("submit"), 8);
}

TEST(FailFast, TheDefaultConfigurationPassesValidation) {
  FakeCluster cluster;
  const auto result = run_traitctl(cluster, command("submit"), {}, 120s);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(cluster.count_calls("submit"), 8);
}

}  // namespace
}  // namespace traitctl::e2e::fail_fast_tests
