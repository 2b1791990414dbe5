// What to do about a trait, in the words `status` and `describe` print, and
// where its log is: the commands to type, with the flags the batch needs.
// Pure.
#pragma once

#include <string>
#include <string_view>

#include "traitctl/core/clock.hpp"
#include "traitctl/core/trait_view.hpp"

namespace traitctl {

// How the commands in the advice are spelt: `--backend local` where the
// batch is not on the default backend (runai).
struct AdviceContext {
  std::string backend = "runai";
  std::string memory;  // MEMORY, what a first attempt asks for
};

// "traitctl logs 5", "traitctl logs 5 --attempt 2 --backend local": the
// command that prints the log of the trait's attempt (`attempt` 0: its
// current job).
[[nodiscard]] std::string logs_command(int trait, int attempt, std::string_view backend);

// The failure line's pointer to the log: "log: traitctl logs 5 --attempt 2".
// With the attempt number it stays right after a resubmission replaces the
// job (where the backend keeps earlier logs).
[[nodiscard]] std::string log_hint(int trait, int attempt, std::string_view backend);

// The next step for the row, e.g. "retried automatically (retry 2/3 at
// 12:30:05 UTC)", "fix the inputs (`traitctl logs 5`), then `traitctl
// resubmit 5`"; "" for a row that needs nothing (Attention::None).
[[nodiscard]] std::string next_step(const TraitRow& row, const AdviceContext& context, TimePoint now);

// "12:30:05 UTC": the time of day, for a time within the next hours.
[[nodiscard]] std::string format_time_of_day(TimePoint time);

}  // namespace traitctl
