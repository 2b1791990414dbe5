// Every subcommand's --help, and the top-level one, carries examples and the
// exit codes: the test walks the subcommands the app really registers, so a
// new one without them fails here.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>
#include <regex>

#include "traitctl/cli/app.hpp"
#include "traitctl/cli/help_format.hpp"

namespace traitctl::app_tests {
namespace {

void expect_examples_and_exit_codes(const std::string& name, const std::string& help) {
  EXPECT_NE(help.find("Examples:\n  traitctl "), std::string::npos) << name << " --help has no examples:\n"
                                                                    << help;
  EXPECT_NE(help.find("Exit codes:"), std::string::npos) << name << " --help has no exit codes:\n" << help;
}

TEST(Help, EverySubcommandAndTheTopLevelShowExamplesAndExitCodes) {
  CLI::App app;
  GlobalOptions global;
  const auto commands = register_app(app, global);
  const auto subcommands = app.get_subcommands([](const CLI::App*) { return true; });
  ASSERT_EQ(subcommands.size(), commands.size());
  ASSERT_GE(subcommands.size(), 7u);
  expect_examples_and_exit_codes("traitctl", app.help());
  for (const CLI::App* subcommand : subcommands) {
    expect_examples_and_exit_codes(subcommand->get_name(), subcommand->help());
  }
}

std::vector<const CLI::App*> subcommands_of(const CLI::App& app) {
  return app.get_subcommands([](const CLI::App*) { return true; });
}

TEST(Help, SubcommandsAreListedInTheReadmesOrder) {
  CLI::App app;
  GlobalOptions global;
  const auto commands = register_app(app, global);
  std::vector<std::string> names;
  for (const CLI::App* subcommand : subcommands_of(app)) {
    names.push_back(subcommand->get_name());
  }
  EXPECT_EQ(names, (std::vector<std::string>{"submit", "run", "retry", "resubmit", "status", "describe",
                                             "logs", "report", "cleanup", "validate", "cap"}));
}

// Every value is named by what it takes (DURATION, N, SIZE, PATH, ...), not
// by CLI11's C++ type; every subcommand repeats the global options; the
// groups come in one order.
TEST(Help, OptionsNameTheirValuesAndComeInOrderedGroupsWithTheGlobalOptions) {
  CLI::App app;
  GlobalOptions global;
  const auto commands = register_app(app, global);
  const std::regex cpp_type(R"(\b(TEXT|INT|UINT|FLOAT)\b)");
  for (const CLI::App* subcommand : subcommands_of(app)) {
    const std::string help = subcommand->help();
    const std::string name = subcommand->get_name();
    EXPECT_FALSE(std::regex_search(help, cpp_type)) << name << " --help names a C++ type:\n" << help;
    const std::size_t globals = help.find("\nGlobal options:\n");
    ASSERT_NE(globals, std::string::npos) << name << " --help lacks the global options:\n" << help;
    for (const char* option : {"-v,--verbose", "-q,--quiet", "--color WHEN"}) {
      EXPECT_NE(help.find(option, globals), std::string::npos) << name << " --help lacks " << option;
    }
    std::size_t previous = 0;
    for (const std::string& group : help_group::in_order()) {
      const std::size_t at = help.find("\n" + group + ":\n");
      if (at != std::string::npos) {
        EXPECT_GT(at, previous) << name << " --help shows " << group << " out of order:\n" << help;
        previous = at;
      }
    }
  }
}

TEST(Help, RunGroupsItsOptionsAndShowsTheJobCommandAfterTheMarker) {
  CLI::App app;
  GlobalOptions global;
  const auto commands = register_app(app, global);
  const std::string help = app.get_subcommand("run")->help();
  EXPECT_NE(help.find("Usage: run [OPTIONS] [-- COMMAND ARGS...]\n"), std::string::npos) << help;
  for (const std::string& group : help_group::in_order()) {
    EXPECT_NE(help.find("\n" + group + ":\n"), std::string::npos) << "run --help lacks " << group << ":\n"
                                                                  << help;
  }
  const auto in_group = [&](const std::string& option, const std::string& group) {
    const std::size_t start = help.find("\n" + group + ":\n");
    const std::size_t end = help.find("\n\n", start + 1);
    const std::size_t at = help.find("  " + option, start);
    return start != std::string::npos && at != std::string::npos && at < end;
  };
  EXPECT_TRUE(in_group("--traits TRAITS", help_group::batch)) << help;
  EXPECT_TRUE(in_group("--expected-output PATTERN", help_group::batch)) << help;
  EXPECT_TRUE(in_group("--runai-timeout DURATION", help_group::backend)) << help;
  EXPECT_TRUE(in_group("--max-concurrent N", help_group::concurrency)) << help;
  EXPECT_TRUE(in_group("--max-memory SIZE", help_group::concurrency)) << help;
  EXPECT_TRUE(in_group("--max-retries N=3", help_group::retries)) << help;
  EXPECT_TRUE(in_group("--memory-ladder SIZE,...", help_group::retries)) << help;
  EXPECT_TRUE(in_group("--job-timeout DURATION", help_group::local_and_slurm)) << help;
  EXPECT_TRUE(in_group("--partition NAME", help_group::local_and_slurm)) << help;
  EXPECT_TRUE(in_group("--json", help_group::output)) << help;
  EXPECT_TRUE(in_group("-y,--yes", help_group::output)) << help;
}

}  // namespace
}  // namespace traitctl::app_tests
