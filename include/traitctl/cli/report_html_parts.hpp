// The HTML report's parts other than the timeline (cli/report_html.cpp):
// the page's head and stylesheet, the palette and its legend, and the
// summary, resources, failures and nodes sections.
#pragma once

#include <string>
#include <string_view>

#include "traitctl/cli/report.hpp"

namespace traitctl {

// For people: "out of memory", "succeeded", ... for a bar_category word.
[[nodiscard]] std::string_view category_label(std::string_view category);
// The legend of the timeline's colours, each with its text label.
void legend(std::string& out);
// A round step between the timeline's ticks: at most about ten over `span`.
[[nodiscard]] Duration tick_step(Duration span);

// From <!DOCTYPE html> to the opening of <main>, with the stylesheet.
[[nodiscard]] std::string page_head(const ReportData& data);
void summary_section(std::string& out, const ReportData& data);
void resources_section(std::string& out, const ReportData& data);
void failures_section(std::string& out, const ReportData& data);
void nodes_section(std::string& out, const ReportData& data);

}  // namespace traitctl
