#include "traitctl/cli/text.hpp"

#include <algorithm>
#include <chrono>

namespace traitctl {

std::string noun_for_count(bool exactly_one, std::string_view singular, std::string_view plural_form) {
  if (exactly_one) {
    return std::string(singular);
  }
  return plural_form.empty() ? fmt::format("{}s", singular) : std::string(plural_form);
}

std::string format_duration(Duration duration) {
  const auto seconds = std::max<std::chrono::seconds::rep>(
      std::chrono::duration_cast<std::chrono::seconds>(duration).count(), 0);
  if (seconds >= 3600) {
    return fmt::format("{}h {:02}m {:02}s", seconds / 3600, seconds / 60 % 60, seconds % 60);
  }
  if (seconds >= 60) {
    return fmt::format("{}m {:02}s", seconds / 60, seconds % 60);
  }
  return fmt::format("{}s", seconds);
}

std::string_view last_lines(std::string_view text, std::size_t count) {
  if (count == 0) {
    return text.substr(text.size());
  }
  // Counted back from the end, the final '\n' ending the last line, not starting one.
  std::size_t start = text.size();
  if (start > 0 && text[start - 1] == '\n') {
    --start;
  }
  for (std::size_t found = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++found == count) {
      return text.substr(start);
    }
  }
  return text;
}

std::string retry_label(int retry, int max_retries) { return fmt::format("retry {}/{}", retry, max_retries); }

}  // namespace traitctl
