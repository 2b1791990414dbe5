#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <sstream>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/wait_status.hpp"

namespace traitctl::terminal_tests {
namespace {

constexpr std::string_view erase = "\r\x1b[K";

TEST(StatusLine, RedrawsInPlace) {
  std::ostringstream out;
  StatusLine line(out, true);
  line.show("3 s left");
  line.show("2 s");
  EXPECT_EQ(out.str(), "\r3 s left\x1b[K\r2 s\x1b[K");
}

TEST(StatusLine, ClearErasesOnlyAShownLine) {
  std::ostringstream out;
  StatusLine line(out, true);
  line.clear();
  EXPECT_EQ(out.str(), "");
  line.show("waiting");
  line.clear();
  line.clear();
  EXPECT_EQ(out.str(), "\rwaiting\x1b[K" + std::string(erase));
}

TEST(FitToWidth, CutsAtCharactersNotBytes) {
  EXPECT_EQ(fit_to_width("abcdef", 0), "abcdef");  // width unknown
  EXPECT_EQ(fit_to_width("abcdef", 7), "abcdef");
  EXPECT_EQ(fit_to_width("abcdef", 6), "abcde");  // never the last column
  EXPECT_EQ(fit_to_width("a\u2026b\u2026c", 4), "a\u2026b");
  EXPECT_EQ(display_width("a\u2026b"), 3U);
}

TEST(FitBlock, CutsLinesAndKeepsTheBlockOffTheLastRow) {
  const auto overflow = [](std::size_t hidden) { return std::to_string(hidden) + " more lines hidden"; };
  const std::vector<std::string> lines{"first line", "second", "third", "fourth", "fifth"};
  EXPECT_EQ(fit_block(lines, {0, 0}, overflow), lines);
  EXPECT_EQ(fit_block(lines, {6, 10}, overflow),
            (std::vector<std::string>{"first", "secon", "third", "fourt", "fifth"}));
  EXPECT_EQ(fit_block(lines, {80, 4}, overflow),
            (std::vector<std::string>{"first line", "second", "3 more lines hidden"}));
  EXPECT_EQ(fit_block(lines, {80, 6}, overflow), lines);
  EXPECT_EQ(fit_block(lines, {8, 4}, overflow), (std::vector<std::string>{"first l", "second", "3 more "}));
}

TEST(StatusLine, CutsTextToTheTerminalWidthSoItNeverWraps) {
  std::ostringstream out;
  StatusLine line(out, true, [] { return std::size_t{6}; });
  line.show("abcdefgh");
  line.show("abc");
  EXPECT_EQ(out.str(), "\rabcde\x1b[K\rabc\x1b[K");
}

TEST(StatusLine, DisabledWritesNothing) {
  std::ostringstream out;
  StatusLine line(out, false);
  line.show("waiting");
  line.clear();
  line.clear_then([&] { out << "a log line\n"; });
  EXPECT_EQ(out.str(), "a log line\n");
}

// The sink configure_logging puts on stderr, here on a string.
struct LoggerOnStream {
  std::ostringstream out;
  StatusLine line{out, true};
  spdlog::logger logger{
      "test", std::make_shared<StatusLineSink>(std::make_shared<spdlog::sinks::ostream_sink_st>(out), line)};
  LoggerOnStream() { logger.set_pattern("%v"); }
};

TEST(StatusLineSink, ClearsTheStatusLineBeforeALogLine) {
  LoggerOnStream stream;
  stream.line.show("next poll in 3s");
  stream.logger.info("[SUBMIT] Trait 4");
  stream.logger.info("[SUBMIT] Trait 5");
  EXPECT_EQ(stream.out.str(),
            "\rnext poll in 3s\x1b[K" + std::string(erase) + "[SUBMIT] Trait 4\n[SUBMIT] Trait 5\n");
}

TEST(StatusLineSink, LeavesLogLinesAloneWhenNoStatusLineIsShown) {
  LoggerOnStream stream;
  stream.logger.info("plain");
  EXPECT_EQ(stream.out.str(), "plain\n");
}

TEST(WaitStatus, ShowsActiveOverCapSubmittedRemainingAndTheCountdown) {
  const WaitProgress progress{5, 50, 50, 12, 28, 0, WaitingFor::Nothing, Duration{27'000}};
  EXPECT_EQ(wait_status(progress, "to submit"),
            "[WAIT] 5/50 active, 12 submitted, 28 to submit, next poll in 27s");
}

TEST(WaitStatus, NamesBackoffsAndRoundsTheCountdownUp) {
  const WaitProgress progress{0, 4, 4, 7, 2, 1, WaitingFor::Nothing, Duration{400}};
  EXPECT_EQ(wait_status(progress, "to settle"),
            "[WAIT] 0/4 active, 7 submitted, 2 to settle, 1 in backoff, next poll in 1s");
}

TEST(WaitStatus, NamesALoweredCapAndTheBudgetTheNextJobWaitsFor) {
  const WaitProgress progress{12, 12, 50, 40, 100, 0, WaitingFor::Memory, Duration{3'000}};
  EXPECT_EQ(
      wait_status(progress, "to settle"),
      "[WAIT] 12/12 active (cap lowered from 50), 40 submitted, 100 to settle, next waits for the memory "
      "budget, next poll in 3s");
}

}  // namespace
}  // namespace traitctl::terminal_tests
