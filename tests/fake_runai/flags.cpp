#include "flags.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <system_error>

namespace fake_runai {

namespace {

// The spec named by `key` (the text after - or --, before any '='), or the
// error pflag gives for an unknown flag.
const FlagSpec& find_flag(std::span<const FlagSpec> specs, bool is_long, std::string_view key,
                          const std::string& arg) {
  const auto matches = [&](const FlagSpec& spec) {
    return is_long ? spec.name == key : key.size() == 1 && spec.shorthand == key[0];
  };
  if (matches(kHelpFlag)) {
    return kHelpFlag;
  }
  const auto found = std::find_if(specs.begin(), specs.end(), matches);
  if (found == specs.end()) {
    throw CliError(is_long ? fmt::format("Error: unknown flag: --{}", key)
                           : fmt::format("Error: unknown shorthand flag: '{}' in {}", key.substr(0, 1), arg));
  }
  return *found;
}

}  // namespace

ParsedArgs parse_flags(std::span<const std::string> args, std::span<const FlagSpec> specs) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      break;  // the container's command: kept only in the stored argv
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    const bool is_long = arg.starts_with("--");
    const std::string_view body = std::string_view(arg).substr(is_long ? 2 : 1);
    const std::size_t equals = body.find('=');
    const std::string_view key = body.substr(0, equals);
    const FlagSpec& spec = find_flag(specs, is_long, key, arg);
    if (&spec == &kHelpFlag) {
      parsed.help = true;
      continue;
    }
    std::string value = "true";
    if (equals != std::string_view::npos) {
      value = std::string(body.substr(equals + 1));
    } else if (!spec.value_type.empty()) {
      if (i + 1 >= args.size()) {
        throw CliError(fmt::format("Error: flag needs an argument: {}", arg));
      }
      value = args[++i];
    }
    parsed.values[std::string(spec.name)].push_back(std::move(value));
  }
  return parsed;
}

std::optional<std::int64_t> int_flag(const ParsedArgs& parsed, std::string_view name) {
  const auto text = parsed.last(name);
  if (!text) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    throw CliError(
        fmt::format("Error: invalid argument \"{}\" for \"--{}\" flag: strconv.ParseInt: parsing "
                    "\"{}\": invalid syntax",
                    *text, name, *text));
  }
  return value;
}

std::string help_text(std::string_view description, std::string_view usage, std::span<const FlagSpec> specs) {
  std::vector<std::pair<std::string, std::string_view>> lines;
  std::vector<FlagSpec> all(specs.begin(), specs.end());
  all.push_back(kHelpFlag);
  std::sort(all.begin(), all.end(), [](const FlagSpec& a, const FlagSpec& b) { return a.name < b.name; });
  std::size_t width = 0;
  for (const auto& spec : all) {
    std::string left = spec.shorthand != '\0' ? fmt::format("  -{}, --{}", spec.shorthand, spec.name)
                                              : fmt::format("      --{}", spec.name);
    if (!spec.value_type.empty()) {
      left += fmt::format(" {}", spec.value_type);
    }
    width = std::max(width, left.size());
    lines.emplace_back(std::move(left), spec.usage);
  }
  std::string text = fmt::format("{}\n\nUsage:\n  {}\n\nFlags:\n", description, usage);
  for (const auto& [left, flag_usage] : lines) {
    text += fmt::format("{:<{}}   {}\n", left, width, flag_usage);
  }
  return text;
}

std::string require_project(const ParsedArgs& parsed) {
  auto project = parsed.last("project");
  if (!project || project->empty()) {
    throw CliError("Error: no project was specified and no default project is configured; use --project");
  }
  return *project;
}

std::string single_name(const ParsedArgs& parsed, std::string_view command) {
  if (parsed.positional.size() != 1) {
    throw CliError(fmt::format("Error: {} accepts 1 arg(s), received {}", command, parsed.positional.size()));
  }
  return parsed.positional.front();
}

std::size_t non_negative(std::optional<std::int64_t> value, std::string_view flag, std::size_t fallback) {
  if (!value) {
    return fallback;
  }
  if (*value < 0) {
    throw CliError(fmt::format("Error: --{} must not be negative", flag));
  }
  return static_cast<std::size_t>(*value);
}

}  // namespace fake_runai
