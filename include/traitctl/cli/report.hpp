// `traitctl report`: what the report of a batch holds, gathered from the
// batch's state alone (the ledger, the journal, the logs a host backend
// keeps), and its four renderings. The renderers are pure: text in, text out;
// every value from the batch (trait names, evidence, log lines) is escaped
// for the format, so a hostile value cannot break the markup.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/core/batch_history.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/node_health.hpp"
#include "traitctl/core/right_sizing.hpp"

namespace traitctl {

// A trait that needs attention (core/trait_view.hpp's Attention).
struct AttentionItem {
  int trait = 0;
  std::string job;
  std::string attention;  // "failed", "out-of-retries", ...
  std::string failure;    // the class, "" when unknown
  std::string evidence;
  std::optional<int> exit_code;
  int attempt = 0;
  std::string memory;
  std::string next_step;
  std::string logs_command;  // `traitctl logs` for the attempt
};

// The end of a failed trait's log, or why there is none.
struct KeptLog {
  std::string tail;      // the last lines, where kept
  std::string location;  // the file
  std::string missing;   // why no log is shown: "" when `tail` is
};

struct ReportData {
  std::string project;
  std::string prefix;
  std::string backend;
  TimePoint taken_at;
  BatchHistory history;
  std::vector<AttentionItem> attention;  // in trait order
  std::map<int, KeptLog> logs;           // of the traits that failed
  std::optional<int> learned_memory_tier;
  std::string memory;  // MEMORY, what a first attempt asks for
  std::vector<std::string> memory_ladder;
  std::optional<RightSizing> sizing;  // nullopt: no attempt's peak is known
  std::vector<NodeHealth> nodes;      // of the attempts whose node is known
};

// How many traits the HTML timeline draws one row each; beyond, rows are shared.
inline constexpr std::size_t max_timeline_rows = 1000;
// How many rows the tables of traits (attention, failures, resources) list at most.
inline constexpr std::size_t max_table_rows = 500;
// How many attempts the HTML's memory chart draws at most (evenly chosen beyond).
inline constexpr std::size_t max_memory_points = 2000;
// How many lines of a failed trait's log JUnit carries.
inline constexpr std::size_t log_tail_lines = 20;

// Text for XML and HTML, element content and attribute values alike:
// control characters and bytes that are not UTF-8 written visibly
// (printable()), & < > " ' as references; newlines kept when `keep_newlines`.
[[nodiscard]] std::string xml_escape(std::string_view text, bool keep_newlines = false);
// Text for a Markdown table cell: one line, nothing GitHub reads as markup.
[[nodiscard]] std::string markdown_cell(std::string_view text);

// "2024-05-01 12:00:05 UTC".
[[nodiscard]] std::string report_time(TimePoint time);

[[nodiscard]] std::string render_json(const ReportData& data);
[[nodiscard]] std::string render_markdown(const ReportData& data);
[[nodiscard]] std::string render_junit(const ReportData& data);
[[nodiscard]] std::string render_html(const ReportData& data);

}  // namespace traitctl
