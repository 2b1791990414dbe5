// The terminal: colour decisions, tagged progress lines on stderr, and the
// confirmation prompt. Results never go through here; they go to stdout.
#pragma once

#include <fmt/color.h>
#include <spdlog/sinks/sink.h>
#include <spdlog/spdlog.h>

#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/cancel.hpp"

namespace traitctl {

enum class ColorMode { Auto, Always, Never };

// Auto: colour when `fd` is a terminal, TERM is not "dumb" and NO_COLOR is unset.
[[nodiscard]] bool should_color(ColorMode mode, int fd);

// How many columns `text` takes on a terminal: one per UTF-8 character
// (wide and combining characters aside; traitctl's own text is ASCII).
[[nodiscard]] std::size_t display_width(std::string_view text);

// `text` cut to fewer than `columns` columns, at a character boundary, so
// that it never wraps: a line that fills the last column leaves the cursor
// waiting to wrap on some terminals. `columns` 0 (unknown): unchanged.
[[nodiscard]] std::string fit_to_width(std::string_view text, std::size_t columns);

struct TerminalSize {
  std::size_t columns = 0;  // 0 when unknown
  std::size_t rows = 0;
};

// The size of the terminal `fd` is, or zeros when it is none.
[[nodiscard]] TerminalSize terminal_size(int fd);

// A block of lines to redraw in place (cursor up over it, then clear): each
// line cut to the width, and at most rows - 1 lines, the last of them
// `overflow(hidden lines)` when some had to go. Cursor-up cannot reach
// above the screen, so a block must never scroll it.
[[nodiscard]] std::vector<std::string> fit_block(
    std::vector<std::string> lines, TerminalSize size,
    const std::function<std::string(std::size_t hidden)>& overflow);

// One line at the bottom of a terminal, redrawn in place ("\r", the text,
// erase to the end of the line) while a long wait lasts. Disabled, it writes
// nothing. Thread-safe.
class StatusLine {
 public:
  // `columns` gives the terminal's width (0 when unknown); longer text is
  // cut so that it never wraps, since "\r" only returns to the last row.
  StatusLine(std::ostream& out, bool enabled, std::function<std::size_t()> columns = {});

  [[nodiscard]] bool enabled() const;
  void set_enabled(bool enabled);
  // Replaces the line's text.
  void show(std::string_view text);
  // Erases the line, if shown.
  void clear();
  // Erases the line, then runs `write`, which prints whole lines: no redraw
  // can land in between. The next show() draws it again below them.
  void clear_then(const std::function<void()>& write);

 private:
  void clear_locked();

  mutable std::mutex mutex_;
  std::ostream& out_;
  bool enabled_;
  std::function<std::size_t()> columns_;
  bool shown_ = false;
};

// stderr's status line: configure_logging enables it when stderr is a
// terminal that understands "\x1b[K" and info lines are shown (not -q).
[[nodiscard]] StatusLine& stderr_status_line();

// Wraps a log sink: clears the status line before each message, so a log
// line never shares a row with it.
class StatusLineSink final : public spdlog::sinks::sink {
 public:
  StatusLineSink(std::shared_ptr<spdlog::sinks::sink> inner, StatusLine& status_line)
      : inner_(std::move(inner)), status_line_(status_line) {}
  void log(const spdlog::details::log_msg& message) override;
  void flush() override;
  void set_pattern(const std::string& pattern) override;
  void set_formatter(std::unique_ptr<spdlog::formatter> formatter) override;

 private:
  std::shared_ptr<spdlog::sinks::sink> inner_;
  StatusLine& status_line_;
};

// stderr logging: -q shows warnings and errors only, -v adds debug lines, -vv trace.
void configure_logging(int verbosity, bool quiet, bool color);

enum class Tag { Info, Submit, Skip, Wait, Success, Failed, Warning, Error, DryRun, Cap };

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

// Asks on stderr and reads one line from stdin; nullopt on end of input or
// once `cancel` is stopped (Ctrl-C while it waits).
[[nodiscard]] std::optional<bool> confirm(std::string_view question, const CancelToken& cancel);

}  // namespace traitctl
