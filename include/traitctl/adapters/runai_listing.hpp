// Pure parsers for `runai ... list` output: text in, workloads out. They read
// what the real CLI prints (../shared/runai/FORMATS.md), in every known shape.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct ListingPage {
  std::vector<Workload> workloads;
  // v2.25 `--no-pagination` ends with a `next token` line when more remain.
  std::optional<std::string> next_token;
};

// A table: v2.18-2.20 long headers, v2.25 short headers, legacy v1. Columns
// are found by header name; ANSI colour, the box-drawing underline, leading
// spaces and "No workloads found" are handled. Parse error on anything else.
[[nodiscard]] Result<ListingPage> parse_listing_table(std::string_view text);

// JSON: a top-level array, or an object holding it under workloads/items/data;
// name from "name", status from "status" or "phase".
[[nodiscard]] Result<ListingPage> parse_listing_json(std::string_view text);

// The core's state for a Run:ai status word (v2 phases, v1 pod and job
// states; case-insensitive). Words it has never seen are Unknown, which holds
// a slot.
[[nodiscard]] JobState runai_job_state(std::string_view word);
// Whether the word is one of those FORMATS.md lists, for verbose logs.
[[nodiscard]] bool is_known_runai_status(std::string_view word);

// JSON when the first non-blank character is '[' or '{', else a table.
[[nodiscard]] Result<ListingPage> parse_listing(std::string_view text);

}  // namespace traitctl
