// The report's renderings (cli/report.hpp) of batches made in-process: hostile
// values stay text, the sizes stay within what CI systems take, and a
// 20,000-trait batch gets shared timeline rows.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "traitctl/cli/report.hpp"
#include "traitctl/core/job_name.hpp"

namespace traitctl::report_tests {
namespace {

using namespace std::chrono_literals;

const TimePoint t0{std::chrono::hours{480'000}};
const std::string hostile =
    "</title></rect><script>alert(1)</script><a href=\"http://evil.example/x\">|x|</a>]]>&amp;\x1b[31m\xff\n"
    "# heading | cell";

std::size_t count(std::string_view text, std::string_view what) {
  std::size_t found = 0;
  for (std::size_t at = text.find(what); at != std::string_view::npos;
       at = text.find(what, at + what.size())) {
    ++found;
  }
  return found;
}

// A batch of `traits` traits: every 7th fails for good (oom, then config), every
// 5th succeeds on its second attempt after a mount failure, the last never ran.
struct Batch {
  Ledger ledger{"lab", "b", t0, {}, std::nullopt, 1};
  BatchStatus status;
  ReportData data;
  int attempts = 0;
  int failed = 0;

  Batch(int traits, const std::string& evidence) {
    std::vector<int> range;
    for (int trait = 1; trait <= traits; ++trait) {
      range.push_back(trait);
      if (trait == traits) {
        continue;
      }
      TraitRecord& record = ledger.traits[trait];
      const Duration start = std::chrono::seconds(trait % 97 * 30);
      AttemptRecord first;
      first.number = 1;
      first.job_id = std::to_string(1000 + trait);
      first.memory = "32G";
      first.cpu = "4";
      first.submitted_at = t0 + start;
      first.started_at = t0 + start + 5s;
      first.ended_at = t0 + start + 600s;
      first.node = "node-" + std::to_string(trait % 4);
      first.peak_memory_bytes = std::int64_t{20} << 30;
      first.cpu_seconds = 1500.0;
      if (trait % 7 == 0) {
        first.end = AttemptEnd::Failed;
        first.failure = FailureClass::Config;
        first.exit_code = 1;
        first.evidence = evidence;
        record.failure_first_seen = *first.ended_at;
        record.last_failure = FailureClass::Config;
        record.attempts = {first};
        ++failed;
        data.attention.push_back(AttentionItem{trait, job_name("b", trait), "failed", "config", evidence, 1,
                                               1, "32G", "fix the inputs", fmt_logs(trait)});
        data.logs[trait] =
            KeptLog{"line one\n" + evidence + "\n", "/state/logs/b-" + std::to_string(trait), ""};
      } else if (trait % 5 == 0) {
        first.end = AttemptEnd::Failed;
        first.failure = FailureClass::Mount;
        first.exit_code = 2;
        first.evidence = evidence;
        AttemptRecord second = first;
        second.number = 2;
        second.end = AttemptEnd::Succeeded;
        second.failure.reset();
        second.exit_code = 0;
        second.submitted_at = *first.ended_at + 30s;
        second.started_at = *first.ended_at + 40s;
        second.ended_at = *first.ended_at + 700s;
        record.automatic_retries = 1;
        record.attempts = {first, second};
      } else {
        first.end = AttemptEnd::Succeeded;
        first.exit_code = 0;
        record.attempts = {first};
      }
      attempts += static_cast<int>(record.attempts.size());
    }
    status = summarize_batch(ledger_view("b", ledger), range, ledger, RetryPolicy{});
    const std::vector<Step> cap_changes{{t0 + 900s, 3}};
    data.project = "lab";
    data.prefix = "b";
    data.backend = "local";
    data.taken_at = t0 + 10h;
    data.history = build_history(HistoryInput{status, ledger, cap_changes, 5, data.taken_at});
    data.learned_memory_tier = 1;
    data.memory = "32G";
    data.memory_ladder = {"64G", "128G"};
    data.sizing = right_sizing(ledger, data.memory);
    data.nodes = node_health(ledger);
  }

  static std::string fmt_logs(int trait) {
    return "traitctl logs " + std::to_string(trait) + " --backend local";
  }
};

TEST(Escaping, MarkupCharactersControlsAndBadBytesBecomeText) {
  EXPECT_EQ(xml_escape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;");
  EXPECT_EQ(xml_escape("x\x1by\xff"), "x\\x1by\\xff");
  EXPECT_EQ(xml_escape("one\ntwo"), "one\\ntwo");
  EXPECT_EQ(xml_escape("one\ntwo", true), "one\ntwo");
  EXPECT_EQ(markdown_cell("a|b\nc <d>"), "a\\|b\\\\nc &lt;d&gt;");  // shows \n, one line
}

TEST(HtmlReport, HostileValuesStayTextAndEveryAttemptHasATitledBar) {
  const Batch batch(30, hostile);
  const std::string html = render_html(batch.data);
  EXPECT_EQ(count(html, "<script"), 0U);
  EXPECT_EQ(count(html, "href=\"http"), 0U);
  EXPECT_EQ(count(html, "\x1b"), 0U);
  EXPECT_EQ(count(html, "\xff"), 0U);
  EXPECT_EQ(count(html, "<rect class=\"bar"), static_cast<std::size_t>(batch.attempts));
  EXPECT_EQ(count(html, "</title></rect>"), static_cast<std::size_t>(batch.attempts));
  for (int trait = 1; trait <= 30; ++trait) {
    EXPECT_NE(html.find(">" + job_name("b", trait) + "<"), std::string::npos) << trait;
  }
  EXPECT_NE(html.find("out of memory"), std::string::npos);  // the legend
  EXPECT_NE(html.find("class=\"cap\""), std::string::npos);
  EXPECT_NE(html.find("class=\"inflight\""), std::string::npos);
}

TEST(HtmlReport, ResourcesAndNodesShowPeaksAdviceAndEveryNode) {
  const Batch batch(30, hostile);
  const std::string html = render_html(batch.data);
  const std::size_t resources = html.find("<section id=\"resources\">");
  const std::size_t nodes = html.find("<section id=\"nodes\">");
  ASSERT_NE(resources, std::string::npos);
  ASSERT_NE(nodes, std::string::npos);
  EXPECT_NE(html.find("Right-sizing:</b> " + xml_escape(batch.data.sizing->advice)), std::string::npos);
  EXPECT_NE(html.find("memory tier 1 (64G)"), std::string::npos);
  // Every attempt's peak is known: one dot each, with its tooltip.
  EXPECT_EQ(count(html.substr(resources, nodes - resources), "</title></circle>"),
            static_cast<std::size_t>(batch.attempts));
  for (const NodeHealth& node : batch.data.nodes) {
    EXPECT_NE(html.find("<td>" + node.name + "</td>", nodes), std::string::npos) << node.name;
  }
}

TEST(HtmlReport, A186TraitBatchIsUnderTwoMegabytes) {
  const Batch batch(186, std::string(400, 'e'));
  EXPECT_LT(render_html(batch.data).size(), 2U * 1024 * 1024);
}

TEST(JunitReport, OneTestcasePerTraitFailuresAndSkippedCounted) {
  const Batch batch(30, hostile);
  const std::string xml = render_junit(batch.data);
  EXPECT_EQ(count(xml, "<testsuite "), 1U);
  EXPECT_EQ(count(xml, "<testcase "), 30U);
  EXPECT_EQ(count(xml, "<failure "), static_cast<std::size_t>(batch.failed));
  EXPECT_EQ(count(xml, "<skipped "), 1U);
  EXPECT_NE(xml.find("tests=\"30\" failures=\"" + std::to_string(batch.failed) + "\""), std::string::npos);
  EXPECT_EQ(count(xml, "<script"), 0U);
  EXPECT_EQ(count(xml, "]]>"), 0U);
  EXPECT_TRUE(std::none_of(xml.begin(), xml.end(),
                           [](char c) { return static_cast<unsigned char>(c) < 0x20 && c != '\n'; }));
  EXPECT_NE(xml.find("last lines of its log (/state/logs/b-7)"), std::string::npos);
}

TEST(MarkdownReport, TablesStayOneLinePerRow) {
  const Batch batch(30, hostile);
  const std::string markdown = render_markdown(batch.data);
  std::size_t rows = 0;
  std::size_t at = markdown.find("| Trait |");
  ASSERT_NE(at, std::string::npos);
  for (std::size_t line = at; line < markdown.size() && markdown[line] == '|';
       line = markdown.find('\n', line) + 1) {
    ++rows;
  }
  EXPECT_EQ(rows, batch.data.attention.size() + 2);
  EXPECT_EQ(count(markdown, "<script"), 0U);
}

TEST(JsonReport, CarriesTheSummaryAndEveryAttempt) {
  const Batch batch(30, hostile);
  const auto json = nlohmann::json::parse(render_json(batch.data));
  EXPECT_EQ(json["summary"]["traits"], 30);
  EXPECT_EQ(json["summary"]["outcomes"]["failed"], batch.failed);
  EXPECT_EQ(json["summary"]["outcomes"]["not-run"], 1);
  std::size_t attempts = 0;
  for (const auto& trait : json["traits"]) {
    attempts += trait["attempts"].size();
  }
  EXPECT_EQ(attempts, static_cast<std::size_t>(batch.attempts));
  EXPECT_EQ(json["timeline"]["cap"].front()["cap"], 5);
}

TEST(LargeBatch, TwentyThousandTraitsShareTimelineRowsAndStayWithinLimits) {
  const Batch batch(20'000, "exit code 1: Missing required files");
  const std::vector<TimelineRow> rows = timeline_rows(batch.data.history, max_timeline_rows);
  EXPECT_LE(rows.size(), max_timeline_rows);
  EXPECT_EQ(rows.front().first_trait, 1);
  EXPECT_EQ(rows.back().last_trait, 20'000);
  const std::string html = render_html(batch.data);
  EXPECT_NE(html.find("traits 1–20"), std::string::npos);
  EXPECT_LT(count(html, "<rect class=\"bar"), 10U * max_timeline_rows);
  EXPECT_LT(html.size(), 8U * 1024 * 1024);
  EXPECT_LT(render_markdown(batch.data).size(), 1024U * 1024);
  EXPECT_EQ(count(render_junit(batch.data), "<testcase "), 20'000U);
}

}  // namespace
}  // namespace traitctl::report_tests
