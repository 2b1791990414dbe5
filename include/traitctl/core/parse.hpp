// Parsers for command-line and .env values: trait specs and durations.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// "2-187", "2,5,9-12": sorted, without duplicates. Traits are >= 2 (column 1
// is Taxa). Usage error naming the bad part otherwise.
[[nodiscard]] Result<std::vector<int>> parse_trait_spec(std::string_view spec);

// "30s", "2m", "0.5s", "500ms", "1h" and plain seconds ("30", "0.5"), at most
// 8760h. Rounded to the nearest millisecond, except that a positive value
// under 1 ms becomes 1 ms: only "0" means zero.
[[nodiscard]] Result<Duration> parse_duration(std::string_view text);

// A strict whole number (no sign, no trailing text), for flags and .env values.
[[nodiscard]] Result<int> parse_int(std::string_view text, std::string_view what);

// `text` with control characters and non-UTF-8 bytes escaped (\x1b), safe to
// echo in a message: a hostile value cannot drive the terminal.
[[nodiscard]] std::string printable(std::string_view text);

// 0-9 only, whatever the locale.
[[nodiscard]] bool is_ascii_digit(char c);

// A space or a tab.
[[nodiscard]] bool is_blank(char c);

// `text` with A-Z as a-z and every other byte as it was (locale-independent).
[[nodiscard]] std::string lowercase_ascii(std::string_view text);

// `text` without leading and trailing spaces and tabs.
[[nodiscard]] std::string_view trim_blanks(std::string_view text);

// POSIX-shell quoting for display only (dry-run's copy-and-paste command);
// a word with control or non-UTF-8 bytes gets bash's $'...' with escapes.
[[nodiscard]] std::string shell_quote(std::string_view word);
[[nodiscard]] std::string shell_join(const std::vector<std::string>& argv);

}  // namespace traitctl
