// `traitctl report`'s HTML in headless Chromium: the page of a local batch
// is drawn (its screenshot is not a blank page's) and the rendered DOM names
// every trait and holds one titled bar per attempt.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <set>

#include "report_batch.hpp"
#include "traitctl/adapters/process.hpp"

namespace traitctl::e2e {
namespace {

namespace fs = std::filesystem;

// Chromium's first start in a fresh profile can be slow on a loaded machine.
constexpr Duration kBrowserDeadline{300'000};

class Browser : public ::testing::Test {
 protected:
  // Headless Chromium on `page` with `extra` flags, a profile of its own
  // (it runs as root in CI, hence --no-sandbox).
  Result<ProcessOutput> chromium(const fs::path& page, std::vector<std::string> extra) {
    const fs::path profile = batch_.dir() / ("profile-" + std::to_string(++profiles_));
    std::vector<std::string> argv{TRAITCTL_CHROMIUM,
                                  "--headless",
                                  "--no-sandbox",
                                  "--disable-gpu",
                                  "--disable-dev-shm-usage",
                                  "--no-first-run",
                                  "--hide-scrollbars",
                                  "--user-data-dir=" + profile.string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("file://" + page.string());
    ProcessOptions options;
    options.timeout = kBrowserDeadline;
    return run_process(argv, options);
  }

  // The size of the screenshot of `page`; fails the test when none is made.
  std::uintmax_t screenshot(const fs::path& page, const fs::path& png) {
    auto shot = chromium(page, {"--window-size=1280,1600", "--screenshot=" + png.string()});
    EXPECT_TRUE(shot) << (shot ? "" : shot.error().message)
                      << " (install Debian's chromium: scripts/install-deps.sh)";
    if (!shot) {
      return 0;
    }
    EXPECT_TRUE(shot->succeeded()) << shot->err;
    std::error_code error;
    const std::uintmax_t size = fs::file_size(png, error);
    EXPECT_FALSE(error) << png << " was not written: " << shot->err;
    const std::string head = read_text(png).substr(0, 8);
    EXPECT_EQ(head, "\x89PNG\r\n\x1a\n");
    return error ? 0 : size;
  }

  ReportBatch batch_;
  int profiles_ = 0;
};

TEST_F(Browser, TheReportIsDrawnWithEveryTraitAndABarPerAttempt) {
  const CommandResult run = batch_.run();
  ASSERT_EQ(run.exit_code, 3) << run.err;
  const fs::path page = batch_.dir() / "report.html";
  const CommandResult report = batch_.report({"-o", page.string()});
  ASSERT_EQ(report.exit_code, 0) << report.err;

  // A blank page of the same size compresses to little; the report's
  // bars, text and tables to much more.
  const fs::path blank = batch_.dir() / "blank.html";
  std::ofstream(blank) << "<!DOCTYPE html><html><body></body></html>\n";
  const std::uintmax_t blank_size = screenshot(blank, batch_.dir() / "blank.png");
  const std::uintmax_t report_size = screenshot(page, batch_.dir() / "report.png");
  ASSERT_GT(blank_size, 0U);
  EXPECT_GT(report_size, 2 * blank_size) << "the report's screenshot looks blank";

  auto dom = chromium(page, {"--dump-dom"});
  ASSERT_TRUE(dom) << dom.error().message;
  ASSERT_TRUE(dom->succeeded()) << dom->err;
  for (int trait = 2; trait <= 7; ++trait) {
    EXPECT_NE(dom->out.find(">rep-" + std::to_string(trait) + "<"), std::string::npos) << "trait " << trait;
  }
  const std::regex bar(R"re(<rect class="bar[^>]*><title>[^<]+</title></rect>)re");
  const auto bars = static_cast<int>(
      std::distance(std::sregex_iterator(dom->out.begin(), dom->out.end(), bar), std::sregex_iterator()));
  EXPECT_EQ(bars, ReportBatch::kAttempts);
}

}  // namespace
}  // namespace traitctl::e2e
