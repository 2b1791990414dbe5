// How the CLI writes things: tables, colours, times, ids.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config.hpp"

namespace fake_runai {

// Tabwriter-style: every cell but the last of a row padded to its column's
// visible width plus `padding` spaces; optionally a line of U+2500 under the header.
std::string render_table(const std::vector<std::vector<std::string>>& rows, std::size_t padding,
                         bool underline_header);
// The status word in ANSI colour when config.json asks for it.
std::string colour(const Config& config, const std::string& status);
std::string iso8601(std::int64_t ms);
// "9s", "3m", "2h", "4d" like the v1 AGE column.
std::string age(std::int64_t ms);
// A stable UUID-shaped id (FNV-1a of project/name/attempt).
std::string workload_id(std::string_view project, std::string_view name, int attempt);
std::string title_kind(std::string_view kind);

}  // namespace fake_runai
