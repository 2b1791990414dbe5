// `traitctl report --format html`: one self-contained page — inline CSS and
// SVG, no script, nothing fetched — that opens from an e-mail attachment or
// a CI artifact: the summary, the timeline (one bar per attempt, the jobs in
// flight and the cap along it), resources, failures and nodes.
#include <fmt/format.h>

#include <algorithm>

#include "traitctl/cli/report.hpp"
#include "traitctl/cli/report_html_parts.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl {
namespace {

constexpr int label_width = 180;
constexpr int plot_width = 900;
constexpr int right_margin = 24;
constexpr int bar_chart_height = 90;
constexpr int axis_height = 22;
constexpr int row_height = 14;
constexpr int bar_height = 10;
constexpr std::size_t title_evidence_chars = 240;

struct Scale {
  TimePoint from;
  double span_ms = 1;
  [[nodiscard]] double x(TimePoint at) const {
    const double offset = static_cast<double>(std::chrono::duration_cast<Duration>(at - from).count());
    return label_width + plot_width * std::clamp(offset / span_ms, 0.0, 1.0);
  }
};

std::string shorten(std::string_view text, std::size_t length) {
  if (text.size() <= length) {
    return std::string(text);
  }
  while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0U) == 0x80U) {
    --length;
  }
  return std::string(text.substr(0, length)) + "…";
}

std::string bytes_text(std::int64_t bytes) {
  const double gib = static_cast<double>(bytes) / (1024.0 * 1024.0 * 1024.0);
  return gib >= 1 ? fmt::format("{:.1f} GiB", gib) : fmt::format("{:.0f} MiB", gib * 1024);
}

std::string attempt_title(const std::string& job, const AttemptBar& bar) {
  const AttemptRecord& record = bar.record;
  std::string title = fmt::format("{} (trait {}), attempt {}", job, bar.trait, record.number);
  if (!record.job_id.empty()) {
    title += fmt::format(", job {}", record.job_id);
  }
  title += fmt::format("\n{}", category_label(bar_category(record)));
  if (record.exit_code) {
    title += fmt::format(", exit code {}", *record.exit_code);
  }
  title += fmt::format("\nstart {}{}", report_time(bar.from),
                       bar.from_submission ? " (the submission: the start is unknown)" : "");
  title += bar.open ? fmt::format("\nnot ended when the report was written ({})", report_time(bar.to))
                    : fmt::format("\nend {}", report_time(bar.to));
  title += fmt::format(", {}", format_duration(std::chrono::duration_cast<Duration>(bar.to - bar.from)));
  title += fmt::format("\nmemory asked {}, peak {}", record.memory.empty() ? "unknown" : record.memory,
                       record.peak_memory_bytes ? bytes_text(*record.peak_memory_bytes) : "unknown");
  if (record.cpu_seconds) {
    title += fmt::format(", CPU time {:.0f}s", *record.cpu_seconds);
  }
  if (record.node) {
    title += fmt::format("\nnode {}", *record.node);
  }
  if (!record.evidence.empty()) {
    title += fmt::format("\nevidence: {}", shorten(record.evidence, title_evidence_chars));
  }
  return title;
}

std::string shared_title(const TimelineRow& row, const RowBar& bar) {
  return fmt::format("traits {} to {}: {} {}\nfrom {} to {}", row.first_trait, row.last_trait,
                     plural(bar.count, "attempt"), category_label(bar.category), report_time(bar.from),
                     report_time(bar.to));
}

void draw_row(std::string& out, const ReportData& data, const TimelineRow& row, const Scale& scale, int y) {
  if ((y / row_height) % 2 == 1) {
    out += fmt::format(R"(<rect class="stripe" x="0" y="{}" width="{}" height="{}"/>)", y,
                       label_width + plot_width + right_margin, row_height);
  }
  const std::string job = row.traits == 1 ? job_name(data.prefix, row.first_trait) : "";
  const std::string label =
      row.traits == 1 ? job : fmt::format("traits {}–{}", row.first_trait, row.last_trait);
  out += fmt::format(R"(<text class="label" x="{}" y="{}">{}</text>)", label_width - 6, y + row_height - 3,
                     xml_escape(shorten(label, 28)));
  const int lanes = row.traits == 1 ? 1 : std::max<int>(1, static_cast<int>(row.bars.size()));
  const double lane = static_cast<double>(bar_height) / lanes;
  int index = 0;
  for (const RowBar& bar : row.bars) {
    const double x = scale.x(bar.from);
    const double width = std::max(1.5, scale.x(bar.to) - x);
    const double top = y + 2 + (row.traits == 1 ? 0.0 : lane * index);
    const bool paler = bar.attempt != nullptr && bar.attempt->from_submission;
    const std::string title =
        bar.attempt != nullptr ? attempt_title(job, *bar.attempt) : shared_title(row, bar);
    out += fmt::format(R"(<rect class="bar c-{}{}" x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}">)"
                       "<title>{}</title></rect>",
                       xml_escape(bar.category), paler ? " s" : "", x, top, width,
                       row.traits == 1 ? static_cast<double>(bar_height) : lane, xml_escape(title, true));
    ++index;
  }
  out += '\n';
}

std::string step_path(const std::vector<Step>& steps, const Scale& scale, TimePoint to, double top,
                      double per_unit) {
  std::string path;
  for (const Step& step : steps) {
    const double x = scale.x(step.at);
    const double y = top + bar_chart_height - per_unit * step.value;
    path += path.empty() ? fmt::format("M{:.1f},{:.1f}", x, y) : fmt::format("H{:.1f}V{:.1f}", x, y);
  }
  if (!path.empty()) {
    path += fmt::format("H{:.1f}", scale.x(to));
  }
  return path;
}

void draw_chart(std::string& out, const BatchHistory& history, const Scale& scale) {
  int highest = 1;
  for (const Step& step : history.in_flight) {
    highest = std::max(highest, step.value);
  }
  for (const Step& step : history.cap) {
    highest = std::max(highest, step.value);
  }
  const double per_unit = (bar_chart_height - 8.0) / highest;
  const TimePoint to = *history.to;
  out += fmt::format(R"(<text class="label" x="{}" y="44">jobs in flight</text>)", label_width - 6);
  out += fmt::format(R"(<text class="label" x="{}" y="58">cap (dashed)</text>)", label_width - 6);
  out += fmt::format(R"(<text class="label" x="{}" y="{}">{}</text>)", label_width - 6, bar_chart_height, "0");
  out += fmt::format(R"(<text class="label" x="{}" y="{:.0f}">{}</text>)", label_width - 6,
                     bar_chart_height - per_unit * highest + 10, highest);
  if (const std::string path = step_path(history.in_flight, scale, to, 0, per_unit); !path.empty()) {
    out += fmt::format(
        R"(<path class="inflight" d="{}V{}H{:.1f}Z"><title>jobs in flight: submitted and not ended</title></path>)",
        path, bar_chart_height, scale.x(history.in_flight.front().at));
  }
  if (const std::string path = step_path(history.cap, scale, to, 0, per_unit); !path.empty()) {
    out += fmt::format(R"(<path class="cap" d="{}"><title>the batch's cap: {}</title></path>)", path,
                       history.cap.back().value);
  }
  out += '\n';
}

void draw_axis(std::string& out, const Scale& scale, int top, int bottom) {
  const Duration step = tick_step(Duration(static_cast<Duration::rep>(scale.span_ms)));
  for (Duration at{}; static_cast<double>(at.count()) <= scale.span_ms; at += step) {
    const double x = scale.x(scale.from + at);
    out += fmt::format(R"(<line class="grid" x1="{0:.1f}" y1="{1}" x2="{0:.1f}" y2="{2}"/>)", x, top, bottom);
    out +=
        fmt::format(R"(<text class="tick" x="{:.1f}" y="{}">+{}</text>)", x, top + 14, format_duration(at));
  }
  out += '\n';
}

void timeline_section(std::string& out, const ReportData& data) {
  const BatchHistory& history = data.history;
  out += "<section id=\"timeline\"><h2>Timeline</h2>\n";
  if (!history.from || !history.to) {
    out += "<p>No attempt has a known time yet: nothing to draw.</p></section>\n";
    return;
  }
  const std::vector<TimelineRow> rows = timeline_rows(history, max_timeline_rows);
  const bool shared = rows.size() < history.traits.size();
  out +=
      fmt::format("<p>From {} to {}: one row per {}, one bar per attempt from its start to its end{}.",
                  report_time(*history.from), report_time(*history.to), shared ? "group of traits" : "trait",
                  shared ? " (one bar per kind of attempt in each group)" : "");
  if (history.summary.started_unknown > 0) {
    out += fmt::format(" Paler bars: {} whose start is unknown, drawn from the submission.",
                       plural(history.summary.started_unknown, "attempt"));
  }
  out += "</p>\n";
  legend(out);
  const Scale scale{
      *history.from,
      std::max(1.0, static_cast<double>(
                        std::chrono::duration_cast<Duration>(*history.to - *history.from).count()))};
  const int rows_top = bar_chart_height + axis_height;
  const int height = rows_top + static_cast<int>(rows.size()) * row_height + 4;
  const int width = label_width + plot_width + right_margin;
  out += fmt::format(
      R"(<svg class="timeline" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="timeline of the batch's attempts">)",
      width, height);
  out += '\n';
  draw_chart(out, history, scale);
  draw_axis(out, scale, bar_chart_height + 2, height);
  int y = rows_top;
  for (const TimelineRow& row : rows) {
    draw_row(out, data, row, scale, y);
    y += row_height;
  }
  out += "</svg></section>\n";
}

}  // namespace

std::string render_html(const ReportData& data) {
  std::string out = page_head(data);
  summary_section(out, data);
  timeline_section(out, data);
  resources_section(out, data);
  failures_section(out, data);
  nodes_section(out, data);
  out += "</main></body></html>\n";
  return out;
}

}  // namespace traitctl
