#include "traitctl/core/output_pattern.hpp"

#include <algorithm>
#include <charconv>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// Wider than any trait number needs; a typo such as {trait:0300} stops here.
constexpr int max_width = 20;

constexpr std::string_view placeholders_help =
    "write {trait} for the trait number, or {trait:03} for it zero-padded to 3 digits (any width "
    "{trait:0N} up to 20)";

Error bad_pattern(std::string_view pattern, std::string_view problem) {
  return make_error(ErrorKind::Config, "the output pattern '{}' {}", printable(pattern), problem);
}

// The digits {trait:0N} asks for, or 0 when `inside` (between the braces)
// is not such a placeholder.
int padded_width(std::string_view inside) {
  constexpr std::string_view padded = "trait:0";
  if (!inside.starts_with(padded)) {
    return 0;
  }
  const std::string_view digits = inside.substr(padded.size());
  int width = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), width);
  const bool whole = !digits.empty() && error == std::errc{} && end == digits.data() + digits.size() &&
                     digits.front() != '+' && digits.front() != '-';
  return whole && width >= 1 && width <= max_width ? width : 0;
}

bool climbs_out(std::string_view pattern) {
  for (std::size_t start = 0; start <= pattern.size();) {
    const std::size_t slash = std::min(pattern.find('/', start), pattern.size());
    if (pattern.substr(start, slash - start) == "..") {
      return true;
    }
    start = slash + 1;
  }
  return false;
}

}  // namespace

Result<std::string> expand_output_pattern(std::string_view pattern, int trait) {
  if (pattern.starts_with('/')) {
    return bad_pattern(pattern, "is absolute: write it relative to OUTPUT_PATH_HOST, e.g. " +
                                    std::string(default_expected_output));
  }
  if (climbs_out(pattern)) {
    return bad_pattern(pattern,
                       "climbs out of the outputs folder with '..': write a path under OUTPUT_PATH_HOST");
  }
  std::string expanded;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '}') {
      return bad_pattern(pattern,
                         fmt::format("has a '}}' that closes no placeholder: {}", placeholders_help));
    }
    if (pattern[i] != '{') {
      expanded.push_back(pattern[i]);
      continue;
    }
    const std::size_t close = pattern.find('}', i);
    if (close == std::string_view::npos) {
      return bad_pattern(pattern, fmt::format("has a '{{' that is never closed: {}", placeholders_help));
    }
    const std::string_view inside = pattern.substr(i + 1, close - i - 1);
    if (inside == "trait") {
      expanded += std::to_string(trait);
    } else if (const int width = padded_width(inside); width > 0) {
      expanded += fmt::format("{:0{}}", trait, width);
    } else {
      return bad_pattern(
          pattern, fmt::format("has the placeholder '{{{}}}': {}", printable(inside), placeholders_help));
    }
    i = close;
  }
  return expanded;
}

}  // namespace traitctl
