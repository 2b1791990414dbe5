#include "traitctl/cli/help_format.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>

namespace traitctl {
namespace help_group {

const std::vector<std::string>& in_order() {
  static const std::vector<std::string> order{command, batch,           backend, concurrency,
                                              retries, local_and_slurm, output,  global};
  return order;
}

}  // namespace help_group

namespace {

// A group CLI11 does not know yet goes after the known ones, in the order its
// first option was added.
std::size_t rank(const std::string& group) {
  const auto& order = help_group::in_order();
  return static_cast<std::size_t>(std::find(order.begin(), order.end(), group) - order.begin());
}

class GroupedFormatter : public CLI::Formatter {
 public:
  // CLI::Formatter::make_help with ordered_groups for its non-virtual make_groups.
  std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override {
    if (mode == CLI::AppFormatMode::Sub) {
      return make_expanded(app);
    }
    return fmt::format("{}{}{}{}{}\n{}", make_description(app), make_usage(app, name), make_positionals(app),
                       ordered_groups(app, mode), make_subcommands(app, mode), make_footer(app));
  }

  std::string ordered_groups(const CLI::App* app, CLI::AppFormatMode mode) const {
    std::vector<std::string> groups = app->get_groups();
    std::stable_sort(groups.begin(), groups.end(),
                     [](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    std::vector<std::string> sections;
    for (const std::string& group : groups) {
      const auto options = app->get_options([&](const CLI::Option* option) {
        return option->get_group() == group && option->nonpositional() &&
               (mode != CLI::AppFormatMode::Sub ||
                (option != app->get_help_ptr() && option != app->get_help_all_ptr()));
      });
      if (!group.empty() && !options.empty()) {
        sections.push_back(make_group(group, false, options));
      }
    }
    const CLI::App* parent = app->get_parent();
    if (parent != nullptr && mode == CLI::AppFormatMode::Normal) {
      const auto globals = parent->get_options(
          [](const CLI::Option* option) { return option->get_group() == help_group::global; });
      if (!globals.empty()) {
        sections.push_back(make_group(help_group::global, false, globals));
      }
    }
    return fmt::format("{}", fmt::join(sections, ""));
  }

  // A positional's name says what it takes (TRAIT, N); its option_text, when
  // set, replaces the name: `-- COMMAND ARGS...`.
  std::string make_option_name(const CLI::Option* option, bool is_positional) const override {
    if (is_positional && !option->get_option_text().empty()) {
      return option->get_option_text();
    }
    return CLI::Formatter::make_option_name(option, is_positional);
  }

  std::string make_option_opts(const CLI::Option* option) const override {
    if (option->nonpositional()) {
      return CLI::Formatter::make_option_opts(option);
    }
    const bool many = option->get_expected_max() >= CLI::detail::expected_max_vector_size;
    return fmt::format("{}{}", many && option->get_option_text().empty() ? " ..." : "",
                       option->get_required() ? " REQUIRED" : "");
  }

  std::string make_option_usage(const CLI::Option* option) const override {
    if (option->get_option_text().empty()) {
      return CLI::Formatter::make_option_usage(option);
    }
    return option->get_required() ? option->get_option_text()
                                  : fmt::format("[{}]", option->get_option_text());
  }
};

}  // namespace

std::shared_ptr<CLI::FormatterBase> make_help_formatter() { return std::make_shared<GroupedFormatter>(); }

}  // namespace traitctl
