// Wording shared by the commands' reports: counted nouns, durations and
// retry counters, so that every line says them the same way.
#pragma once

#include <fmt/format.h>

#include <concepts>
#include <string>
#include <string_view>

#include "traitctl/core/clock.hpp"

namespace traitctl {

// `singular` for exactly one, else `plural_form`, or `singular` + "s" when
// no plural form is given.
[[nodiscard]] std::string noun_for_count(bool exactly_one, std::string_view singular,
                                         std::string_view plural_form = {});

// "1 job", "0 jobs", "2 jobs"; plural(3, "retry", "retries") for an irregular plural.
template <std::integral Count>
[[nodiscard]] std::string plural(Count count, std::string_view singular, std::string_view plural_form = {}) {
  return fmt::format("{} {}", count, noun_for_count(count == 1, singular, plural_form));
}

// Whole seconds, rounded down: "45s", "2m 05s", "1h 02m 03s"; "0s" for
// less than a second or a negative duration.
[[nodiscard]] std::string format_duration(Duration duration);

// The last `count` lines of `text` (a last line without '\n' counts); all
// of it when it has fewer.
[[nodiscard]] std::string_view last_lines(std::string_view text, std::size_t count);

// "retry 2/3": the `retry`th automatic retry of at most `max_retries`.
[[nodiscard]] std::string retry_label(int retry, int max_retries);

}  // namespace traitctl
