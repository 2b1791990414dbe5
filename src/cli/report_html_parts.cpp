#include "traitctl/cli/report_html_parts.hpp"

#include <fmt/format.h>

#include <array>
#include <vector>

#include "traitctl/cli/text.hpp"

namespace traitctl {
namespace {

struct Colour {
  std::string_view category;
  std::string_view fill;
  std::string_view label;
};

// Okabe and Ito's palette, which readers with any common colour-vision
// deficiency tell apart; every colour also has a text label in the legend
// and in each bar's tooltip.
constexpr std::array<Colour, 11> palette{{
    {"succeeded", "#009E73", "succeeded"},
    {"oom", "#D55E00", "out of memory"},
    {"mount", "#E69F00", "mount failure"},
    {"config", "#CC79A7", "configuration error"},
    {"timeout", "#0072B2", "timeout"},
    {"infrastructure", "#56B4E9", "infrastructure failure"},
    {"incomplete", "#F0E442", "incomplete outputs"},
    {"unknown", "#000000", "unknown failure"},
    {"failed", "#6E6E6E", "failed, unclassified"},
    {"stopped", "#BBBBBB", "stopped"},
    {"in-flight", "#FFFFFF", "not ended"},
}};

constexpr std::string_view stylesheet = R"(
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1b1b1b;background:#fff;margin:0}
main{max-width:1160px;margin:0 auto;padding:16px 24px 48px}
h1{font-size:22px;margin:8px 0 4px}h2{font-size:18px;margin:28px 0 8px;border-bottom:1px solid #ddd}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,Menlo,Consolas,monospace}pre{background:#f6f6f6;padding:6px;overflow-x:auto;max-width:1100px;white-space:pre-wrap}
.cards{display:flex;flex-wrap:wrap;gap:8px}.card{border:1px solid #ddd;border-radius:6px;padding:6px 12px;min-width:96px}
.card b{display:block;font-size:20px}.muted{color:#555}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;margin:6px 0}.key{display:inline-flex;align-items:center;gap:5px}
.sw{display:inline-block;width:14px;height:10px;border:1px solid #333}
svg.timeline{display:block;border:1px solid #ddd;background:#fff}
.stripe{fill:#f5f5f5}.label{font-size:11px;text-anchor:end;fill:#333}.tick{font-size:10px;fill:#555;text-anchor:middle}
.grid{stroke:#ddd;stroke-width:1}.bar{stroke:#222;stroke-width:.4}.s{opacity:.5}
.inflight{fill:#999;fill-opacity:.45;stroke:#555;stroke-width:1}.cap{fill:none;stroke:#0072B2;stroke-width:2;stroke-dasharray:6 3}
.c-in-flight{stroke-dasharray:3 2}
.asked{stroke:#333;stroke-width:1.5}svg.memory{display:block;border:1px solid #ddd}
)";

std::string cell(std::string_view text) { return "<td>" + xml_escape(text) + "</td>"; }
std::string number_cell(long long number) { return fmt::format("<td class=\"n\">{}</td>", number); }

}  // namespace

std::string_view category_label(std::string_view category) {
  for (const Colour& colour : palette) {
    if (colour.category == category) {
      return colour.label;
    }
  }
  return category;
}

void legend(std::string& out) {
  out += "<div class=\"legend\">";
  for (const Colour& colour : palette) {
    out += fmt::format(R"(<span class="key"><span class="sw" style="background:{}"></span>{}</span>)",
                       colour.fill, colour.label);
  }
  out += R"(<span class="key"><span class="sw" style="background:#999"></span>jobs in flight</span>)";
  out += R"(<span class="key"><span class="sw" style="border:2px dashed #0072B2"></span>cap</span>)";
  out += "</div>\n";
}

Duration tick_step(Duration span) {
  using namespace std::chrono_literals;
  static const std::vector<Duration> steps{1s,    5s, 10s, 30s, 1min, 2min, 5min, 10min, 15min,
                                           30min, 1h, 2h,  3h,  6h,   12h,  24h,  48h,   168h};
  for (const Duration step : steps) {
    if (span / step <= 10) {
      return step;
    }
  }
  return span / 10 + 1ms;
}

std::string page_head(const ReportData& data) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += fmt::format("<title>traitctl report: {} ({})</title>\n", xml_escape(data.prefix),
                     xml_escape(data.project));
  out += "<style>";
  out += stylesheet;
  for (const Colour& colour : palette) {
    out += fmt::format(".c-{}{{fill:{}}}", colour.category, colour.fill);
  }
  out += "</style></head><body><main>\n";
  out += fmt::format("<h1>Batch {} of project {}</h1>\n", xml_escape(data.prefix), xml_escape(data.project));
  out += fmt::format(
      "<p class=\"muted\">Report written {} by traitctl from the batch's ledger and journal ({} backend); "
      "no cluster was asked.</p>\n",
      report_time(data.taken_at), xml_escape(data.backend));
  return out;
}

void summary_section(std::string& out, const ReportData& data) {
  const HistorySummary& summary = data.history.summary;
  out += "<section id=\"summary\"><h2>Summary</h2>\n<div class=\"cards\">";
  out += fmt::format("<div class=\"card\"><b>{}</b>traits</div>", summary.traits);
  for (const auto& [outcome, count] : summary.by_outcome) {
    out += fmt::format("<div class=\"card\"><b>{}</b>{}</div>", count, to_string(outcome));
  }
  out += "</div>\n<table>\n";
  out +=
      fmt::format("<tr><th>Wall time</th><td>{}</td></tr>\n",
                  summary.wall_time ? format_duration(*summary.wall_time) : "unknown: no attempt has a time");
  out += fmt::format("<tr><th>Cluster time used</th><td>{} over {}</td></tr>\n",
                     format_duration(summary.cluster_time), plural(summary.drawn, "attempt"));
  out += fmt::format("<tr><th>Spent on failed attempts</th><td>{}</td></tr>\n",
                     format_duration(summary.failed_time));
  if (summary.started_unknown > 0) {
    out += fmt::format("<tr><th>Start unknown</th><td>{}: counted from the submission</td></tr>\n",
                       plural(summary.started_unknown, "attempt"));
  }
  if (summary.open > 0) {
    out += fmt::format("<tr><th>Not ended</th><td>{}: counted to the report's time</td></tr>\n",
                       plural(summary.open, "attempt"));
  }
  out += "</table>\n";
  if (!summary.failed_time_by_class.empty()) {
    out += "<table><tr><th>Failed attempts by class</th><th>Attempts</th><th>Time they took</th></tr>\n";
    for (const auto& [category, duration] : summary.failed_time_by_class) {
      out += "<tr>" + cell(category_label(category)) +
             number_cell(summary.failed_attempts_by_class.at(category)) + cell(format_duration(duration)) +
             "</tr>\n";
    }
    out += "</table>\n";
  }
  out += "</section>\n";
}

void failures_section(std::string& out, const ReportData& data) {
  out += fmt::format("<section id=\"failures\"><h2>Failures and traits that need attention ({})</h2>\n",
                     data.attention.size());
  if (data.attention.empty()) {
    out += "<p>No trait needs attention.</p></section>\n";
    return;
  }
  out +=
      "<table><tr><th>Trait</th><th>Job</th><th>Attention</th><th>Class</th><th>Exit</th><th>Evidence</th>"
      "<th>Next step</th><th>Log</th></tr>\n";
  std::size_t listed = 0;
  for (const AttentionItem& item : data.attention) {
    if (listed++ == max_table_rows) {
      break;
    }
    out += "<tr>" + number_cell(item.trait) + cell(item.job) + cell(item.attention) +
           cell(item.failure.empty() ? "" : category_label(item.failure)) +
           (item.exit_code ? number_cell(*item.exit_code) : cell("")) + cell(item.evidence) +
           cell(item.next_step) + "<td><code>" + xml_escape(item.logs_command) + "</code>";
    if (const auto log = data.logs.find(item.trait); log != data.logs.end()) {
      out += log->second.missing.empty()
                 ? fmt::format("<details><summary>last lines</summary><pre>{}</pre></details>",
                               xml_escape(log->second.tail, true))
                 : fmt::format("<div class=\"muted\">{}</div>", xml_escape(log->second.missing));
    }
    out += "</td></tr>\n";
  }
  out += "</table>\n";
  if (data.attention.size() > max_table_rows) {
    out += fmt::format("<p>…and {} more: <code>traitctl status --all</code> lists them.</p>\n",
                       data.attention.size() - max_table_rows);
  }
  out += "</section>\n";
}

}  // namespace traitctl
