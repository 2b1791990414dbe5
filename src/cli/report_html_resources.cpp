// The HTML report's resources and nodes sections: memory asked against the
// peak used per attempt, the tier the batch learned and the right-sizing
// advice (core/right_sizing.hpp); attempts and failures per node, suspects
// marked (core/node_health.hpp).
#include <fmt/format.h>

#include <algorithm>

#include "traitctl/cli/report_html_parts.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

constexpr int chart_width = 1000;
constexpr int chart_height = 220;
constexpr int chart_left = 70;
constexpr int chart_bottom = 20;

struct MemoryPoint {
  const AttemptBar* bar;
  std::optional<std::uint64_t> asked;
  std::uint64_t peak;
};

std::vector<MemoryPoint> memory_points(const BatchHistory& history) {
  std::vector<MemoryPoint> points;
  for (const TraitHistory& trait : history.traits) {
    for (const AttemptBar& bar : trait.bars) {
      if (bar.record.peak_memory_bytes && *bar.record.peak_memory_bytes >= 0) {
        auto asked = parse_memory(bar.record.memory);
        points.push_back(MemoryPoint{&bar, asked ? std::optional<std::uint64_t>(*asked) : std::nullopt,
                                     static_cast<std::uint64_t>(*bar.record.peak_memory_bytes)});
      }
    }
  }
  if (points.size() > max_memory_points) {  // evenly chosen, so a huge batch stays small
    std::vector<MemoryPoint> chosen;
    for (std::size_t index = 0; index < max_memory_points; ++index) {
      chosen.push_back(points[index * points.size() / max_memory_points]);
    }
    points = std::move(chosen);
  }
  return points;
}

void memory_chart(std::string& out, const std::vector<MemoryPoint>& points, std::size_t known) {
  std::uint64_t highest = 1;
  for (const MemoryPoint& point : points) {
    highest = std::max({highest, point.peak, point.asked.value_or(0)});
  }
  const double top = static_cast<double>(highest) * 1.05;
  const double plot_height = chart_height - chart_bottom - 10.0;
  const auto y = [&](std::uint64_t bytes) {
    return 10.0 + plot_height * (1.0 - static_cast<double>(bytes) / top);
  };
  const double step = static_cast<double>(chart_width - chart_left - 10) / static_cast<double>(points.size());
  out += fmt::format(
      R"(<p>Each attempt whose peak is known{}: the dash is the memory it asked for, the dot its peak, coloured as in the timeline.</p>)",
      points.size() < known ? fmt::format(" ({} of {}, evenly chosen)", points.size(), known) : "");
  out += fmt::format(
      R"(<svg class="memory" width="{0}" height="{1}" viewBox="0 0 {0} {1}" role="img" aria-label="memory asked and peak per attempt">)",
      chart_width, chart_height);
  for (const double fraction : {0.0, 0.5, 1.0}) {
    const auto bytes = static_cast<std::uint64_t>(static_cast<double>(highest) * fraction);
    out += fmt::format(R"(<line class="grid" x1="{0}" y1="{1:.1f}" x2="{2}" y2="{1:.1f}"/>)", chart_left,
                       y(bytes), chart_width - 10);
    out += fmt::format(R"(<text class="label" x="{}" y="{:.1f}">{}</text>)", chart_left - 4, y(bytes) + 4,
                       xml_escape(format_bytes(bytes)));
  }
  double x = chart_left + step / 2;
  for (const MemoryPoint& point : points) {
    const AttemptRecord& record = point.bar->record;
    if (point.asked) {
      out += fmt::format(R"(<line class="asked" x1="{0:.1f}" y1="{2:.1f}" x2="{1:.1f}" y2="{2:.1f}"/>)",
                         x - std::max(step / 2, 2.0), x + std::max(step / 2, 2.0), y(*point.asked));
    }
    out += fmt::format(
        R"(<circle class="c-{}" cx="{:.1f}" cy="{:.1f}" r="2.5"><title>trait {}, attempt {}: peak {} of {} asked ({})</title></circle>)",
        xml_escape(bar_category(record)), x, y(point.peak), point.bar->trait, record.number,
        format_bytes(point.peak), xml_escape(record.memory.empty() ? "unknown" : record.memory),
        xml_escape(category_label(bar_category(record))));
    x += step;
  }
  out += "</svg>\n";
}

std::string failures_text(const NodeHealth& node) {
  std::string text;
  for (const auto& [failure, count] : node.failures) {
    text += fmt::format("{}{} {}", text.empty() ? "" : ", ", to_string(failure), count);
  }
  return text;
}

}  // namespace

void resources_section(std::string& out, const ReportData& data) {
  out += "<section id=\"resources\"><h2>Resources</h2>\n<p>";
  if (data.learned_memory_tier && *data.learned_memory_tier > 0 &&
      static_cast<std::size_t>(*data.learned_memory_tier) <= data.memory_ladder.size()) {
    out +=
        fmt::format("The batch learned to start new traits at memory tier {} ({}) of MEMORY_LADDER.",
                    *data.learned_memory_tier,
                    xml_escape(data.memory_ladder[static_cast<std::size_t>(*data.learned_memory_tier - 1)]));
  } else {
    out += fmt::format("Traits start at MEMORY ({}); the batch has not learned a higher tier.",
                       xml_escape(data.memory.empty() ? "not set" : data.memory));
  }
  out += "</p>\n";
  if (!data.sizing) {
    out += "<p>No attempt's peak memory is known (the backend did not tell it): no advice.</p></section>\n";
    return;
  }
  out += fmt::format("<p><b>Right-sizing:</b> {}</p>\n", xml_escape(data.sizing->advice));
  std::size_t known = 0;
  for (const TraitHistory& trait : data.history.traits) {
    known += static_cast<std::size_t>(
        std::count_if(trait.bars.begin(), trait.bars.end(),
                      [](const AttemptBar& bar) { return bar.record.peak_memory_bytes.has_value(); }));
  }
  const std::vector<MemoryPoint> points = memory_points(data.history);
  if (!points.empty()) {
    memory_chart(out, points, known);
  }
  out += "</section>\n";
}

void nodes_section(std::string& out, const ReportData& data) {
  out += "<section id=\"nodes\"><h2>Nodes</h2>\n";
  if (data.nodes.empty()) {
    out += "<p>No attempt's node is known (the backend did not tell it).</p></section>\n";
    return;
  }
  const auto suspects = std::count_if(data.nodes.begin(), data.nodes.end(),
                                      [](const NodeHealth& node) { return node.suspect; });
  out += fmt::format(
      "<p>{} ran the batch's attempts; {}. A suspect node had at least 3 mount or infrastructure failures, "
      "more than half of what it finished.</p>\n",
      plural(data.nodes.size(), "node"), suspects == 0 ? "none is suspect" : plural(suspects, "suspect"));
  out +=
      "<table><tr><th>Node</th><th>Attempts</th><th>Finished</th><th>Failures by "
      "class</th><th>Suspect</th></tr>\n";
  std::size_t listed = 0;
  for (const NodeHealth& node : data.nodes) {
    if (listed++ == max_table_rows) {
      break;
    }
    out += fmt::format(
        "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td>{}</td><td>{}</td></tr>\n",
        xml_escape(node.name), node.attempts, node.finished, xml_escape(failures_text(node)),
        node.suspect ? "<b>suspect</b>" : "");
  }
  out += "</table>\n";
  if (data.nodes.size() > max_table_rows) {
    out += fmt::format("<p>…and {} more nodes.</p>\n", data.nodes.size() - max_table_rows);
  }
  out += "</section>\n";
}

}  // namespace traitctl
