// Whether a trait's expected output exists: core/output_pattern.hpp's glob,
// matched with glob(3) under the outputs folder. No shell.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "traitctl/core/output_pattern.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// Looks for `pattern` (EXPECTED_OUTPUT) expanded for `trait` under `folder`
// (OUTPUT_PATH_HOST). The folder's own glob characters (a folder named a[1])
// are matched literally. Only regular files count: a folder matching the
// pattern is not an output. Config error for a bad pattern
// (expand_output_pattern); Io error when a folder on the way cannot be read,
// since that is not proof that the output is missing.
[[nodiscard]] Result<OutputCheck> find_expected_output(const std::filesystem::path& folder,
                                                       std::string_view pattern, int trait);

}  // namespace traitctl
