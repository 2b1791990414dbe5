// The terminal: colour decisions, tagged progress lines on stderr, and the
// confirmation prompt. Results never go through here; they go to stdout.
#pragma once

#include <fmt/color.h>
#include <spdlog/spdlog.h>

#include <optional>
#include <string>
#include <string_view>

namespace traitctl {

enum class ColorMode { Auto, Always, Never };

// Auto: colour when `fd` is a terminal, TERM is not "dumb" and NO_COLOR is unset.
[[nodiscard]] bool should_color(ColorMode mode, int fd);

// stderr logging: -q shows warnings and errors only, -v adds debug lines, -vv trace.
void configure_logging(int verbosity, bool quiet, bool color);

enum class Tag { Info, Submit, Skip, Wait, Success, Failed, Warning, Error, DryRun };

// "[SUBMIT] message", the tag coloured when logging was configured with colour.
[[nodiscard]] std::string tagged(Tag tag, std::string_view message);

template <typename... Args>
void report(Tag tag, fmt::format_string<Args...> format, Args&&... args) {
  const std::string line = tagged(tag, fmt::format(format, std::forward<Args>(args)...));
  switch (tag) {
    case Tag::Failed:
    case Tag::Error: spdlog::error(line); break;
    case Tag::Warning: spdlog::warn(line); break;
    default: spdlog::info(line); break;
  }
}

[[nodiscard]] bool stdin_is_terminal();

// Asks on stderr and reads one line from stdin; nullopt on end of input.
[[nodiscard]] std::optional<bool> confirm(std::string_view question);

}  // namespace traitctl
