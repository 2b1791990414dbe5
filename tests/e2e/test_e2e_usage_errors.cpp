// Command-line mistakes through the built binary: exit 2, nothing on stdout,
// and on stderr exactly one [ERROR] line that names the bad word and the fix
// (with a suggestion when one is close), then the --help hint. --help and
// --version still exit 0.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::usage_errors_tests {
namespace {

struct Mistake {
  std::vector<std::string> args;
  std::string error;  // the [ERROR] line
  std::string hint;   // the line after it
};

const std::string kTopHint = "Run 'traitctl --help' for more information.";

std::string hint_for(const std::string& command) {
  return "Run 'traitctl " + command + " --help' for more information.";
}

TEST(UsageErrors, OneErrorLineAndTheHintExitTwo) {
  const std::vector<Mistake> mistakes{
      {{},
       "[ERROR] a command is required: submit, run, retry, resubmit, status, describe, logs, report, "
       "cleanup, validate or cap",
       kTopHint},
      {{"sumbit"}, "[ERROR] unknown command 'sumbit': did you mean 'submit'?", kTopHint},
      {{"sumbit", "--dry-run"}, "[ERROR] unknown command 'sumbit': did you mean 'submit'?", kTopHint},
      {{"-v", "stauts"}, "[ERROR] unknown command 'stauts': did you mean 'status'?", kTopHint},
      {{"deploy"},
       "[ERROR] unknown command 'deploy': the commands are submit, run, retry, resubmit, status, describe, "
       "logs, report, cleanup, "
       "validate and cap",
       kTopHint},
      {{"submit", "--dryrun"},
       "[ERROR] unknown option '--dryrun' for submit: did you mean '--dry-run'?",
       hint_for("submit")},
      {{"retry", "--max-retry=3", "--dry-run"},
       "[ERROR] unknown option '--max-retry' for retry: did you mean '--max-retries'?",
       hint_for("retry")},
      {{"status", "--colour", "never"},
       "[ERROR] unknown option '--colour' for status: did you mean '--color'?",
       hint_for("status")},
      {{"validate", "--frobnicate"},
       "[ERROR] unknown option '--frobnicate' for validate",
       hint_for("validate")},
      {{"submit", "2-10"},
       "[ERROR] unexpected argument '2-10': submit takes no such argument (is an option name missing?)",
       hint_for("submit")},
      {{"submit", "--prefix"}, "[ERROR] --prefix needs a value, e.g. --prefix VALUE", hint_for("submit")},
      {{"submit", "--lock-timeout", "--yes"},
       "[ERROR] --lock-timeout needs a value, e.g. --lock-timeout 10s: '--yes' is an option",
       hint_for("submit")},
      {{"submit", "--max-concurrent", "abc"},
       "[ERROR] --max-concurrent wants a whole number, not 'abc'",
       hint_for("submit")},
      {{"--color", "sometimes", "status"},
       "[ERROR] --color: 'sometimes' is not one of auto, always or never",
       hint_for("status")},
      {{"status", "--color=alwyas"},
       "[ERROR] --color: 'alwyas' is not one of auto, always or never: did you mean 'always'?",
       hint_for("status")},
      {{"status", "--backend", "nope"},
       "[ERROR] --backend: 'nope' is not one of runai, local or slurm",
       hint_for("status")},
      {{"run", "--max-retries", "20"},
       "[ERROR] --max-retries: '20' is not in the range 1 to 10",
       hint_for("run")},
      {{"retry", "--watch", "--no-wait"},
       "[ERROR] --watch and --no-wait cannot be used together: keep one of them",
       hint_for("retry")},
      {{"retry", "--no-wait", "--watch"},
       "[ERROR] --no-wait and --watch cannot be used together: keep one of them",
       hint_for("retry")},
      {{"submit", "--dry-run=later"},
       "[ERROR] --dry-run is a flag: write --dry-run alone, not --dry-run=later",
       hint_for("submit")},
      {{"sub\x1b]0;x\x07mit"},
       "[ERROR] unknown command 'sub\\x1b]0;x\\x07mit': the commands are submit, "
       "run, retry, resubmit, status, describe, logs, report, cleanup, validate and cap",
       kTopHint},
  };
  const FakeCluster cluster;
  for (const auto& mistake : mistakes) {
    std::string typed;
    for (const auto& arg : mistake.args) {
      typed += " " + arg;
    }
    SCOPED_TRACE("traitctl" + typed);
    const auto result = run_traitctl(cluster, mistake.args);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.out, "");
    EXPECT_EQ(result.err, mistake.error + "\n" + mistake.hint + "\n");
  }
  EXPECT_TRUE(cluster.calls().empty()) << "runai was called";
}

TEST(UsageErrors, HelpAndVersionStillExitZero) {
  const FakeCluster cluster;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"--help"}, {"-h"}, {"--version"}, {"submit", "--help"}, {"retry", "-h"}, {"status", "--help"}}) {
    SCOPED_TRACE(args.front());
    const auto result = run_traitctl(cluster, args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_NE(result.out, "");
    EXPECT_EQ(result.err, "");
  }
}

}  // namespace
}  // namespace traitctl::e2e::usage_errors_tests
