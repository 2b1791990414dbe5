// The live status line of `traitctl submit` on a pseudo-terminal: redrawn in
// place while the batch waits at its cap, counting down to the next poll,
// cleared before every log line, the report and on Ctrl-C; and, off a
// terminal, the plain [WAIT] lines without a control code. And `status
// --watch` redrawn in place on a narrow, short terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <optional>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "harness.hpp"
#include "traitctl/adapters/terminal.hpp"

namespace traitctl::e2e {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr std::string_view kRedraw = "\r[WAIT] ";
constexpr std::string_view kErase = "\r\x1b[K";

// A terminal wide enough that no status line is cut.
constexpr winsize kWide{24, 200, 0, 0};

// The built traitctl on the slave side of a pseudo-terminal (stdin, stdout
// and stderr) of `size`.
class TerminalRun {
 public:
  TerminalRun(const FakeCluster& cluster, std::vector<std::string> args, winsize size = kWide) {
    args.insert(args.begin(), TRAITCTL_BIN);
    std::vector<std::string> environment;
    for (const auto& [key, value] : cluster.environment()) {
      environment.push_back(key + "=" + value);
    }
    environment.emplace_back("TERM=xterm");
    // Built before the fork: the child only calls execve and _exit.
    std::vector<char*> argv = pointers(args);
    std::vector<char*> envp = pointers(environment);
    pid_ = ::forkpty(&master_, nullptr, nullptr, &size);
    if (pid_ == 0) {
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  TerminalRun(const TerminalRun&) = delete;
  TerminalRun& operator=(const TerminalRun&) = delete;
  ~TerminalRun() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (master_ >= 0) {
      ::close(master_);
    }
  }

  [[nodiscard]] bool started() const { return pid_ > 0 && master_ >= 0; }
  [[nodiscard]] const std::string& screen() const { return screen_; }

  // Reads what the terminal shows until `text` appears; false on end or timeout.
  bool read_until(std::string_view text, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (screen_.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline || !read_some(100ms)) {
        return screen_.find(text) != std::string::npos;
      }
    }
    return true;
  }

  // Reads what the terminal shows for `span`, or until the child closes it.
  void read_for(std::chrono::milliseconds span) {
    const auto deadline = std::chrono::steady_clock::now() + span;
    while (std::chrono::steady_clock::now() < deadline && read_some(50ms)) {
    }
  }

  // Types on the terminal's keyboard: "\x03" is Ctrl-C.
  void type(std::string_view keys) const { (void)::write(master_, keys.data(), keys.size()); }

  // Reads to the end and reaps the child: its exit code, or -1 past `limit`.
  int finish(std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline && read_some(100ms)) {
    }
    // The terminal closes a moment before the child can be reaped.
    int status = 0;
    while (::waitpid(pid_, &status, WNOHANG) != pid_) {
      if (std::chrono::steady_clock::now() >= deadline) {
        return -1;  // the destructor kills it
      }
      std::this_thread::sleep_for(10ms);
    }
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return *exit_code_;
  }

 private:
  static std::vector<char*> pointers(std::vector<std::string>& strings) {
    std::vector<char*> result;
    for (auto& text : strings) {
      result.push_back(text.data());
    }
    result.push_back(nullptr);
    return result;
  }

  // False once the child has closed the terminal (EIO) or on an error.
  bool read_some(std::chrono::milliseconds wait) {
    pollfd fd{master_, POLLIN, 0};
    const int ready = ::poll(&fd, 1, static_cast<int>(wait.count()));
    if (ready == 0) {
      return true;
    }
    if (ready < 0) {
      return errno == EINTR;
    }
    char buffer[4096];
    const ssize_t got = ::read(master_, buffer, sizeof buffer);
    if (got <= 0) {
      return got < 0 && errno == EINTR;
    }
    screen_.append(buffer, static_cast<std::size_t>(got));
    return true;
  }

  int master_ = -1;
  pid_t pid_ = -1;
  std::string screen_;
  std::optional<int> exit_code_;
};

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
  ASSERT_EQ(run.finish(20s), 0) << run.screen();
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
  cluster.write_config(json{{"pending_ms", 100}, {"running_ms", 10'000}});
  TerminalRun run(cluster, capped_submit());
  ASSERT_TRUE(run.started());
  ASSERT_TRUE(run.read_until("next poll in", 10s)) << run.screen();
  run.type("\x03");
  ASSERT_EQ(run.finish(10s), 130) << run.screen();
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
  ASSERT_EQ(run.finish(20s), 0) << run.screen();
  EXPECT_EQ(run.screen().find("\x1b[K"), std::string::npos) << run.screen();
}

TEST(StatusLine, OffATerminalTheWaitIsAPlainLineWithoutControlCodes) {
  FakeCluster cluster;
  cluster.write_config(json{{"pending_ms", 100}, {"running_ms", 1200}});
  const auto result = run_traitctl(cluster, capped_submit(), {}, 20s);
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
  config["running_ms"] = 600'000;
  cluster.write_config(config);
  submit("n-6");  // runs on: the watch goes on until Ctrl-C

  constexpr std::size_t columns = 40;
  constexpr std::size_t rows = 12;
  TerminalRun run(
      cluster,
      {"status", "--prefix", "n", "--project", "p", "--traits", "2-9", "--watch", "--interval", "0.3s"},
      winsize{rows, columns, 0, 0});
  ASSERT_TRUE(run.started());
  run.read_for(2500ms);
  run.type("\x03");
  ASSERT_EQ(run.finish(10s), 130) << run.screen();

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
}  // namespace traitctl::e2e
