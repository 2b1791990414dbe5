// Every subcommand's --help, and the top-level one, carries examples and the
// exit codes: the test walks the subcommands the app really registers, so a
// new one without them fails here.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "traitctl/cli/app.hpp"

namespace traitctl {
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

}  // namespace
}  // namespace traitctl
