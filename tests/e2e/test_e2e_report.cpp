// `traitctl report` through the built binary on a local batch: the four
// formats written with -o, the JUnit file read by a real XML parser
// (python3's xml.etree), the Markdown within GitHub's limit, the HTML with no
// external reference, and a file that cannot be written.
#include <gtest/gtest.h>

#include <regex>

#include "report_batch.hpp"
#include "traitctl/adapters/process.hpp"

namespace traitctl::e2e::report_tests {
namespace {

using nlohmann::json;

// The counts a JUnit reader sees, as Jenkins and GitLab read the elements.
constexpr const char* kJunitReader = R"py(
import json, sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
suites = [root] if root.tag == "testsuite" else root.findall("testsuite")
cases = [c for s in suites for c in s.findall("testcase")]
print(json.dumps({
  "suites": len(suites),
  "cases": len(cases),
  "named": all(c.get("name") and c.get("classname") and c.get("time") is not None for c in cases),
  "times": [float(c.get("time")) for c in cases],
  "failures": [c.get("name") for c in cases if c.find("failure") is not None],
  "failure_texts": [c.find("failure").text for c in cases if c.find("failure") is not None],
  "skipped": [c.get("name") for c in cases if c.find("skipped") is not None],
  "suite_counts": [suites[0].get(k) for k in ("tests", "failures", "skipped")] if suites else [],
}))
)py";

class Report : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    batch_ = new ReportBatch();
    const CommandResult run = batch_->run();
    ASSERT_EQ(run.exit_code, 3) << run.err;
  }
  static void TearDownTestSuite() {
    delete batch_;
    batch_ = nullptr;
  }

  static std::string written(const std::string& format) {
    const std::filesystem::path file = batch_->dir() / ("report." + format);
    const CommandResult result = batch_->report({"--format", format, "-o", file.string()});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(result.out.empty());
    return read_text(file);
  }

  static ReportBatch* batch_;
};

ReportBatch* Report::batch_ = nullptr;

TEST_F(Report, JunitIsReadByAnXmlParserWithTheBatchsCounts) {
  written("junit");
  auto parsed = run_process({"python3", "-c", kJunitReader, (batch_->dir() / "report.junit").string()},
                            ProcessOptions{});
  ASSERT_TRUE(parsed) << parsed.error().message;
  ASSERT_EQ(parsed->exit_code, 0) << parsed->err;
  const json counts = json::parse(parsed->out);
  EXPECT_EQ(counts["suites"], 1);
  EXPECT_EQ(counts["cases"], 6);
  EXPECT_TRUE(counts["named"].get<bool>());
  EXPECT_EQ(counts["failures"], json::array({"trait 5 (rep-5)"}));
  EXPECT_EQ(counts["skipped"], json::array({"trait 7 (rep-7)"}));
  EXPECT_EQ(counts["suite_counts"], json::array({"6", "1", "1"}));
  const std::string text = counts["failure_texts"][0];
  EXPECT_NE(text.find("class: config"), std::string::npos) << text;
  EXPECT_NE(text.find("last lines of its log"), std::string::npos) << text;
  EXPECT_GT(counts["times"][0].get<double>(), 0.0);
}

TEST_F(Report, MarkdownHasTablesAndStaysUnderGithubsLimit) {
  const std::string markdown = written("markdown");
  EXPECT_LT(markdown.size(), 1024U * 1024);
  EXPECT_NE(markdown.find("| Outcome | Traits |\n| --- | ---: |"), std::string::npos) << markdown;
  EXPECT_NE(markdown.find("| 5 | rep-5 | failed | config |"), std::string::npos) << markdown;
}

TEST_F(Report, HtmlIsSelfContained) {
  const std::string html = written("html");
  ASSERT_FALSE(html.empty());
  const std::regex external(R"re((src|href)\s*=\s*["']?\s*(https?:|ftp:|//)|url\(\s*["']?\s*(https?:|//))re",
                            std::regex::icase);
  EXPECT_FALSE(std::regex_search(html, external));
  EXPECT_EQ(html.find("<script"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
}

TEST_F(Report, JsonToStdoutCountsEveryAttempt) {
  const CommandResult result = batch_->report({"--format", "json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  int attempts = 0;
  for (const json& trait : report["traits"]) {
    attempts += static_cast<int>(trait["attempts"].size());
  }
  EXPECT_EQ(attempts, ReportBatch::kAttempts);
  EXPECT_EQ(report["summary"]["outcomes"]["completed"], 4);
  EXPECT_EQ(report["summary"]["outcomes"]["failed"], 1);
  EXPECT_EQ(report["summary"]["outcomes"]["not-run"], 1);
}

TEST_F(Report, AFileThatCannotBeWrittenIsNamed) {
  const std::string file = (batch_->dir() / "no-such-folder" / "report.html").string();
  const CommandResult result = batch_->report({"-o", file});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find(file), std::string::npos) << result.err;
}

}  // namespace
}  // namespace traitctl::e2e::report_tests
