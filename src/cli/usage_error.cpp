#include "traitctl/cli/usage_error.hpp"

#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <iostream>
#include <limits>
#include <optional>
#include <utility>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/exit_codes.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

std::string unexpected_argument(const std::string& word, const CLI::App& command) {
  return fmt::format("unexpected argument '{}': {} takes no such argument (is an option name missing?)", word,
                     command.get_name());
}

constexpr std::size_t not_typed = std::numeric_limits<std::size_t>::max();

std::string_view without_dashes(std::string_view word) {
  while (word.starts_with('-')) {
    word.remove_prefix(1);
  }
  return word;
}

// Optimal string alignment: an insertion, a deletion, a substitution or a
// swap of two neighbours ("sumbit" for "submit") is one edit each.
std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t substitution = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + substitution});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

// "'a'", "'a' or 'b'", "'a', 'b' or 'c'" (or "and").
std::string listed(const std::vector<std::string>& words, bool quoted, std::string_view conjunction = "or") {
  std::string text;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0) {
      text += i + 1 == words.size() ? fmt::format(" {} ", conjunction) : ", ";
    }
    text += quoted ? fmt::format("'{}'", words[i]) : words[i];
  }
  return text;
}

std::string did_you_mean(std::string_view typed, const std::vector<std::string>& candidates) {
  const auto matches = closest_matches(typed, candidates);
  return matches.empty() ? std::string() : fmt::format(": did you mean {}?", listed(matches, true));
}

std::vector<std::string> command_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const CLI::App* command : app.get_subcommands([](const CLI::App*) { return true; })) {
    names.push_back(command->get_name());
  }
  return names;
}

// The long names ("--dry-run") of the command's options and the global ones:
// a one-letter name is too short to tell a typo from another option.
std::vector<std::string> long_option_names(const CLI::App& app, const CLI::App* command) {
  std::vector<std::string> names;
  for (const CLI::App* scope : {command, &app}) {
    if (scope == nullptr) {
      continue;
    }
    for (const CLI::Option* option : scope->get_options()) {
      for (const auto& name : option->get_lnames()) {
        if (std::find(names.begin(), names.end(), "--" + name) == names.end()) {
          names.push_back("--" + name);
        }
      }
    }
  }
  return names;
}

// The option CLI11 names in its messages (Option::get_name()), in the
// command or among the global options.
const CLI::Option* find_option(const CLI::App& app, const CLI::App* command, std::string_view name) {
  for (const CLI::App* scope : {command, &app}) {
    if (scope == nullptr) {
      continue;
    }
    for (const CLI::Option* option : scope->get_options()) {
      if (option->get_name() == name) {
        return option;
      }
    }
  }
  return nullptr;
}

// Where the option was typed first in `args`, or not_typed.
std::size_t typed_at(const CLI::Option& option, const std::vector<std::string>& args) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (option.get_positional()) {
      if (!option.results().empty() && arg == option.results().front()) {
        return i;
      }
    } else if (option.check_name(arg.substr(0, arg.find('=')))) {
      return i;
    }
  }
  return not_typed;
}

// "--watch", or a positional by what was typed for it: "TRAIT (5)".
std::string shown(const CLI::Option& option) {
  if (!option.get_positional()) {
    return option.get_name();
  }
  std::string name = option.get_name();
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
  return option.results().empty() ? name : fmt::format("{} ({})", name, option.results().front());
}

// The first word CLI11 could not place, in the order typed: an unknown
// command or option, or an argument the command does not take.
std::string unexpected_word(const CLI::App& app, const CLI::App* command,
                            const std::vector<std::string>& args) {
  const std::vector<std::string> extras = app.remaining(/*recurse=*/true);
  const auto word = std::find_if(args.begin(), args.end(), [&extras](const std::string& arg) {
    return std::find(extras.begin(), extras.end(), arg) != extras.end();
  });
  if (word == args.end()) {
    return command == nullptr
               ? fmt::format("a command is required: {}", listed(command_names(app), false))
               : fmt::format("unexpected arguments {} for {}", fmt::join(extras, " "), command->get_name());
  }
  if (word->size() > 1 && word->front() == '-') {
    const std::string name = word->substr(0, word->find('='));
    return fmt::format("unknown option '{}'{}{}", name,
                       command == nullptr ? "" : " for " + command->get_name(),
                       did_you_mean(name, long_option_names(app, command)));
  }
  if (command == nullptr) {
    const std::string suggestion = did_you_mean(*word, command_names(app));
    return fmt::format("unknown command '{}'{}", *word,
                       suggestion.empty()
                           ? fmt::format(": the commands are {}", listed(command_names(app), false, "and"))
                           : suggestion);
  }
  return unexpected_argument(*word, *command);
}

std::string needs_a_value(const CLI::Option& option) {
  const std::string example = option.get_default_str().empty() ? "VALUE" : option.get_default_str();
  return fmt::format("{} needs a value, e.g. {} {}", shown(option), option.get_name(), example);
}

// "NAME: 1 required TEXT missing": an option at the end of the line without its value.
std::optional<std::string> missing_value(const CLI::App& app, const CLI::App* command,
                                         const std::string& what) {
  const std::size_t colon = what.find(": ");
  if (colon == std::string::npos || what.find(" required ", colon) == std::string::npos) {
    return std::nullopt;
  }
  const CLI::Option* option = find_option(app, command, what.substr(0, colon));
  if (option == nullptr) {
    return std::nullopt;
  }
  return needs_a_value(*option);
}

// "Could not convert: NAME = VALUE".
std::optional<std::string> unconvertible(const CLI::App& app, const CLI::App* command,
                                         const std::string& what) {
  constexpr std::string_view prefix = "Could not convert: ";
  const std::size_t equals = what.find(" = ");
  if (!what.starts_with(prefix) || equals == std::string::npos) {
    return std::nullopt;
  }
  const CLI::Option* option = find_option(app, command, what.substr(prefix.size(), equals - prefix.size()));
  if (option == nullptr) {
    return std::nullopt;
  }
  if (option->get_expected_max() == 0) {  // a flag
    return fmt::format("{} is a flag: write {} alone, not {}={}", option->get_name(), option->get_name(),
                       option->get_name(), what.substr(equals + 3));
  }
  const std::string type = option->get_type_name();
  const bool whole = type == "N" || type == "CODE" || type == "INT" || type == "UINT";
  const std::string_view wanted = whole ? "a whole number" : type == "FLOAT" ? "a number" : "another value";
  return fmt::format("{} wants {}, not '{}'", shown(*option), wanted, what.substr(equals + 3));
}

// "NAME: MESSAGE" from a validator: CLI11's IsMember and Range messages are
// reworded to name the accepted values.
std::optional<std::string> invalid_value(const CLI::App& app, const CLI::App* command,
                                         const std::string& what) {
  const std::size_t colon = what.find(": ");
  const CLI::Option* option =
      colon == std::string::npos ? nullptr : find_option(app, command, what.substr(0, colon));
  if (option == nullptr) {
    return std::nullopt;
  }
  const std::string problem = what.substr(colon + 2);
  if (const std::size_t set = problem.rfind(" not in {");
      set != std::string::npos && problem.ends_with('}')) {
    const std::string value = problem.substr(0, set);
    std::vector<std::string> members;
    for (const auto& member : CLI::detail::split(problem.substr(set + 9, problem.size() - set - 10), ',')) {
      members.push_back(member);
    }
    return fmt::format("{}: '{}' is not one of {}{}", shown(*option), value, listed(members, false),
                       did_you_mean(value, members));
  }
  constexpr std::string_view range_prefix = "Value ";
  if (const std::size_t range = problem.find(" not in range ");
      problem.starts_with(range_prefix) && range != std::string::npos) {
    return fmt::format("{}: '{}' is not in the range {}", shown(*option),
                       problem.substr(range_prefix.size(), range - range_prefix.size()),
                       problem.substr(range + 14));
  }
  return fmt::format("{}: {}", shown(*option), problem);
}

// "A excludes B" or "A requires B", with the two options in the order typed.
std::optional<std::string> conflict(const CLI::App& app, const CLI::App* command, const std::string& what,
                                    std::string_view verb, const std::vector<std::string>& args) {
  const std::size_t at = what.find(verb);
  if (at == std::string::npos) {
    return std::nullopt;
  }
  const CLI::Option* first = find_option(app, command, what.substr(0, at));
  const CLI::Option* second = find_option(app, command, what.substr(at + verb.size()));
  if (first == nullptr || second == nullptr) {
    return std::nullopt;
  }
  if (verb == " requires ") {
    return fmt::format("{} needs {} as well: add {}", shown(*first), second->get_name(), second->get_name());
  }
  if (typed_at(*second, args) < typed_at(*first, args)) {
    std::swap(first, second);
  }
  return fmt::format("{} and {} cannot be used together: keep one of them", shown(*first), shown(*second));
}

std::string explain(const CLI::App& app, const CLI::App* command, const CLI::ParseError& error,
                    const std::vector<std::string>& args) {
  const std::string what = error.what();
  std::optional<std::string> message;
  if (dynamic_cast<const CLI::ExtrasError*>(&error) != nullptr ||
      (dynamic_cast<const CLI::RequiredError*>(&error) != nullptr && command == nullptr)) {
    message = unexpected_word(app, command, args);
  } else if (dynamic_cast<const CLI::ArgumentMismatch*>(&error) != nullptr) {
    message = missing_value(app, command, what);
  } else if (dynamic_cast<const CLI::ConversionError*>(&error) != nullptr) {
    message = unconvertible(app, command, what);
  } else if (dynamic_cast<const CLI::ValidationError*>(&error) != nullptr) {
    message = invalid_value(app, command, what);
  } else if (dynamic_cast<const CLI::ExcludesError*>(&error) != nullptr) {
    message = conflict(app, command, what, " excludes ", args);
  } else if (dynamic_cast<const CLI::RequiresError*>(&error) != nullptr) {
    message = conflict(app, command, what, " requires ", args);
  }
  return message.value_or(what);
}

}  // namespace

std::vector<std::string> closest_matches(std::string_view typed, const std::vector<std::string>& candidates) {
  const std::string word = lowercase_ascii(without_dashes(typed));
  if (word.empty()) {
    return {};
  }
  const std::size_t allowed = std::max<std::size_t>(1, word.size() / 3);
  struct Scored {
    std::size_t score;   // 0: the same word, 1: its start, 2 + edits
    std::size_t shared;  // leading characters in common: the tie-break
    std::string candidate;
  };
  std::vector<Scored> scored;
  for (const auto& candidate : candidates) {
    const std::string name = lowercase_ascii(without_dashes(candidate));
    const auto shared = static_cast<std::size_t>(
        std::mismatch(word.begin(), word.end(), name.begin(), name.end()).first - word.begin());
    if (name == word) {
      scored.push_back({0, shared, candidate});
    } else if (word.size() >= 3 && name.starts_with(word)) {
      scored.push_back({1, shared, candidate});
    } else if (const std::size_t distance = edit_distance(word, name); distance <= allowed) {
      scored.push_back({2 + distance, shared, candidate});
    }
  }
  const auto better = [](const Scored& a, const Scored& b) {
    return a.score != b.score ? a.score < b.score : a.shared > b.shared;
  };
  std::stable_sort(scored.begin(), scored.end(), better);
  std::vector<std::string> best;
  for (const auto& match : scored) {
    if (!better(scored.front(), match) && best.size() < 3 &&
        std::find(best.begin(), best.end(), match.candidate) == best.end()) {
      best.push_back(match.candidate);
    }
  }
  return best;
}

UsageError describe_parse_error(const CLI::App& app, const CLI::ParseError& error,
                                const std::vector<std::string>& args) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const CLI::App* command = chosen.empty() ? nullptr : chosen.back();
  return UsageError{printable(explain(app, command, error, args)),
                    command == nullptr ? "traitctl" : "traitctl " + command->get_name()};
}

std::optional<UsageError> find_option_taken_as_value(const CLI::App& app) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const CLI::App* command = chosen.empty() ? nullptr : chosen.back();
  for (const CLI::App* scope : {command, &app}) {
    if (scope == nullptr) {
      continue;
    }
    for (const CLI::Option* option : scope->get_options()) {
      for (const auto& value : option->get_positional() ? std::vector<std::string>{} : option->results()) {
        if (value.starts_with('-') &&
            find_option(app, command, value.substr(0, value.find('='))) != nullptr) {
          return UsageError{printable(fmt::format("{}: '{}' is an option", needs_a_value(*option), value)),
                            command == nullptr ? "traitctl" : "traitctl " + command->get_name()};
        }
      }
    }
  }
  return std::nullopt;
}

std::optional<UsageError> find_argument_before_marker(const CLI::App& app,
                                                      const std::vector<std::string>& args) {
  const std::vector<CLI::App*> chosen = app.get_subcommands();
  const CLI::Option* job_command =
      chosen.empty() ? nullptr : chosen.back()->get_option_no_throw("job_command");
  if (job_command == nullptr) {
    return std::nullopt;
  }
  const auto marker = std::find(args.begin(), args.end(), "--");
  const auto after_marker = static_cast<std::size_t>(marker == args.end() ? 0 : args.end() - marker - 1);
  if (job_command->results().size() <= after_marker) {
    return std::nullopt;
  }
  // The results are not in the order typed: name the first such word typed.
  const std::vector<std::string>& taken = job_command->results();
  const auto word = std::find_first_of(args.begin(), marker, taken.begin(), taken.end());
  return UsageError{printable(unexpected_argument(word == marker ? taken.front() : *word, *chosen.back())),
                    "traitctl " + chosen.back()->get_name()};
}

int report_usage_error(const UsageError& error) {
  std::cerr << tagged(Tag::Error, error.message) << "\nRun '" << error.help_command
            << " --help' for more information.\n";
  return to_int(ExitCode::Usage);
}

}  // namespace traitctl
