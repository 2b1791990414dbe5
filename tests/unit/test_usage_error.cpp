#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "traitctl/cli/app.hpp"
#include "traitctl/cli/usage_error.hpp"

namespace traitctl::usage_error_tests {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

const std::vector<std::string> commands{"submit", "validate", "cleanup", "retry",
                                        "status", "resubmit", "run"};

TEST(ClosestMatches, FindsLikelyTypos) {
  EXPECT_THAT(closest_matches("sumbit", commands), ElementsAre("submit"));  // two letters swapped
  EXPECT_THAT(closest_matches("retyr", commands), ElementsAre("retry"));
  EXPECT_THAT(closest_matches("SUBMIT", commands), ElementsAre("submit"));
  EXPECT_THAT(closest_matches("rnu", commands), ElementsAre("run"));
  EXPECT_THAT(closest_matches("clean", commands), ElementsAre("cleanup"));  // the start of one
  EXPECT_THAT(closest_matches("validat", commands), ElementsAre("validate"));
  const std::vector<std::string> options{"--dry-run", "--max-concurrent", "--max-retries", "--max-delay",
                                         "--yes"};
  EXPECT_THAT(closest_matches("--dryrun", options), ElementsAre("--dry-run"));
  EXPECT_THAT(closest_matches("-dry-run", options), ElementsAre("--dry-run"));  // dashes are not compared
  EXPECT_THAT(closest_matches("--Dry-Run", options), ElementsAre("--dry-run"));
  EXPECT_THAT(closest_matches("--ye", options), ElementsAre("--yes"));
  EXPECT_THAT(closest_matches("--max", options),
              ElementsAre("--max-concurrent", "--max-retries", "--max-delay"));
  EXPECT_THAT(closest_matches("--max-retires", options), ElementsAre("--max-retries"));
  // Three edits from both --max-retries and --max-delay: the one that starts the same way.
  EXPECT_THAT(closest_matches("--max-retry", options), ElementsAre("--max-retries"));
}

TEST(ClosestMatches, SuggestsNothingWhenNothingIsClose) {
  EXPECT_THAT(closest_matches("frobnicate", commands), IsEmpty());
  EXPECT_THAT(closest_matches("sbmt", commands), IsEmpty());  // two edits in four letters
  EXPECT_THAT(closest_matches("st", commands), IsEmpty());    // too short to be the start of one
  EXPECT_THAT(closest_matches("", commands), IsEmpty());
  EXPECT_THAT(closest_matches("--", {"--yes"}), IsEmpty());
  EXPECT_THAT(closest_matches("x", {}), IsEmpty());
}

// traitctl's command line, given `args` (the words after the program name).
class TraitctlApp {
 public:
  TraitctlApp() : commands_(register_app(app_, global_)) {}

  // The message for what CLI11 threw while parsing `args`.
  UsageError parse_failure(const std::vector<std::string>& args) {
    try {
      parse(args);
    } catch (const CLI::ParseError& error) {
      return describe_parse_error(app_, error, args);
    }
    if (auto mistake = find_argument_before_marker(app_, args)) {
      return *mistake;
    }
    ADD_FAILURE() << "parsed without an error";
    return {};
  }

  void parse(const std::vector<std::string>& args) {
    std::vector<std::string> reversed(args.rbegin(), args.rend());  // CLI11 takes the last one first
    app_.parse(reversed);
  }

  [[nodiscard]] const CLI::App& app() const { return app_; }

 private:
  CLI::App app_;
  GlobalOptions global_;
  std::vector<Command> commands_;
};

UsageError parse_failure(const std::vector<std::string>& args) { return TraitctlApp().parse_failure(args); }

TEST(DescribeParseError, NamesTheWordAndTheFix) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
    std::string help_command;
  };
  const std::vector<Case> cases{
      {{},
       "a command is required: submit, run, retry, resubmit, status, describe, logs, report, cleanup, "
       "validate or cap",
       "traitctl"},
      {{"sumbit"}, "unknown command 'sumbit': did you mean 'submit'?", "traitctl"},
      {{"frobnicate"},
       "unknown command 'frobnicate': the commands are submit, run, retry, resubmit, status, describe, logs, "
       "report, cleanup, "
       "validate and cap",
       "traitctl"},
      {{"submit", "--dryrun"},
       "unknown option '--dryrun' for submit: did you mean '--dry-run'?",
       "traitctl submit"},
      {{"submit", "--dryrun=1"},
       "unknown option '--dryrun' for submit: did you mean '--dry-run'?",
       "traitctl submit"},
      {{"--colr", "never", "status"},
       "unknown option '--colr' for status: did you mean '--color'?",
       "traitctl status"},
      {{"submit", "--frobnicate"}, "unknown option '--frobnicate' for submit", "traitctl submit"},
      {{"submit", "extra"},
       "unexpected argument 'extra': submit takes no such argument (is an option name missing?)",
       "traitctl submit"},
      {{"run", "--backend", "local", "2-10"},
       "unexpected argument '2-10': run takes no such argument (is an option name missing?)",
       "traitctl run"},
      {{"submit", "--prefix"}, "--prefix needs a value, e.g. --prefix VALUE", "traitctl submit"},
      {{"status", "--interval"}, "--interval needs a value, e.g. --interval 30s", "traitctl status"},
      {{"submit", "--max-concurrent", "abc"},
       "--max-concurrent wants a whole number, not 'abc'",
       "traitctl submit"},
      {{"submit", "--dry-run=maybe"},
       "--dry-run is a flag: write --dry-run alone, not --dry-run=maybe",
       "traitctl submit"},
      {{"--color", "sometimes", "status"},
       "--color: 'sometimes' is not one of auto, always or never",
       "traitctl status"},
      {{"--color", "alwyas", "status"},
       "--color: 'alwyas' is not one of auto, always or never: did you mean "
       "'always'?",
       "traitctl status"},
      {{"status", "--backend", "nope"}, "--backend: 'nope' is not one of runai, local or slurm", "traitctl status"},
      {{"run", "--max-retries", "20"}, "--max-retries: '20' is not in the range 1 to 10", "traitctl run"},
      {{"retry", "--watch", "--no-wait"},
       "--watch and --no-wait cannot be used together: keep one of them",
       "traitctl retry"},
      {{"retry", "--no-wait", "--watch"},
       "--no-wait and --watch cannot be used together: keep one of them",
       "traitctl retry"},
      {{"resubmit", "--failed", "5"},
       "--failed and TRAIT (5) cannot be used together: keep one of them",
       "traitctl resubmit"},
  };
  for (const auto& c : cases) {
    const UsageError error = parse_failure(c.args);
    EXPECT_EQ(error.message, c.message);
    EXPECT_EQ(error.help_command, c.help_command);
  }
}

TEST(FindOptionTakenAsValue, NamesTheOptionThatSwallowedAnother) {
  for (const auto& [args, message] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"submit", "--lock-timeout", "--yes"},
            "--lock-timeout needs a value, e.g. --lock-timeout 10s: '--yes' "
            "is an option"},
           {{"status", "--prefix", "--json"},
            "--prefix needs a value, e.g. --prefix VALUE: '--json' is an option"},
           {{"--color", "auto", "submit", "--env-file", "--color=never"},
            "--env-file needs a value, e.g. --env-file VALUE: '--color=never' is an option"}}) {
    TraitctlApp traitctl;
    traitctl.parse(args);
    const auto error = find_option_taken_as_value(traitctl.app());
    ASSERT_TRUE(error.has_value()) << message;
    EXPECT_EQ(error->message, message);
  }
  TraitctlApp traitctl;
  traitctl.parse(
      {"run", "--yes", "--mount-failure-pattern", "--not-an-option"});  // not an option of traitctl
  EXPECT_FALSE(find_option_taken_as_value(traitctl.app()).has_value());
}

TEST(DescribeParseError, EscapesWhatWasTyped) {
  const UsageError error = parse_failure({"sub\x1b[2Jmit"});
  EXPECT_THAT(error.message, ::testing::StartsWith("unknown command 'sub\\x1b[2Jmit': the commands are"));
}

}  // namespace
}  // namespace traitctl::usage_error_tests
