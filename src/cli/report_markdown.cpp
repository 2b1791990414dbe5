// `traitctl report --format markdown`: the summary and the traits that need
// attention as tables, under GitHub's 1 MiB step-summary limit.
#include <fmt/format.h>

#include "traitctl/cli/report.hpp"
#include "traitctl/cli/text.hpp"

namespace traitctl {
namespace {

// Under GitHub's 1 MiB limit for a step summary, with room for what other
// steps append.
constexpr std::size_t markdown_budget = 768 * 1024;
constexpr std::size_t evidence_chars = 160;

std::string shortened(std::string_view text, std::size_t length) {
  if (text.size() <= length) {
    return std::string(text);
  }
  // Not inside a UTF-8 sequence: printable() would show a cut one as bytes.
  while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0U) == 0x80U) {
    --length;
  }
  return std::string(text.substr(0, length)) + "…";
}

std::string failed_time_line(const HistorySummary& summary) {
  std::string line = format_duration(summary.failed_time);
  std::string parts;
  for (const auto& [category, duration] : summary.failed_time_by_class) {
    parts += fmt::format("{}{} {} ({})", parts.empty() ? "" : ", ", category, format_duration(duration),
                         plural(summary.failed_attempts_by_class.at(category), "attempt"));
  }
  return parts.empty() ? line : fmt::format("{}: {}", line, parts);
}

void summary_tables(std::string& out, const ReportData& data) {
  const HistorySummary& summary = data.history.summary;
  out += "| Outcome | Traits |\n| --- | ---: |\n";
  for (const auto& [outcome, count] : summary.by_outcome) {
    out += fmt::format("| {} | {} |\n", to_string(outcome), count);
  }
  out += fmt::format("| **total** | **{}** |\n\n", summary.traits);
  out += "| Time | |\n| --- | --- |\n";
  out += fmt::format("| Wall time | {} |\n",
                     summary.wall_time ? format_duration(*summary.wall_time) : "unknown (no attempt times)");
  out += fmt::format("| Cluster time used | {} over {} |\n", format_duration(summary.cluster_time),
                     plural(summary.drawn, "attempt"));
  out += fmt::format("| Spent on failed attempts | {} |\n", markdown_cell(failed_time_line(summary)));
  if (summary.started_unknown > 0) {
    out += fmt::format("| Start unknown | {}: counted from the submission |\n",
                       plural(summary.started_unknown, "attempt"));
  }
  out += '\n';
}

void attention_table(std::string& out, const ReportData& data) {
  if (data.attention.empty()) {
    out += "No trait needs attention.\n";
    return;
  }
  out += fmt::format("### Traits that need attention ({})\n\n", data.attention.size());
  out += "| Trait | Job | Attention | Class | Exit | Evidence | Next step | Log |\n";
  out += "| ---: | --- | --- | --- | ---: | --- | --- | --- |\n";
  std::size_t listed = 0;
  for (const AttentionItem& item : data.attention) {
    if (listed == max_table_rows || out.size() > markdown_budget) {
      break;
    }
    out += fmt::format("| {} | {} | {} | {} | {} | {} | {} | `{}` |\n", item.trait, markdown_cell(item.job),
                       markdown_cell(item.attention), markdown_cell(item.failure),
                       item.exit_code ? std::to_string(*item.exit_code) : "",
                       markdown_cell(shortened(item.evidence, evidence_chars)), markdown_cell(item.next_step),
                       item.logs_command);  // traitctl's own words: numbers and flags
    ++listed;
  }
  if (listed < data.attention.size()) {
    out +=
        fmt::format("\n…and {} more: `traitctl status --all` lists them.\n", data.attention.size() - listed);
  }
}

}  // namespace

std::string render_markdown(const ReportData& data) {
  std::string out =
      fmt::format("## Batch {} of project {}\n\n", markdown_cell(data.prefix), markdown_cell(data.project));
  out += fmt::format("Report of {} at {}, from the batch's ledger and journal.\n\n",
                     plural(data.history.summary.traits, "trait"), report_time(data.taken_at));
  summary_tables(out, data);
  if (data.sizing) {
    out += fmt::format("**Right-sizing:** {}\n\n", markdown_cell(data.sizing->advice));
  }
  if (const std::vector<std::string> suspects = suspect_nodes(data.nodes); !suspects.empty()) {
    std::string names;
    for (const std::string& name : suspects) {
      names += fmt::format("{}{}", names.empty() ? "" : ", ", markdown_cell(name));
      if (names.size() > evidence_chars) {
        names += ", …";
        break;
      }
    }
    out += fmt::format(
        "**Suspect nodes** (mount or infrastructure failures on most of what they ran): {}\n\n", names);
  }
  attention_table(out, data);
  return out;
}

}  // namespace traitctl
