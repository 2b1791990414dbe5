// Job names and batch membership: a job belongs to batch X only when its name
// is exactly X-<digits>; "X-extra-5" and "Xy-5" belong to other batches.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "traitctl/core/result.hpp"

namespace traitctl {

// Run:ai's limit; older CLI versions break above 50 characters.
inline constexpr std::size_t max_job_name_length = 63;

[[nodiscard]] std::string job_name(std::string_view prefix, int trait);

// The trait number when `name` is a member of batch `prefix`, else nullopt.
[[nodiscard]] std::optional<int> batch_trait(std::string_view prefix, std::string_view name);

// Lowercase letters, digits and '-', starting with a letter, at most 63
// characters. Error messages echo the name through printable(): one line, no
// raw control or non-UTF-8 bytes.
[[nodiscard]] Result<void> validate_job_name(std::string_view name);

// Checks the prefix and the longest name it makes with `highest_trait`.
[[nodiscard]] Result<void> validate_prefix(std::string_view prefix, int highest_trait);

}  // namespace traitctl
