#include "traitctl/adapters/terminal.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <unistd.h>

#include <array>
#include <cstdlib>
#include <iostream>

namespace traitctl {
namespace {

bool color_enabled = false;

// Debug and trace lines get a "[DEBUG] " prefix; tagged lines carry their own.
class DebugPrefix final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm& /*time*/,
              spdlog::memory_buf_t& destination) override {
    if (message.level <= spdlog::level::debug) {
      constexpr std::string_view prefix = "[DEBUG] ";
      destination.append(prefix.data(), prefix.data() + prefix.size());
    }
  }
  [[nodiscard]] std::unique_ptr<custom_flag_formatter> clone() const override {
    return spdlog::details::make_unique<DebugPrefix>();
  }
};

struct TagStyle {
  std::string_view text;
  fmt::text_style style;
};

TagStyle style_of(Tag tag) {
  switch (tag) {
    case Tag::Info: return {"[INFO]", fmt::fg(fmt::terminal_color::blue)};
    case Tag::Submit: return {"[SUBMIT]", fmt::fg(fmt::terminal_color::green)};
    case Tag::Skip: return {"[SKIP]", fmt::fg(fmt::terminal_color::yellow)};
    case Tag::Wait: return {"[WAIT]", fmt::fg(fmt::terminal_color::yellow)};
    case Tag::Success: return {"[SUCCESS]", fmt::fg(fmt::terminal_color::green) | fmt::emphasis::bold};
    case Tag::Failed: return {"[FAILED]", fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold};
    case Tag::Warning: return {"[WARN]", fmt::fg(fmt::terminal_color::yellow) | fmt::emphasis::bold};
    case Tag::Error: return {"[ERROR]", fmt::fg(fmt::terminal_color::red) | fmt::emphasis::bold};
    case Tag::DryRun: return {"[DRY-RUN]", fmt::fg(fmt::terminal_color::cyan)};
  }
  return {"[INFO]", {}};
}

}  // namespace

bool should_color(ColorMode mode, int fd) {
  switch (mode) {
    case ColorMode::Always: return true;
    case ColorMode::Never: return false;
    case ColorMode::Auto: break;
  }
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color != nullptr && *no_color != '\0') {
    return false;
  }
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string_view(term) == "dumb") {
    return false;
  }
  return isatty(fd) == 1;
}

void configure_logging(int verbosity, bool quiet, bool color) {
  color_enabled = color;
  auto logger = std::make_shared<spdlog::logger>("traitctl", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<DebugPrefix>('*').set_pattern("%*%v");
  logger->set_formatter(std::move(formatter));
  if (quiet) {
    logger->set_level(spdlog::level::warn);
  } else if (verbosity >= 2) {
    logger->set_level(spdlog::level::trace);
  } else if (verbosity == 1) {
    logger->set_level(spdlog::level::debug);
  } else {
    logger->set_level(spdlog::level::info);
  }
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(std::move(logger));
}

std::string tagged(Tag tag, std::string_view message) {
  const TagStyle style = style_of(tag);
  if (color_enabled) {
    return fmt::format("{} {}", fmt::styled(style.text, style.style), message);
  }
  return fmt::format("{} {}", style.text, message);
}

bool stdin_is_terminal() { return isatty(STDIN_FILENO) == 1; }

std::optional<bool> confirm(std::string_view question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return std::nullopt;
  }
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

}  // namespace traitctl
