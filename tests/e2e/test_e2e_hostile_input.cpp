// Hostile input is inert, end to end: values holding `;`, `$(...)`,
// backticks, quotes, newlines, `../`, 100 KB and non-UTF-8 bytes, given as
// flags, `.env` values and environment variables to submit, retry --dry-run,
// status, cleanup --dry-run and validate, are either refused with one
// printable error line that names them, or reach the fake runai as one argv
// element, byte for byte (the fake's argv_hex record). No shell ever runs
// them: each command runs in a scratch folder where `touch PWNED` would
// leave its mark. A corrupt `.env` or attempt ledger is reported with its
// file (and line), and left as it was.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <vector>

#include "harness.hpp"
#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl::e2e::hostile_input_tests {
namespace {

using namespace std::string_literals;
namespace fs = std::filesystem;

constexpr const char* kPrefix = "hx";
constexpr const char* kProject = "p";
// What a shell running any of the values would create in its working folder.
constexpr const char* kMark = "PWNED";

struct Hostile {
  std::string label;
  std::string value;
};

// The label of the value that holds every kind of shell syntax below at once.
constexpr const char* kAllAtOnce = "all of the above but 100 KB";

const std::vector<Hostile>& hostile_values() {
  static const std::vector<Hostile> values{
      {"semicolon", "a;touch PWNED"},
      {"command substitution", "$(touch PWNED)"},
      {"backticks", "`touch PWNED`"},
      {"single quotes", "it's'; touch PWNED; '"},
      {"double quotes", "say \"hi\"; touch \"PWNED\""},
      {"newlines", "a\ntouch PWNED\n"},
      {"dot-dot", "../../PWNED"},
      {"100 KB", std::string(100 * 1024 - 14, 'x') + "$(touch PWNED)"},
      {"non-UTF-8", "\xff\xfe"},
      {kAllAtOnce,
       "a;touch PWNED $(touch PWNED) `touch PWNED` it's'; touch PWNED; ' say \"hi\"; touch \"PWNED\" "
       "a\ntouch PWNED\n ../../PWNED \xff\xfe"},
  };
  return values;
}

// Whether `command` meets `value` in the cross product of a place's values
// and the commands. Every command reads a value through the same settings,
// so submit, the one command that passes values on to runai, meets each value
// alone, and the others meet all the shell syntax in one value and the long
// value (which validate's report and every error line must not repeat).
bool meets(const std::string& command_label, const std::string& value_label) {
  return command_label == "submit" || value_label == kAllAtOnce || value_label == "100 KB";
}

// ------------------------------------------------------------ helpers -----

// The fake's record of each call's argv after the first `skip` calls,
// decoded from argv_hex: the exact bytes traitctl passed, which JSON's "argv"
// cannot hold when they are not UTF-8.
std::vector<std::vector<std::string>> recorded_argvs(const FakeCluster& cluster, std::size_t skip = 0) {
  std::vector<std::vector<std::string>> argvs;
  std::istringstream lines(read_text(cluster.dir() / "calls.jsonl"));
  std::size_t number = 0;
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || number++ < skip) {
      continue;
    }
    argvs.push_back(argv_of(nlohmann::json::parse(line)));
  }
  return argvs;
}

// How many calls the fake has recorded.
std::size_t call_count(const FakeCluster& cluster) {
  const std::string text = read_text(cluster.dir() / "calls.jsonl");
  return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The argument right after `flag` in argv, when there is one.
std::optional<std::string> after(const std::vector<std::string>& argv, std::string_view flag) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == flag) {
      return argv[i + 1];
    }
  }
  return std::nullopt;
}

bool is_submit(const std::vector<std::string>& argv) { return argv.size() > 1 && argv[1] == "submit"; }

// A long line shortened for a failure message, control bytes escaped.
std::string shown(std::string_view text) {
  constexpr std::size_t kShown = 300;
  return text.size() <= kShown
             ? printable(text)
             : fmt::format("{}... ({} bytes)", printable(text.substr(0, kShown)), text.size());
}

// Every line printable: no raw control byte (ESC, CR, NUL, ...) and no byte
// that is not UTF-8; a raw newline inside a value would show as an extra line,
// which the callers rule out by counting lines or finding the escaped value.
void expect_printable_lines(const std::string& text, std::string_view stream) {
  for (const auto& line : lines_of(text)) {
    EXPECT_EQ(line, printable(line)) << stream << " has raw control or non-UTF-8 bytes: " << shown(line);
  }
}

// Every file and folder under `root` named exactly kMark.
std::vector<fs::path> marks_under(const fs::path& root) {
  std::vector<fs::path> found;
  std::error_code error;
  for (fs::recursive_directory_iterator it(root, error), end; !error && it != end; it.increment(error)) {
    if (it->path().filename() == kMark) {
      found.push_back(it->path());
    }
  }
  return found;
}

// `.env` text for KEY=value: double quotes, with bash's escapes inside them
// (\\ \" \$ \`); every other byte, newlines and non-UTF-8 included, as it is.
std::string env_line(std::string_view key, std::string_view value) {
  std::string line = fmt::format("{}=\"", key);
  for (const char c : value) {
    if (c == '\\' || c == '"' || c == '$' || c == '`') {
      line += '\\';
    }
    line += c;
  }
  return line + "\"\n";
}

// A fake cluster and a scratch working folder inside it, made the current
// folder (restored afterwards): a shell started by traitctl would run there.
class Scratch {
 public:
  Scratch() : work_(cluster_.dir() / "work"), previous_(fs::current_path()) {
    cluster_.write_config({{"pending_ms", 5'000}, {"running_ms", 5'000}});
    fs::create_directories(work_);
    fs::current_path(work_);
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    std::error_code ignored;  // a destructor must not throw
    fs::current_path(previous_, ignored);
  }

  [[nodiscard]] const FakeCluster& cluster() const { return cluster_; }
  [[nodiscard]] const fs::path& work() const { return work_; }

  // ./.env (read by default from the working folder): a one-trait batch,
  // then `extra`, whose keys win over the ones before.
  void write_env(const std::string& extra) const {
    std::ofstream(work_ / ".env", std::ios::binary)
        << fmt::format("PROJECT={}\nJOB_PREFIX={}\nSTART_TRAIT=2\nEND_TRAIT=2\n", kProject, kPrefix) << extra;
  }

  // Nothing a shell would have made, nothing half-written in the state folder.
  void expect_inert() const {
    for (const auto& mark : marks_under(cluster_.dir())) {
      ADD_FAILURE() << "a shell ran a value: " << shown(mark.string()) << " exists";
    }
    for (const auto& problem : state_dir_problems(cluster_)) {
      ADD_FAILURE() << problem;
    }
  }

 private:
  FakeCluster cluster_;
  fs::path work_;
  fs::path previous_;
};

struct Command {
  std::string label;
  std::vector<std::string> args;
};

const std::vector<Command>& commands() {
  // submit skips validate's refusal (test_e2e_fail_fast covers it): a value
  // validate FAILs must still reach the argv as one element.
  static const std::vector<Command> all{
      {"submit",
       {"submit", "--yes", "--no-validate", "--poll-interval", "0.05s", "--lock-timeout", "1s",
        "--runai-timeout", "5s"}},
      {"retry --dry-run", {"retry", "--dry-run", "--poll-interval", "0.05s", "--runai-timeout", "5s"}},
      {"status", {"status", "--runai-timeout", "5s"}},
      {"cleanup --dry-run", {"cleanup", "--dry-run", "--failed", "--runai-timeout", "5s"}},
      {"validate", {"validate", "--runai-timeout", "5s"}},
  };
  return all;
}

// A refusal: `code`, and one [ERROR] line on stderr that names the value
// (escaped); a raw newline in the value would split it and fail the match.
// `alone`: before anything happened, so stderr holds nothing else.
void expect_error_line(const CommandResult& result, int code, const std::string& value, bool alone) {
  EXPECT_EQ(result.exit_code, code) << shown(result.out) << shown(result.err);
  const auto lines = lines_of(result.err);
  if (alone) {
    EXPECT_EQ(lines.size(), 1U) << "expected only the error line on stderr, got: " << shown(result.err);
  }
  int errors = 0;
  for (const auto& line : lines) {
    if (line.starts_with("[ERROR] ")) {
      ++errors;
      EXPECT_NE(line.find(printable(value)), std::string::npos)
          << "the error does not name " << shown(value) << ": " << shown(line);
    }
  }
  EXPECT_EQ(errors, 1) << shown(result.err);
}

void expect_refused_on_one_line(const CommandResult& result, int code, const std::string& value) {
  expect_error_line(result, code, value, /*alone=*/true);
}

// validate's report: a FAIL line on stdout naming the value, exit 1; a few
// copies of a long value at most, not every row padded to its width.
void expect_failed_check(const CommandResult& result, const std::string& value) {
  EXPECT_EQ(result.exit_code, 1) << shown(result.out) << shown(result.err);
  EXPECT_LT(result.out.size(), 4 * value.size() + 16 * 1024)
      << "a report of " << result.out.size() << " bytes";
  bool named = false;
  for (const auto& line : lines_of(result.out)) {
    named = named || (line.starts_with("FAIL") && line.find(printable(value)) != std::string::npos);
  }
  EXPECT_TRUE(named) << "no FAIL check names " << shown(value) << " in: " << shown(result.out);
}

// ------------------------------------------------- hostile values ---------

enum class Source { Flag, EnvFile, Environment };

// How a place treats a hostile value.
enum class Treatment {
  NameRefused,    // a job name part (prefix, project): refused; validate reports a FAIL
  TraitsRefused,  // a trait spec: refused by every command
  PassedThrough,  // a job setting: reaches runai submit unchanged; validate reports a FAIL
};

struct Place {
  std::string label;
  Source source;
  std::string key;  // the flag or the variable
  Treatment treatment;
  // PassedThrough: the submit argv element expected for `value`, or nullopt
  // when `argv` has no element where the value should be.
  std::optional<std::string> (*element)(const std::vector<std::string>& argv) = nullptr;
  std::string (*expected)(const std::string& value) = nullptr;
};

std::optional<std::string> image_element(const std::vector<std::string>& argv) {
  return after(argv, "--image");
}
std::string image_expected(const std::string& value) { return value; }

std::optional<std::string> model_element(const std::vector<std::string>& argv) {
  for (std::size_t i = 0; i + 1 < argv.size(); ++i) {
    if (argv[i] == "--environment" && argv[i + 1].starts_with("MODEL=")) {
      return argv[i + 1];
    }
  }
  return std::nullopt;
}
std::string model_expected(const std::string& value) { return "MODEL=" + value; }

std::optional<std::string> data_path_element(const std::vector<std::string>& argv) {
  return after(argv, "--host-path");  // the first: the data folder
}
std::string data_path_expected(const std::string& value) {
  return fmt::format("path={},mount=/data,mount-propagation=HostToContainer", value);
}

void PrintTo(const Place& place, std::ostream* out) { *out << place.label; }

class HostileValue : public ::testing::TestWithParam<Place> {
 protected:
  // One command with the value in its place, in `scratch`.
  static CommandResult run(const Scratch& scratch, const Place& place, const Command& command,
                           const std::string& value) {
    std::vector<std::string> args = command.args;
    EnvironmentOverrides environment;
    std::string env_extra;
    switch (place.source) {
      case Source::Flag: args.insert(args.end(), {place.key, value}); break;
      case Source::EnvFile: env_extra = env_line(place.key, value); break;
      case Source::Environment: environment.emplace_back(place.key, value); break;
    }
    scratch.write_env(env_extra);
    return run_traitctl(scratch.cluster(), args, environment, std::chrono::seconds(20));
  }

  // `argvs`: the runai calls this command made.
  static void expect_outcome(const Scratch& scratch, const Place& place, const Command& command,
                             const std::string& value, const CommandResult& result,
                             const std::vector<std::vector<std::string>>& argvs) {
    const bool validate = command.label == "validate";
    switch (place.treatment) {
      case Treatment::TraitsRefused:
        expect_refused_on_one_line(result, 2, value);
        EXPECT_TRUE(argvs.empty()) << "runai was called for a refused command";
        break;
      case Treatment::NameRefused:
        if (!validate) {
          expect_refused_on_one_line(result, 2, value);
          EXPECT_TRUE(argvs.empty()) << "runai was called for a refused command";
          break;
        }
        expect_failed_check(result, value);
        EXPECT_TRUE(result.err.empty()) << shown(result.err);
        // validate still lists the project it was given: as one element.
        for (const auto& argv : argvs) {
          if (const auto project = after(argv, "--project")) {
            const bool is_project = place.key == "PROJECT" || place.key == "--project";
            EXPECT_TRUE(*project == (is_project ? value : kProject)) << "--project " << shown(*project);
          }
        }
        break;
      case Treatment::PassedThrough:
        if (validate) {
          expect_failed_check(result, value);
        } else {
          EXPECT_EQ(result.exit_code, 0) << shown(result.out) << shown(result.err);
        }
        int submits = 0;
        for (const auto& argv : argvs) {
          if (!is_submit(argv)) {
            continue;
          }
          ++submits;
          const auto element = place.element(argv);
          ASSERT_TRUE(element.has_value()) << "no " << place.key << " element in the submit argv";
          EXPECT_TRUE(*element == place.expected(value))
              << "not one argv element, byte for byte: got " << shown(*element) << ", expected "
              << shown(place.expected(value));
        }
        EXPECT_EQ(submits, command.label == "submit" ? 1 : 0) << "submit calls after " << command.label;
        break;
    }
    expect_printable_lines(result.out, "stdout");
    expect_printable_lines(result.err, "stderr");
    scratch.expect_inert();
  }
};

TEST_P(HostileValue, IsRefusedOrPassedAsOneArgvElement) {
  const Place& place = GetParam();
  for (const auto& hostile : hostile_values()) {
    // One scratch cluster per value: the commands run in order in it.
    const Scratch scratch;
    for (const auto& command : commands()) {
      if (!meets(command.label, hostile.label)) {
        continue;
      }
      SCOPED_TRACE(fmt::format("{} via {} to {}", hostile.label, place.label, command.label));
      const std::size_t calls_before = call_count(scratch.cluster());
      const CommandResult result = run(scratch, place, command, hostile.value);
      expect_outcome(scratch, place, command, hostile.value, result,
                     recorded_argvs(scratch.cluster(), calls_before));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Places, HostileValue,
    ::testing::Values(Place{"FlagPrefix", Source::Flag, "--prefix", Treatment::NameRefused},
                      Place{"EnvFileJobPrefix", Source::EnvFile, "JOB_PREFIX", Treatment::NameRefused},
                      Place{"EnvironmentJobPrefix", Source::Environment, "JOB_PREFIX",
                            Treatment::NameRefused},
                      Place{"FlagProject", Source::Flag, "--project", Treatment::NameRefused},
                      Place{"EnvFileProject", Source::EnvFile, "PROJECT", Treatment::NameRefused},
                      Place{"EnvironmentProject", Source::Environment, "PROJECT", Treatment::NameRefused},
                      Place{"FlagTraits", Source::Flag, "--traits", Treatment::TraitsRefused},
                      Place{"EnvFileImage", Source::EnvFile, "IMAGE", Treatment::PassedThrough, image_element,
                            image_expected},
                      Place{"EnvironmentImage", Source::Environment, "IMAGE", Treatment::PassedThrough,
                            image_element, image_expected},
                      Place{"EnvFileModel", Source::EnvFile, "MODEL", Treatment::PassedThrough, model_element,
                            model_expected},
                      Place{"EnvironmentModel", Source::Environment, "MODEL", Treatment::PassedThrough,
                            model_element, model_expected},
                      Place{"EnvFileDataPathHost", Source::EnvFile, "DATA_PATH_HOST",
                            Treatment::PassedThrough, data_path_element, data_path_expected},
                      Place{"EnvironmentDataPathHost", Source::Environment, "DATA_PATH_HOST",
                            Treatment::PassedThrough, data_path_element, data_path_expected}),
    [](const ::testing::TestParamInfo<Place>& place) { return place.param.label; });

// Flags that take a number or a duration: the parser refuses every hostile
// value with exit 2 and a message that shows it escaped, on its own lines.
TEST(HostileFlagValue, IsRefusedWithTheValueEscaped) {
  for (const std::string flag : {"--max-concurrent", "--poll-interval", "--max-retries"}) {
    for (const auto& hostile : hostile_values()) {
      SCOPED_TRACE(fmt::format("{} in {}", hostile.label, flag));
      const Scratch scratch;
      scratch.write_env("");
      const std::string value = "1" + hostile.value;
      const auto command = flag == "--max-retries" ? "retry" : "submit";
      const auto result =
          run_traitctl(scratch.cluster(), {command, "--yes", flag, value}, {}, std::chrono::seconds(20));
      EXPECT_EQ(result.exit_code, 2) << shown(result.err);
      EXPECT_EQ(call_count(scratch.cluster()), 0U);
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
      EXPECT_NE(result.err.find(printable(value).substr(0, 64)), std::string::npos) << shown(result.err);
      scratch.expect_inert();
    }
  }
}

// submit --dry-run shows CPU and MEMORY in its plan: escaped, never raw.
TEST(HostileResourceValue, IsShownEscapedInTheSubmitPlan) {
  for (const std::string key : {"CPU", "MEMORY"}) {
    for (const auto& hostile : hostile_values()) {
      SCOPED_TRACE(fmt::format("{} in {}", hostile.label, key));
      const Scratch scratch;
      scratch.write_env(env_line(key, "\x1b[2J" + hostile.value));
      const auto result =
          run_traitctl(scratch.cluster(), {"submit", "--dry-run"}, {}, std::chrono::seconds(20));
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
      scratch.expect_inert();
    }
  }
}

// ------------------------------------------------- odd runai paths --------

// The runai executable found at a path full of shell syntax: executed as
// that exact path, never through a shell. Each path is a folder named after a
// hostile value with a link to the fake runai in it. Every command runs runai
// through the same adapter: status meets every path, the others the path
// that holds all the syntax at once.
TEST(HostileRunaiPath, IsExecutedAsItIs) {
  for (const bool as_flag : {false, true}) {
    for (const auto& hostile : hostile_values()) {
      const bool every_command = hostile.label == kAllAtOnce;
      std::string name = hostile.value;
      if (every_command) {
        std::replace(name.begin(), name.end(), '/', '_');  // a file name
      }
      if (name.size() > 255 || name.find('/') != std::string::npos) {
        continue;  // not a file name; the next tests cover them
      }
      const Scratch scratch;
      const fs::path folder = scratch.work() / ("bin " + name);
      fs::create_directories(folder);
      fs::create_symlink(FakeCluster::bin_dir() / "runai", folder / "runai");
      const std::string runai = (folder / "runai").string();
      for (const auto& command : commands()) {
        if (command.label != "status" && !every_command) {
          continue;
        }
        SCOPED_TRACE(fmt::format("{} in {} for {}", hostile.label, as_flag ? "--runai" : "TRAITCTL_RUNAI",
                                 command.label));
        scratch.write_env("");
        std::vector<std::string> args = command.args;
        EnvironmentOverrides environment;
        if (as_flag) {
          args.insert(args.end(), {"--runai", runai});
        } else {
          environment.emplace_back("TRAITCTL_RUNAI", runai);
        }
        const std::size_t calls_before = call_count(scratch.cluster());
        const auto result = run_traitctl(scratch.cluster(), args, environment, std::chrono::seconds(20));
        EXPECT_EQ(result.exit_code, 0) << shown(result.out) << shown(result.err);
        EXPECT_GT(call_count(scratch.cluster()), calls_before)
            << "the fake runai behind the odd path was never run";
        expect_printable_lines(result.out, "stdout");
        expect_printable_lines(result.err, "stderr");
        scratch.expect_inert();
      }
    }
  }
}

// A path through `..` names the same runai; one that does not exist, cannot
// be executed or is too long for the system is a one-line error naming it
// (exit 1: runai missing or failing), and validate reports a failed check.
TEST(HostileRunaiPath, DotDotResolvesAndUnusablePathsAreNamed) {
  const Scratch scratch;
  fs::create_directories(scratch.work() / "bin" / "sub");
  fs::create_symlink(FakeCluster::bin_dir() / "runai", scratch.work() / "bin" / "runai");
  const std::string through_dot_dot =
      (scratch.work() / "bin" / "sub" / ".." / ".." / "bin" / "runai").string();
  const std::string missing = (scratch.work() / "bin $(touch PWNED)\n`touch PWNED`\xff" / "runai").string();
  const fs::path not_executable = scratch.work() / "bin" / "runai\n`touch PWNED`\x1b[2J";
  std::ofstream(not_executable) << "#!/bin/sh\ntouch PWNED\n";
  fs::permissions(not_executable, fs::perms::owner_read | fs::perms::owner_write);
  const std::string overlong = (scratch.work() / std::string(100 * 1024, 'x')).string();
  scratch.write_env("");
  for (const auto& command : commands()) {
    SCOPED_TRACE(command.label);
    const auto resolved = run_traitctl(scratch.cluster(), command.args, {{"TRAITCTL_RUNAI", through_dot_dot}},
                                       std::chrono::seconds(20));
    EXPECT_EQ(resolved.exit_code, 0) << shown(resolved.out) << shown(resolved.err);
    for (const auto& path : {missing, not_executable.string(), overlong}) {
      const std::size_t calls_before = call_count(scratch.cluster());
      const auto result =
          run_traitctl(scratch.cluster(), command.args, {{"TRAITCTL_RUNAI", path}}, std::chrono::seconds(20));
      if (command.label == "validate") {
        expect_failed_check(result, path);
      } else {
        expect_error_line(result, 1, path, /*alone=*/false);
      }
      EXPECT_EQ(call_count(scratch.cluster()), calls_before);
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
    }
    scratch.expect_inert();
  }
}

// ------------------------------------------------- corrupt files ----------

struct Corruption {
  std::string label;
  std::string text;
  int line;  // the line a .env error names
};

// A corrupt .env stops every command before any runai call: exit 2 with one
// line naming FILE:LINE (validate: a FAIL check, exit 1); the file is left
// byte for byte, and the state folder gets nothing half-written.
TEST(CorruptEnvFile, IsReportedWithFileAndLineAndLeftAlone) {
  const std::string good =
      fmt::format("PROJECT={}\nJOB_PREFIX={}\nSTART_TRAIT=2\nEND_TRAIT=2\n", kProject, kPrefix);
  const std::vector<Corruption> corruptions{
      {"a line without =", good + "IMAGE=ok\nJUST_A_WORD\n", 6},
      {"an unterminated quote", good + "MODEL=\"MLM\nSNP_MAF=0\n", 5},
      {"a command substitution", good + "IMAGE=ok\nMODEL=\"$(touch PWNED)\"\n", 6},
      {"backticks", good + "MODEL=`touch PWNED`\n", 5},
      {"an unset variable", good + "DATA_PATH_HOST=$NOT_SET_ANYWHERE/data\n", 5},
      {"an unsupported expansion", good + "DATA_PATH_HOST=${HOME:?no home}\n", 5},
      {"a NUL byte", good + "IMAGE=ghcr.io/org/gapit\0:evil\n"s, 5},
      {"non-UTF-8 garbage", "\xff\xfe\x1b[2J\xc3\n" + good, 1},
      {"UTF-16", "\xff\xfeP\0R\0O\0J\0E\0C\0T\0=\0p\0\n\0"s, 1},
  };
  // Every command reads the .env through the same parser: submit meets every
  // corruption, the others the first and the last two.
  for (std::size_t index = 0; index < corruptions.size(); ++index) {
    const Corruption& corruption = corruptions[index];
    const Scratch scratch;
    const fs::path env = scratch.work() / "batch.env";
    std::ofstream(env, std::ios::binary) << corruption.text;
    const std::string where = fmt::format("{}:{}:", env.string(), corruption.line);
    const bool every_command = index == 0 || index + 2 >= corruptions.size();
    for (const auto& command : commands()) {
      if (command.label != "submit" && !every_command) {
        continue;
      }
      SCOPED_TRACE(fmt::format("{} in {}", corruption.label, command.label));
      std::vector<std::string> args = command.args;
      args.insert(args.end(), {"--env-file", env.string()});
      const auto result = run_traitctl(scratch.cluster(), args, {}, std::chrono::seconds(20));
      if (command.label == "validate") {
        expect_failed_check(result, where);
      } else {
        expect_refused_on_one_line(result, 2, where);
      }
      EXPECT_EQ(call_count(scratch.cluster()), 0U) << "runai was called despite a corrupt .env";
      EXPECT_EQ(read_text(env), corruption.text) << "the .env changed";
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
      scratch.expect_inert();
    }
  }
}

// Temporary files of atomic writes and journal problems, but not the batch
// database we corrupted on purpose.
std::vector<std::string> problems_besides_the_database(const FakeCluster& cluster) {
  std::vector<std::string> problems;
  for (auto& problem : state_dir_problems(cluster)) {
    if (!problem.starts_with("batch database unreadable")) {
      problems.push_back(std::move(problem));
    }
  }
  return problems;
}

// `sound` with `bytes` written at `offset`.
std::string overwritten(std::string sound, std::size_t offset, const std::string& bytes) {
  sound.replace(offset, bytes.size(), bytes);
  return sound;
}

// The bytes of another batch's database, as its own traitctl wrote it.
std::string another_batchs_database(const fs::path& folder) {
  auto store = LedgerStore::open(folder, "q\x1b]0;x\x07\n", kPrefix);
  EXPECT_TRUE(store.ok());
  const Ledger empty{"q\x1b]0;x\x07\n", kPrefix, std::nullopt, {}, std::nullopt, std::nullopt};
  EXPECT_TRUE(store->save(empty, {}).ok());
  return read_text(store->database_path());
}

// A batch database that cannot be used stops every command (exit 1, one
// line naming the file and the fix; validate: a FAIL check naming it): the
// file is left byte for byte, no journal is created beside it, and nothing
// is submitted or deleted.
TEST(CorruptDatabase, IsReportedWithItsPathAndNeverReplaced) {
  const Scratch scratch;
  scratch.write_env("");
  const auto first = run_traitctl(scratch.cluster(), commands().front().args, {}, std::chrono::seconds(20));
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const fs::path database = scratch.cluster().state_dir() / kProject / fmt::format("{}.db", kPrefix);
  const std::string sound = read_text(database);
  ASSERT_GT(sound.size(), 4U * 4096U) << "submit wrote no batch database at " << database;

  const std::vector<Corruption> corruptions{
      {"a truncated", sound.substr(0, sound.size() / 2), 0},
      {"an empty", "", 0},
      {"a zero-filled", std::string(64, '\0'), 0},
      {"a binary garbage", "{\"version\": 1,\xff\xfe\x1b[31m\n\x07", 0},
      {"a JSON ledger's", R"({"version": 2, "project": "p", "prefix": "hx", "traits": {}})", 0},
      // A b-tree page of the database overwritten: PRAGMA quick_check fails.
      {"a page-damaged", overwritten(sound, 3 * 4096, std::string(64, '\x7f')), 0},
      // user_version, offset 60 of the header, of a traitctl to come.
      {"a newer schema's", overwritten(sound, 60, std::string("\0\0\0\x63", 4)), 0},
      {"another batch's", another_batchs_database(scratch.work() / "other-state"), 0},
  };
  std::vector<Command> all = commands();
  all.push_back({"retry --yes", {"retry", "--yes", "--poll-interval", "0.05s", "--runai-timeout", "5s"}});
  all.push_back({"run --yes", {"run", "--yes", "--poll-interval", "0.05s", "--runai-timeout", "5s"}});
  all.push_back({"resubmit --force --yes", {"resubmit", "2", "--force", "--yes", "--runai-timeout", "5s"}});
  all.push_back({"cleanup --yes", {"cleanup", "--failed", "--completed", "--yes", "--runai-timeout", "5s"}});
  all.push_back({"describe", {"describe", "2", "--runai-timeout", "5s"}});
  all.push_back({"logs", {"logs", "2", "--runai-timeout", "5s"}});
  all.push_back({"cap", {"cap", "3"}});
  // Every command opens the database through the same store: run, the command
  // that would do most with it, meets every kind of damage, the others two.
  for (std::size_t index = 0; index < corruptions.size(); ++index) {
    const auto& corruption = corruptions[index];
    const bool every_command = index == 3 || index == 5;  // not a database; quick_check fails
    for (const auto& command : all) {
      if (command.label != "run --yes" && !every_command) {
        continue;
      }
      SCOPED_TRACE(fmt::format("{} database in {}", corruption.label, command.label));
      std::ofstream(database, std::ios::binary | std::ios::trunc) << corruption.text;
      const int submits = scratch.cluster().count_calls("submit");
      const int deletes = scratch.cluster().count_calls("delete");
      const auto result = run_traitctl(scratch.cluster(), command.args, {}, std::chrono::seconds(20));
      if (command.label == "validate") {
        expect_failed_check(result, database.string());
      } else {
        expect_refused_on_one_line(result, 1, database.string());
        const bool newer = corruption.label == "a newer schema's";
        EXPECT_NE(result.err.find(newer ? "upgrade" : "left untouched"), std::string::npos) << shown(result.err);
      }
      EXPECT_EQ(read_text(database), corruption.text) << "the database was rewritten";
      EXPECT_FALSE(has_live_journal(database)) << "a transaction's journal beside a damaged file";
      EXPECT_EQ(scratch.cluster().count_calls("submit"), submits);
      EXPECT_EQ(scratch.cluster().count_calls("delete"), deletes);
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
      for (const auto& problem : problems_besides_the_database(scratch.cluster())) {
        ADD_FAILURE() << problem;
      }
      for (const auto& mark : marks_under(scratch.cluster().dir())) {
        ADD_FAILURE() << mark;
      }
    }
  }
}

// A JSON ledger of an earlier traitctl that cannot be imported stops every
// command the same way, and is neither imported nor replaced.
TEST(CorruptLegacyLedger, IsReportedWithItsPathAndNeverImported) {
  const Scratch scratch;
  scratch.write_env("");
  const fs::path ledger = scratch.cluster().state_dir() / kProject / fmt::format("{}.ledger.json", kPrefix);
  fs::create_directories(ledger.parent_path());
  const std::vector<Corruption> corruptions{
      {"a truncated", fmt::format(R"({{"version": 2, "project": "{}", "prefix": "{}", "tra)", kProject, kPrefix), 0},
      {"a wrong-typed",
       fmt::format(R"({{"version": 1, "project": "{}", "prefix": "{}", "traits": )"
                   R"({{"2": {{"automatic_retries": "x\u001b[2J\n"}}}}}})",
                   kProject, kPrefix),
       0},
      {"another batch's", R"({"version": 1, "project": "q\u001b]0;x\u0007\n", "prefix": "hx", "traits": {}})",
       0},
  };
  std::vector<Command> all = commands();
  all.push_back({"run --yes", {"run", "--yes", "--poll-interval", "0.05s", "--runai-timeout", "5s"}});
  all.push_back({"cap", {"cap", "3"}});
  for (const auto& corruption : corruptions) {
    for (const auto& command : all) {
      SCOPED_TRACE(fmt::format("{} JSON ledger in {}", corruption.label, command.label));
      std::ofstream(ledger, std::ios::binary | std::ios::trunc) << corruption.text;
      const auto result = run_traitctl(scratch.cluster(), command.args, {}, std::chrono::seconds(20));
      if (command.label == "validate") {
        expect_failed_check(result, ledger.string());
      } else {
        expect_refused_on_one_line(result, 1, ledger.string());
      }
      EXPECT_EQ(read_text(ledger), corruption.text) << "the JSON ledger was rewritten";
      EXPECT_FALSE(fs::exists(ledger.parent_path() / fmt::format("{}.db", kPrefix))) << "imported";
      EXPECT_EQ(scratch.cluster().count_calls("submit"), 0);
      EXPECT_EQ(scratch.cluster().count_calls("delete"), 0);
      expect_printable_lines(result.out, "stdout");
      expect_printable_lines(result.err, "stderr");
    }
  }
}

}  // namespace
}  // namespace traitctl::e2e::hostile_input_tests
