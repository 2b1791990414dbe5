// The y/N questions of submit, resubmit and cleanup on a terminal: each says
// what will happen (how many jobs, the batch and project, the backend);
// Ctrl-C while it waits exits 130 and end of input (Ctrl-D) is no (exit 1),
// and either way nothing is submitted or deleted.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "harness.hpp"
#include "terminal_run.hpp"

namespace traitctl::e2e::prompts_tests {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

struct Prompt {
  std::vector<std::string> args;
  std::string question;
};

std::vector<std::string> with_batch(std::vector<std::string> args) {
  const std::vector<std::string> batch{"--prefix", "pr", "--project", "p", "--traits", "2-4"};
  args.insert(args.begin() + 1, batch.begin(), batch.end());
  return args;
}

const std::vector<Prompt> kPrompts{
    {with_batch({"submit"}),
     "Submit up to 3 jobs of batch pr in project p (runai, at most 50 active at once)? [y/N]"},
    {with_batch({"resubmit", "2"}),
     "Delete and resubmit 1 trait of batch pr in project p (runai, at most 50 active at once)? [y/N]"},
    {with_batch({"cleanup", "--failed"}), "Delete 1 job of batch pr in project p (runai)? [y/N]"},
};

// pr-2 failed: something for resubmit and cleanup to act on.
class Prompts : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.write_config(json{{"pending_ms", 0}, {"running_ms", 0}, {"plans", {{"pr-2", {1}}}}});
    const auto created = submit_to_fake(cluster_, "pr-2");
    ASSERT_EQ(created.exit_code, 0) << created.err;
    ASSERT_TRUE(wait_until_ended(cluster_, {"pr-2"}, 60s));
  }

  // Answers the question with `keys`; the exit code.
  int answer(const Prompt& prompt, std::string_view keys, std::string& screen) const {
    TerminalRun run(cluster_, prompt.args);
    EXPECT_TRUE(run.started());
    EXPECT_TRUE(run.read_until("[y/N] ", 60s)) << run.screen();
    run.type(keys);
    const int code = run.finish(60s);
    screen = run.screen();
    return code;
  }

  // Every question answered with `keys` ends with `code`, saying `said`; no
  // job is submitted (but the test's own pr-2) or deleted.
  void expect_nothing_changed(std::string_view keys, int code, std::string_view said) const {
    for (const Prompt& prompt : kPrompts) {
      std::string screen;
      EXPECT_EQ(answer(prompt, keys, screen), code) << prompt.args[0] << ":\n" << screen;
      EXPECT_NE(screen.find(said), std::string::npos) << prompt.args[0] << ":\n" << screen;
    }
    EXPECT_EQ(cluster_.count_calls("submit"), 1);
    EXPECT_EQ(cluster_.count_calls("delete"), 0);
  }

  FakeCluster cluster_;
};

TEST_F(Prompts, TheQuestionSaysHowManyJobsOfWhichBatchOnWhichBackend) {
  for (const Prompt& prompt : kPrompts) {
    std::string screen;
    answer(prompt, "n\r", screen);
    EXPECT_NE(screen.find(prompt.question), std::string::npos) << prompt.args[0] << ":\n" << screen;
  }
}

TEST_F(Prompts, CtrlCAtTheQuestionExits130AndChangesNothing) {
  expect_nothing_changed("\x03", 130, "interrupted at the question");
}

TEST_F(Prompts, EndOfInputAtTheQuestionIsNo) { expect_nothing_changed("\x04", 1, "Aborted; nothing was"); }

}  // namespace
}  // namespace traitctl::e2e::prompts_tests
