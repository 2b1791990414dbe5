// What the report's renderers share: escaping for XML/HTML and Markdown, and
// how times are written.
#include <fmt/chrono.h>

#include "traitctl/cli/report.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {

std::string xml_escape(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size() + text.size() / 8);
  while (!text.empty()) {
    const std::size_t newline = keep_newlines ? text.find('\n') : std::string_view::npos;
    const std::string line = printable(text.substr(0, newline));
    for (const char c : line) {
      switch (c) {
        case '&': out += "&amp;"; break;
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '"': out += "&quot;"; break;
        case '\'': out += "&#39;"; break;
        default: out += c;
      }
    }
    if (newline == std::string_view::npos) {
      break;
    }
    out += '\n';
    text.remove_prefix(newline + 1);
  }
  return out;
}

std::string markdown_cell(std::string_view text) {
  std::string out;
  for (const char c : printable(text)) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '|':
      case '\\':
      case '`':
      case '*':
      case '_':
      case '[':
      case ']':
      case '~':
      case '#':
      case '!':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

std::string report_time(TimePoint time) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC", std::chrono::floor<std::chrono::seconds>(time));
}

}  // namespace traitctl
