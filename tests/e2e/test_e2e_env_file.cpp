// .env files end to end: $NAME, ${NAME:-default} and ~ reach runai's argv as
// the bash script's `source` expanded them, the environment still beats the
// file, an unset ACCESSION_IDS_FILE is sent empty, and what traitctl refuses
// ($(...), backticks, unset names, other ${...} forms) stops submit with one
// line naming FILE:LINE before any runai call.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e::env_file_tests {
namespace {

namespace fs = std::filesystem;

// The argument right after `flag`, the first time `flag` appears.
std::optional<std::string> after(const std::vector<std::string>& argv, std::string_view flag) {
  const auto found = std::find(argv.begin(), argv.end(), flag);
  return found == argv.end() || found + 1 == argv.end() ? std::nullopt
                                                        : std::optional<std::string>(*(found + 1));
}

// The --environment value that starts with NAME=, whole.
std::optional<std::string> environment_entry(const std::vector<std::string>& argv, std::string_view name) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--environment" && argv[i + 1].starts_with(fmt::format("{}=", name))) {
      return argv[i + 1];
    }
  }
  return std::nullopt;
}

class EnvFileSubmit : public ::testing::Test {
 protected:
  // Submits the one-trait batch of `text` (after a PROJECT, JOB_PREFIX and
  // trait range of its own) with `extra` in the environment.
  CommandResult submit(const std::string& text, EnvironmentOverrides extra = {}) const {
    std::ofstream(env_, std::ios::binary) << "PROJECT=p\nJOB_PREFIX=ev\nSTART_TRAIT=3\nEND_TRAIT=3\n" << text;
    return run_traitctl(cluster_,
                        {"submit", "--env-file", env_.string(), "--yes", "--poll-interval", "0.05s"},
                        std::move(extra));
  }

  // The argv of the one `workspace submit` call.
  [[nodiscard]] std::vector<std::string> submitted() const {
    std::vector<std::vector<std::string>> submits;
    for (const auto& call : cluster_.calls()) {
      const auto argv = argv_of(call);
      if (argv.size() > 1 && argv[1] == "submit") {
        submits.push_back(argv);
      }
    }
    EXPECT_EQ(submits.size(), 1U);
    return submits.empty() ? std::vector<std::string>{} : submits.front();
  }

  FakeCluster cluster_;
  fs::path env_ = cluster_.dir() / "batch.env";
};

TEST_F(EnvFileSubmit, ExpandsFromEarlierLinesAndTheEnvironmentAsSourceDid) {
  const auto result = submit(
      "ROOT=/mnt/gwas\n"
      "DATA_PATH_HOST=$ROOT/data\n"
      "OUTPUT_PATH_HOST=\"${SCRATCH}/out\"           # SCRATCH: from the environment\n"
      "OUTPUT_PATH_HOST=$OUTPUT_PATH_HOST/run-1      # the line above's value\n"
      "IMAGE=ghcr.io/org/gapit:${TAG:-v1}\n"
      "MODEL=${LATER:-BLINK},FarmCPU                 # LATER is set only further down\n"
      "LATER=MLM\n"
      "GENOTYPE_FILE='/data/$literal.hmp.txt'\n"
      "PHENOTYPE_FILE=/data/\\$escaped\\ name.txt\n"
      "ACCESSION_IDS_FILE=~/ids.txt\n"
      "SNP_FDR=\"${FDR-0.1}\"\n",
      {{"SCRATCH", "/scratch/u"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto argv = submitted();
  EXPECT_EQ(after(argv, "--image"), "ghcr.io/org/gapit:v1");
  EXPECT_EQ(after(argv, "--host-path"), "path=/mnt/gwas/data,mount=/data,mount-propagation=HostToContainer");
  const auto outputs = std::find(argv.rbegin(), argv.rend(), "--host-path");
  ASSERT_NE(outputs, argv.rend());
  EXPECT_EQ(*(outputs - 1),
            "path=/scratch/u/out/run-1,mount=/outputs,mount-propagation=HostToContainer,readwrite");
  EXPECT_EQ(environment_entry(argv, "MODEL"), "MODEL=BLINK,FarmCPU");
  EXPECT_EQ(environment_entry(argv, "GENOTYPE_FILE"), "GENOTYPE_FILE=/data/$literal.hmp.txt");
  EXPECT_EQ(environment_entry(argv, "PHENOTYPE_FILE"), "PHENOTYPE_FILE=/data/$escaped name.txt");
  EXPECT_EQ(environment_entry(argv, "ACCESSION_IDS_FILE"),
            "ACCESSION_IDS_FILE=" + (cluster_.dir() / "ids.txt").string());  // HOME is the cluster folder
  EXPECT_EQ(environment_entry(argv, "SNP_FDR"), "SNP_FDR=0.1");
}

// Precedence is unchanged: a variable in the environment beats the file's
// line, even one that refers to itself (bash's `source` would have given
// /env/out/run-1 here).
TEST_F(EnvFileSubmit, TheEnvironmentStillBeatsTheFile) {
  const auto result = submit("OUTPUT_PATH_HOST=$OUTPUT_PATH_HOST/run-1\nMODEL=FarmCPU\n",
                             {{"OUTPUT_PATH_HOST", "/env/out"}, {"MODEL", "BLINK"}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto argv = submitted();
  EXPECT_NE(std::find(argv.begin(), argv.end(),
                      "path=/env/out,mount=/outputs,mount-propagation=HostToContainer,readwrite"),
            argv.end());
  EXPECT_EQ(environment_entry(argv, "MODEL"), "MODEL=BLINK");
}

TEST_F(EnvFileSubmit, AnUnsetAccessionFileIsSentEmpty) {
  for (const std::string text : {"", "ACCESSION_IDS_FILE=\n", "ACCESSION_IDS_FILE=${NOPE:-}\n"}) {
    SCOPED_TRACE(text);
    fs::remove(cluster_.dir() / "calls.jsonl");
    fs::remove_all(cluster_.state_dir());
    fs::remove(cluster_.dir() / "state.json");
    const auto result = submit(text);
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(environment_entry(submitted(), "ACCESSION_IDS_FILE"), "ACCESSION_IDS_FILE=");
  }
}

// Each refusal: exit 2, nothing on stdout, one [ERROR] line naming the file,
// the line and why, and no runai call at all.
TEST_F(EnvFileSubmit, RefusesWhatItWouldHaveToRunWithFileAndLine) {
  struct Case {
    std::string text;
    int line;
    std::string why;
  };
  const std::vector<Case> cases{
      {"MODEL=MLM\nIMAGE=$(curl -s https://example.invalid/tag)\n", 6,
       "$(...) is a command substitution, which traitctl never runs: write the value itself, or single-quote "
       "it to keep the text as it is: IMAGE=$(curl -s https://example.invalid/tag)"},
      {"MODEL=\"`touch PWNED`\"\n", 5, "`...` is a command substitution, which traitctl never runs"},
      {"DATA_PATH_HOST=${BASE:-$(pwd)}/data\n", 5, "$(...) is a command substitution"},
      {"DATA_PATH_HOST=$NOT_SET_ANYWHERE/data\n", 5,
       "$NOT_SET_ANYWHERE is not set, neither on an earlier line nor in the environment (the bash scripts "
       "stopped here with \"unbound variable\"): set it, or write ${NOT_SET_ANYWHERE:-} for an empty value"},
      {"DATA_PATH_HOST=${ROOT:?set ROOT}\n", 5,
       "${ROOT:?set ROOT} is not supported: only ${NAME}, ${NAME:-default} and ${NAME-default} expand"},
      {"MODEL=${#MODEL}\n", 5, "${#MODEL} is not supported"},
      {"MODEL=${MODEL/MLM/BLINK}\n", 5, "${MODEL/MLM/BLINK} is not supported"},
      {"MODEL=$1\n", 5, "$1 is a special parameter of the shell"},
      {"MODEL=\"a\nb $(id)\"\n", 6, "$(...) is a command substitution"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.text);
    fs::remove(cluster_.dir() / "calls.jsonl");
    const auto result = submit(c.text);
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(result.out, "");
    const auto lines = lines_of(result.err);
    ASSERT_EQ(lines.size(), 1U) << result.err;
    EXPECT_TRUE(lines[0].starts_with(fmt::format("[ERROR] {}:{}: {}", env_.string(), c.line, c.why)))
        << lines[0];
    EXPECT_TRUE(cluster_.calls().empty()) << "runai was called";
  }
}

}  // namespace
}  // namespace traitctl::e2e::env_file_tests
