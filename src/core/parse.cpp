#include "traitctl/core/parse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <set>

namespace traitctl {
namespace {

constexpr std::size_t max_traits = 100000;
constexpr std::string_view trait_spec_forms = "use a range like 2-187, a list like 2,5,9, or both: 2,5,9-12";
constexpr std::string_view duration_forms = "use e.g. 30s, 2m, 1h, 500ms, 0.5s or plain seconds (30)";
// A year is far beyond any sensible timeout or interval, and keeps deadline
// arithmetic on nanosecond clocks far from overflow.
constexpr std::uint64_t max_duration_ms = std::uint64_t{365} * 24 * 60 * 60 * 1000;
constexpr std::string_view max_duration_text = "8760h, one year";


// Strict decimal digits to int; nullopt for anything else or overflow.
std::optional<int> to_int(std::string_view text) {
  if (text.empty() || !std::all_of(text.begin(), text.end(), is_ascii_digit)) {
    return std::nullopt;
  }
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size()) {
    return std::nullopt;
  }
  return value;
}

// Length of the valid UTF-8 sequence at the start of `text`, or 0 when the
// first byte does not start one (stray continuation, overlong, surrogate,
// beyond U+10FFFF, truncated).
std::size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&text](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;  // range allowed for the second byte
  if (lead < 0x80) {
    return 1;
  }
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    low = lead == 0xE0 ? 0xA0 : 0x80;
    high = lead == 0xED ? 0x9F : 0xBF;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    low = lead == 0xF0 ? 0x90 : 0x80;
    high = lead == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) {
    return 0;
  }
  for (std::size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) {
      return 0;
    }
  }
  return length;
}

bool is_shell_safe(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_ascii_digit(c) ||
         std::string_view("_@%+=:,./-").find(c) != std::string_view::npos;
}

}  // namespace

Result<std::vector<int>> parse_trait_spec(std::string_view spec) {
  if (trim_blanks(spec).empty()) {
    return make_error(ErrorKind::Usage, "the trait spec is empty; {}", trait_spec_forms);
  }
  std::set<int> traits;
  std::string_view rest = spec;
  while (true) {
    const std::size_t comma = rest.find(',');
    const std::string_view part = trim_blanks(rest.substr(0, comma));
    if (part.empty()) {
      return make_error(ErrorKind::Usage, "trait spec '{}' has an empty part; {}", printable(spec),
                        trait_spec_forms);
    }
    const std::size_t dash = part.find('-');
    const std::string_view first_text = trim_blanks(part.substr(0, dash));
    const std::string_view last_text =
        dash == std::string_view::npos ? first_text : trim_blanks(part.substr(dash + 1));
    const auto first = to_int(first_text);
    const auto last = to_int(last_text);
    if (!first || !last) {
      return make_error(ErrorKind::Usage, "'{}' in trait spec '{}' is not a trait number or range; {}",
                        printable(part), printable(spec), trait_spec_forms);
    }
    if (std::min(*first, *last) < 2) {
      return make_error(
          ErrorKind::Usage,
          "'{}' in trait spec '{}': traits start at 2 (column 1 of the phenotype file is Taxa); {}",
          printable(part), printable(spec), trait_spec_forms);
    }
    if (*first > *last) {
      return make_error(ErrorKind::Usage, "'{}' in trait spec '{}' is a reversed range; write {}-{}; {}",
                        printable(part), printable(spec), *last, *first, trait_spec_forms);
    }
    // Checked per range before expanding, so "2-2000000000" never allocates.
    const auto range_size = static_cast<std::size_t>(*last - *first) + 1;
    if (range_size > max_traits) {
      return make_error(ErrorKind::Usage, "'{}' in trait spec '{}' names more than {} traits; {}",
                        printable(part), printable(spec), max_traits, trait_spec_forms);
    }
    for (int trait = *first; trait <= *last; ++trait) {
      traits.insert(trait);
      if (trait == std::numeric_limits<int>::max()) {
        break;  // ++trait would overflow
      }
    }
    if (traits.size() > max_traits) {
      return make_error(ErrorKind::Usage, "trait spec '{}' names more than {} traits; {}", printable(spec),
                        max_traits, trait_spec_forms);
    }
    if (comma == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(comma + 1);
  }
  return std::vector<int>(traits.begin(), traits.end());
}

Result<Duration> parse_duration(std::string_view text) {
  if (text.empty()) {
    return make_error(ErrorKind::Usage, "the duration is empty; {}", duration_forms);
  }
  if (text.front() == '-') {
    return make_error(ErrorKind::Usage, "duration '{}' is negative; {}", printable(text), duration_forms);
  }
  // Digits with an optional fraction, in exact integer arithmetic: no
  // floating point, so "nan", "inf" and "1e9" are simply not numbers.
  const std::size_t whole_end = std::min(text.find_first_not_of("0123456789"), text.size());
  std::string_view whole = text.substr(0, whole_end);
  std::string_view fraction;
  std::string_view unit = text.substr(whole_end);
  if (unit.starts_with('.')) {
    const std::size_t fraction_end = std::min(unit.find_first_not_of("0123456789", 1), unit.size());
    fraction = unit.substr(1, fraction_end - 1);
    unit.remove_prefix(fraction_end);
  }
  if (whole.empty() && fraction.empty()) {
    return make_error(ErrorKind::Usage, "duration '{}' does not start with a number; {}", printable(text),
                      duration_forms);
  }
  std::uint64_t unit_ms = 0;
  if (unit.empty() || unit == "s") {
    unit_ms = 1000;
  } else if (unit == "ms") {
    unit_ms = 1;
  } else if (unit == "m") {
    unit_ms = std::uint64_t{60} * 1000;
  } else if (unit == "h") {
    unit_ms = std::uint64_t{60} * 60 * 1000;
  } else {
    return make_error(ErrorKind::Usage, "duration '{}' has an unknown unit '{}'; {}", printable(text),
                      printable(unit), duration_forms);
  }
  whole = whole.substr(std::min(whole.find_first_not_of('0'), whole.size()));
  // 12 digits of milliseconds already exceed the cap, and keep the products below in range.
  if (whole.size() > 12) {
    return make_error(ErrorKind::Usage, "duration '{}' is too long (at most {})", printable(text),
                      max_duration_text);
  }
  std::uint64_t whole_value = 0;
  std::from_chars(whole.data(), whole.data() + whole.size(), whole_value);
  // Nine fraction digits are nanoseconds of the unit, finer than the rounding needs.
  std::string nanos(fraction.substr(0, 9));
  nanos.resize(9, '0');
  std::uint64_t nano_value = 0;
  std::from_chars(nanos.data(), nanos.data() + nanos.size(), nano_value);
  constexpr std::uint64_t billion = 1'000'000'000;
  const std::uint64_t ms = whole_value * unit_ms + (nano_value * unit_ms + billion / 2) / billion;
  if (ms > max_duration_ms) {
    return make_error(ErrorKind::Usage, "duration '{}' is too long (at most {})", printable(text),
                      max_duration_text);
  }
  // Round to the nearest millisecond, but never turn a positive request
  // into 0, which callers treat as "none" or reject.
  const bool positive = whole_value > 0 || fraction.find_first_not_of('0') != std::string_view::npos;
  return Duration{static_cast<Duration::rep>(positive && ms == 0 ? 1 : ms)};
}

Result<int> parse_int(std::string_view text, std::string_view what) {
  if (auto value = to_int(text)) {
    return *value;
  }
  if (!text.empty() && std::all_of(text.begin(), text.end(), is_ascii_digit)) {
    return make_error(ErrorKind::Usage, "{} '{}' is too large (at most {})", what, printable(text),
                      std::numeric_limits<int>::max());
  }
  return make_error(ErrorKind::Usage, "{} '{}' is not a whole number", what, printable(text));
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  while (!text.empty()) {
    const std::size_t length = utf8_sequence_length(text);
    const auto lead = static_cast<unsigned char>(text.front());
    // C1 controls (U+0080..U+009F, UTF-8 C2 80..C2 9F) include CSI, which
    // some terminals obey like ESC [.
    const bool c1_control = length == 2 && lead == 0xC2 && static_cast<unsigned char>(text[1]) < 0xA0;
    if (length == 0 || c1_control || lead < 0x20 || lead == 0x7F) {
      const std::size_t escaped = length == 0 ? 1 : length;
      for (std::size_t i = 0; i < escaped; ++i) {
        const auto byte = static_cast<unsigned char>(text[i]);
        switch (byte) {
          case '\n': out += "\\n"; break;
          case '\r': out += "\\r"; break;
          case '\t': out += "\\t"; break;
          default: out += fmt::format("\\x{:02x}", byte);
        }
      }
      text.remove_prefix(escaped);
    } else {
      out.append(text.substr(0, length));
      text.remove_prefix(length);
    }
  }
  return out;
}

std::string shell_quote(std::string_view word) {
  if (word.empty()) {
    return "''";
  }
  if (std::all_of(word.begin(), word.end(), is_shell_safe)) {
    return std::string(word);
  }
  if (printable(word) != word) {
    // Control or non-UTF-8 bytes must not reach the terminal raw: bash's
    // $'...' spells them as escapes and still pastes as the same bytes.
    std::string escaped;
    for (const char c : word) {
      if (c == '\\' || c == '\'') {
        escaped += '\\';
      }
      escaped += c;
    }
    return "$'" + printable(escaped) + "'";
  }
  std::string out = "'";
  for (const char c : word) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  out += '\'';
  return out;
}

std::string shell_join(const std::vector<std::string>& argv) {
  std::string out;
  for (const auto& word : argv) {
    if (!out.empty()) {
      out += ' ';
    }
    out += shell_quote(word);
  }
  return out;
}

bool is_ascii_digit(char c) { return c >= '0' && c <= '9'; }

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string lowercase_ascii(std::string_view text) {
  std::string lowered(text);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; });
  return lowered;
}

std::string_view trim_blanks(std::string_view text) {
  while (!text.empty() && is_blank(text.front())) {
    text.remove_prefix(1);
  }
  while (!text.empty() && is_blank(text.back())) {
    text.remove_suffix(1);
  }
  return text;
}

}  // namespace traitctl
