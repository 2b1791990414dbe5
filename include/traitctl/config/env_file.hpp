// .env files are read the way the bash scripts' `source` read them, without
// ever running anything: comments, blank lines, CRLF, `export ` prefixes,
// single and double quotes, backslash escapes, `~`, and $NAME, ${NAME},
// ${NAME:-default} and ${NAME-default} expanded from earlier lines and the
// process environment. Command substitution and every other shell expansion
// is refused with its line. docs/configuration.md has the exact rules.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "traitctl/core/result.hpp"

namespace traitctl {

// A variable of the process environment: nullopt when unset, "" when set empty.
using EnvironmentLookup = std::function<std::optional<std::string>(std::string_view)>;

// Config error "FILE:LINE: ..." for a malformed line or a refused expansion.
// Later keys win. `environment` answers for names no earlier line set.
[[nodiscard]] Result<std::map<std::string, std::string>> parse_env_file(std::string_view text,
                                                                        std::string_view file_name,
                                                                        const EnvironmentLookup& environment);

// Reads and parses `path`. A missing file yields no variables unless
// `required` (an --env-file the user named), which makes it a Config error.
[[nodiscard]] Result<std::map<std::string, std::string>> load_env_file(const std::filesystem::path& path,
                                                                       bool required,
                                                                       const EnvironmentLookup& environment);

}  // namespace traitctl
