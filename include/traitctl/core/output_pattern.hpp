// Where a trait's results are expected: EXPECTED_OUTPUT, a glob relative to
// the outputs folder with the trait number in it. A job that exited 0
// without a match has not finished its work. Pure text; the filesystem side
// is adapters/output_check.hpp.
#pragma once

#include <string>
#include <string_view>

#include "traitctl/core/result.hpp"

namespace traitctl {

// GAPIT's filtered results, in the folder the entrypoint names trait_002_<name>.
inline constexpr std::string_view default_expected_output =
    "trait_{trait:03}_*/GAPIT.Association.Filter_GWAS_results.csv";

// `pattern` with {trait} replaced by the trait number and {trait:0N} by the
// number zero-padded to N digits (N from 1 to 20; {trait:03} gives 002, 187,
// 1234). Every other '{' or '}' is an error, as are an absolute pattern and
// a ".." part: the pattern stays under the outputs folder. Config error
// naming the pattern, the bad part and the fix; callers say which setting
// or flag it came from.
[[nodiscard]] Result<std::string> expand_output_pattern(std::string_view pattern, int trait);

// What a look for a trait's expected output found (adapters/output_check.hpp
// looks; the batch loop decides on it).
struct OutputCheck {
  enum class Kind {
    Found,             // `path` is the first matching file, in sorted order
    Missing,           // nothing matches; `path` is the glob that was searched
    FolderNotVisible,  // the outputs folder is not a folder on this machine; `path` is the folder
  };
  Kind kind = Kind::Missing;
  std::string path;
  friend bool operator==(const OutputCheck&, const OutputCheck&) = default;
};

}  // namespace traitctl
