// .env files are parsed, never executed: comments, blank lines, CRLF,
// `export ` prefixes, single and double quotes.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>

#include "traitctl/core/result.hpp"

namespace traitctl {

// Config error "FILE:LINE: ..." for a malformed line. Later keys win.
[[nodiscard]] Result<std::map<std::string, std::string>> parse_env_file(std::string_view text,
                                                                        std::string_view file_name);

// Reads and parses `path`. A missing file yields no variables unless
// `required` (an --env-file the user named), which makes it a Config error.
[[nodiscard]] Result<std::map<std::string, std::string>> load_env_file(const std::filesystem::path& path,
                                                                       bool required);

}  // namespace traitctl
