// The live status line of `traitctl submit` on a pseudo-terminal: redrawn in
// place while the batch waits at its cap, counting down to the next poll,
// cleared before every log line, the report and on Ctrl-C; and, off a
// terminal, the plain [WAIT] lines without a control code. And `status
// --watch` redrawn in place on a narrow, short terminal.
#include <gtest/gtest.h>

#include <chrono>
#include <regex>
#include <string>
#include <vector>

#include "harness.hpp"
#include "terminal_run.hpp"
#include "traitctl/adapters/terminal.hpp"

namespace traitctl::e2e::status_line_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kRedraw = "\r[WAIT] ";
constexpr std::string_view kErase = "\r\x1b[K";

// Two traits, one at a time: trait 3 waits one 2 s poll for trait 2 to end.
std::vector<std::string> capped_submit(std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"submit", "--prefix",         "sl", "--project",       "p",  "--traits",
                                "2-3",    "--max-concurrent", "1",  "--poll-interval", "2s", "--yes"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

std::size_t count_of(const std::string& text, std::string_view part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
    ++count;
  }
  return count;
}

TEST(StatusLine, OnATerminalTheWaitIsOneLineRedrawnWithACountdown) {
  FakeCluster cluster;
  cluster.write_config(json{{"pending_ms", 100}, {"running_ms", 1200}});
  TerminalRun run(cluster, capped_submit());
  ASSERT_TRUE(run.started());
  ASSERT_EQ(run.finish(60s), 0) << run.screen();
  const std::string& screen = run.screen();

  EXPECT_NE(screen.find("\r[WAIT] 1/1 active, 1 submitted, 1 to submit, next poll in 2s\x1b[K"),
            std::string::npos)
      << screen;
  EXPECT_NE(screen.find("\r[WAIT] 1/1 active, 1 submitted, 1 to submit, next poll in 1s\x1b[K"),
            std::string::npos)
      << screen;
  EXPECT_EQ(count_of(screen, kRedraw), 2u) << "one redraw per second of the 2 s wait\n" << screen;
  EXPECT_EQ(screen.find("Next check in"), std::string::npos) << "no plain [WAIT] line on a terminal\n"
                                                             << screen;
  // The next log line, and after it the report, start on a cleared line.
  const auto last_draw = screen.rfind(kRedraw);
  const auto erased = screen.find(kErase, last_draw);
  const auto next_line = screen.find("Trait 3", last_draw);
  ASSERT_NE(next_line, std::string::npos) << screen;
  EXPECT_LT(erased, next_line) << screen;
  EXPECT_EQ(count_of(screen, kErase), 1u) << "the report needs no second clear\n" << screen;
  EXPECT_GT(screen.find("Submitted: 2"), next_line) << screen;
}

TEST(StatusLine, CtrlCDuringTheWaitClearsTheStatusLine) {
  FakeCluster cluster;
  cluster.write_config(json{{"pending_ms", 100}, {"hold", true}});  // trait 2 runs until Ctrl-C
  TerminalRun run(cluster, capped_submit());
  ASSERT_TRUE(run.started());
  ASSERT_TRUE(run.read_until("next poll in", 60s)) << run.screen();
  run.type("\x03");
  ASSERT_EQ(run.finish(60s), 130) << run.screen();
  const std::string& screen = run.screen();
  const auto erased = screen.find(kErase, screen.rfind(kRedraw));
  ASSERT_NE(erased, std::string::npos) << screen;
  EXPECT_LT(erased, screen.find("Interrupted")) << screen;
}

TEST(StatusLine, QuietOnATerminalShowsNoStatusLine) {
  FakeCluster cluster;
  cluster.write_config(json{{"pending_ms", 100}, {"running_ms", 1200}});
  TerminalRun run(cluster, capped_submit({"-q"}));
  ASSERT_TRUE(run.started());
  ASSERT_EQ(run.finish(60s), 0) << run.screen();
  EXPECT_EQ(run.screen().find("\x1b[K"), std::string::npos) << run.screen();
}

TEST(StatusLine, OffATerminalTheWaitIsAPlainLineWithoutControlCodes) {
  FakeCluster cluster;
  cluster.write_config(json{{"pending_ms", 100}, {"running_ms", 1200}});
  const auto result = run_traitctl(cluster, capped_submit(), {}, 120s);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  // The same words as the live line, once per change of the batch.
  EXPECT_NE(result.err.find("[WAIT] 1/1 active, 1 submitted, 1 to submit, next poll in 2s\n"),
            std::string::npos)
      << result.err;
  for (const std::string* stream : {&result.out, &result.err}) {
    EXPECT_EQ(stream->find('\x1b'), std::string::npos) << *stream;
    EXPECT_EQ(stream->find('\r'), std::string::npos) << *stream;
  }
}

// One block of `status --watch` and the cursor-up that replaced it.
struct Redraw {
  std::vector<std::string> lines;  // the block before the redraw
  std::size_t rows_up = 0;
};

// The screen cut at each "cursor up N, clear below"; the pseudo-terminal
// ends lines with "\r\n".
std::vector<Redraw> redraws_of(const std::string& screen) {
  static const std::regex up("\x1b\\[(\\d+)A\x1b\\[J");
  std::vector<Redraw> found;
  std::size_t block_start = 0;
  for (auto match = std::sregex_iterator(screen.begin(), screen.end(), up); match != std::sregex_iterator();
       ++match) {
    Redraw redraw;
    const std::string block =
        screen.substr(block_start, static_cast<std::size_t>(match->position()) - block_start);
    for (std::size_t at = 0; at < block.size();) {
      const std::size_t end = block.find("\r\n", at);
      redraw.lines.push_back(block.substr(at, end - at));
      at = end == std::string::npos ? block.size() : end + 2;
    }
    redraw.rows_up = std::stoul((*match)[1].str());
    found.push_back(std::move(redraw));
    block_start = static_cast<std::size_t>(match->position() + match->length());
  }
  return found;
}

// A watch on a terminal 40 columns wide and 12 rows high: every line is cut
// to the width and the block to the height, so each redraw moves the cursor
// up exactly over the block it replaces and the screen never scrolls.
TEST(StatusWatch, RedrawsInPlaceOnANarrowShortTerminal) {
  FakeCluster cluster;
  json config{{"pending_ms", 0}, {"running_ms", 0}, {"plans", {{"n-2", {1}}, {"n-3", {2}}, {"n-4", {137}}}}};
  cluster.write_config(config);
  const auto submit = [&cluster](const std::string& name) {
    const auto created = submit_to_fake(cluster, name);
    ASSERT_EQ(created.exit_code, 0) << created.err;
  };
  for (const char* name : {"n-2", "n-3", "n-4", "n-5"}) {
    submit(name);
  }
  config["hold"] = json::array({"n-6"});
  cluster.write_config(config);
  submit("n-6");  // held, never released: the watch goes on until Ctrl-C

  constexpr std::size_t columns = 40;
  constexpr std::size_t rows = 12;
  TerminalRun run(
      cluster,
      {"status", "--prefix", "n", "--project", "p", "--traits", "2-9", "--watch", "--interval", "0.3s"},
      winsize{rows, columns, 0, 0});
  ASSERT_TRUE(run.started());
  EXPECT_TRUE(run.read_until([](const std::string& screen) { return redraws_of(screen).size() >= 3; }, 60s))
      << run.screen();
  run.type("\x03");
  ASSERT_EQ(run.finish(60s), 130) << run.screen();

  const std::vector<Redraw> redraws = redraws_of(run.screen());
  ASSERT_GE(redraws.size(), 3U) << run.screen();
  for (const Redraw& redraw : redraws) {
    EXPECT_EQ(redraw.rows_up, redraw.lines.size()) << "up over exactly the block drawn\n" << run.screen();
    EXPECT_LE(redraw.lines.size(), rows - 1) << run.screen();
    for (const std::string& line : redraw.lines) {
      EXPECT_LT(display_width(line), columns) << line;
    }
  }
  EXPECT_NE(run.screen().find("more lines"), std::string::npos) << "the block was cut to the height\n"
                                                                << run.screen();
}

}  // namespace
}  // namespace traitctl::e2e::status_line_tests
