#include "traitctl/adapters/terminal.hpp"

#include <poll.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
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
    case Tag::Cap: return {"[CAP]", fmt::fg(fmt::terminal_color::magenta) | fmt::emphasis::bold};
  }
  return {"[INFO]", {}};
}

bool term_is_dumb() {
  const char* term = std::getenv("TERM");
  return term != nullptr && std::string_view(term) == "dumb";
}

bool continues_character(char byte) { return (static_cast<unsigned char>(byte) & 0xC0U) == 0x80U; }

std::size_t stderr_columns() { return terminal_size(STDERR_FILENO).columns; }

constexpr std::string_view erase_line = "\r\x1b[K";

}  // namespace

std::size_t display_width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char byte) { return !continues_character(byte); }));
}

std::string fit_to_width(std::string_view text, std::size_t columns) {
  if (columns == 0) {
    return std::string(text);
  }
  std::size_t characters = 0;
  for (std::size_t at = 0; at < text.size(); ++at) {
    if (!continues_character(text[at]) && ++characters == columns) {
      return std::string(text.substr(0, at));
    }
  }
  return std::string(text);
}

TerminalSize terminal_size(int fd) {
  winsize size{};
  if (ioctl(fd, TIOCGWINSZ, &size) != 0) {
    return {};
  }
  return {size.ws_col, size.ws_row};
}

std::vector<std::string> fit_block(std::vector<std::string> lines, TerminalSize size,
                                   const std::function<std::string(std::size_t hidden)>& overflow) {
  if (size.rows > 1 && lines.size() > size.rows - 1) {
    const std::size_t kept = size.rows - 2;
    const std::size_t hidden = lines.size() - kept;
    lines.resize(kept);
    lines.push_back(overflow(hidden));
  }
  for (auto& line : lines) {
    line = fit_to_width(line, size.columns);
  }
  return lines;
}

StatusLine::StatusLine(std::ostream& out, bool enabled, std::function<std::size_t()> columns)
    : out_(out), enabled_(enabled), columns_(std::move(columns)) {}

bool StatusLine::enabled() const {
  const std::lock_guard lock(mutex_);
  return enabled_;
}

void StatusLine::set_enabled(bool enabled) {
  const std::lock_guard lock(mutex_);
  if (!enabled) {
    clear_locked();
  }
  enabled_ = enabled;
}

void StatusLine::show(std::string_view text) {
  const std::lock_guard lock(mutex_);
  if (!enabled_) {
    return;
  }
  // Cut to the width: "\r" only returns to the last row of a wrapped line.
  // Text first, then erase what is left of a longer previous line: no flicker.
  out_ << '\r' << fit_to_width(text, columns_ ? columns_() : 0) << "\x1b[K" << std::flush;
  shown_ = true;
}

void StatusLine::clear() {
  const std::lock_guard lock(mutex_);
  clear_locked();
}

void StatusLine::clear_then(const std::function<void()>& write) {
  const std::lock_guard lock(mutex_);
  clear_locked();
  write();
}

void StatusLine::clear_locked() {
  if (shown_) {
    out_ << erase_line << std::flush;
    shown_ = false;
  }
}

StatusLine& stderr_status_line() {
  static StatusLine line(std::cerr, false, stderr_columns);
  return line;
}

void StatusLineSink::log(const spdlog::details::log_msg& message) {
  status_line_.clear_then([&] { inner_->log(message); });
}

void StatusLineSink::flush() { inner_->flush(); }

void StatusLineSink::set_pattern(const std::string& pattern) { inner_->set_pattern(pattern); }

void StatusLineSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  inner_->set_formatter(std::move(formatter));
}

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
  if (term_is_dumb()) {
    return false;
  }
  return isatty(fd) == 1;
}

void configure_logging(int verbosity, bool quiet, bool color) {
  color_enabled = color;
  StatusLine& status_line = stderr_status_line();
  status_line.set_enabled(!quiet && !term_is_dumb() && isatty(STDERR_FILENO) == 1);
  auto logger = std::make_shared<spdlog::logger>(
      "traitctl",
      std::make_shared<StatusLineSink>(std::make_shared<spdlog::sinks::stderr_sink_mt>(), status_line));
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

std::optional<bool> confirm(std::string_view question, const CancelToken& cancel) {
  std::cerr << question << " [y/N] " << std::flush;
  // A Ctrl-C that lands before the read starts would not interrupt it: wait
  // for the answer in short polls that look at the stop request in between.
  constexpr int look_ms = 100;
  pollfd input{STDIN_FILENO, POLLIN, 0};
  while (!cancel.stop_requested()) {
    const int ready = ::poll(&input, 1, look_ms);
    if (ready > 0 || (ready < 0 && errno != EINTR)) {
      break;  // an answer, end of input, or an error the read reports
    }
  }
  if (cancel.stop_requested()) {
    std::cerr << '\n';
    return std::nullopt;
  }
  std::string answer;
  if (!std::getline(std::cin, answer)) {
    std::cerr << '\n';
    return std::nullopt;
  }
  return answer == "y" || answer == "Y" || answer == "yes" || answer == "YES" || answer == "Yes";
}

}  // namespace traitctl
