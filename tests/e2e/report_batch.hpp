// A small local batch run through the built traitctl, for the tests of
// `traitctl report` (tests/e2e/test_e2e_report.cpp, tests/browser/): traits
// 2..6 of the shipped example job, two at a time; trait 3 hits a mount
// failure once and is retried, trait 5 a configuration error (failed for
// good). The report's range is 2..7: trait 7 never ran.
#pragma once

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e {

class ReportBatch {
 public:
  static constexpr int kLast = 6;
  static constexpr const char* kRange = "2-7";
  // Five traits, trait 3 twice (its mount failure is on the first attempt only).
  static constexpr int kAttempts = 6;

  ReportBatch() {
    write_gapit_inputs(cluster_.dir() / "data", 7);
    std::filesystem::create_directories(cluster_.dir() / "outputs");
    std::ofstream(env_file()) << fmt::format(
        "PROJECT=lab\nJOB_PREFIX=rep\nSTART_TRAIT=2\nEND_TRAIT={}\nMAX_CONCURRENT=2\n"
        "DATA_PATH_HOST={}\nOUTPUT_PATH_HOST={}\n",
        kLast, (cluster_.dir() / "data").string(), (cluster_.dir() / "outputs").string());
  }

  // Runs the batch to its end: exit 3, trait 5 failed for good.
  [[nodiscard]] CommandResult run() const {
    return run_traitctl(
        cluster_,
        {"run", "--backend", "local", "--env-file", env_file().string(), "--yes", "--json", "--poll-interval",
         "0.1s", "--retry-delay", "1s", "--max-retries", "2", "--", TRAITCTL_EXAMPLE_JOB},
        {{"DEMO_MOUNT_FAILURES", "3"}, {"DEMO_CONFIG_ERRORS", "5"}, {"DEMO_SLEEP", "0.3"}},
        std::chrono::seconds(120));
  }

  // `traitctl report` of traits 2..7 with `extra` (--format, -o).
  [[nodiscard]] CommandResult report(std::vector<std::string> extra) const {
    std::vector<std::string> args{"report",   "--backend", "local", "--env-file", env_file().string(),
                                  "--traits", kRange};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_traitctl(cluster_, std::move(args));
  }

  [[nodiscard]] std::filesystem::path env_file() const { return cluster_.dir() / "batch.env"; }
  [[nodiscard]] std::filesystem::path dir() const { return cluster_.dir(); }
  [[nodiscard]] const FakeCluster& cluster() const { return cluster_; }

 private:
  FakeCluster cluster_;
};

}  // namespace traitctl::e2e
