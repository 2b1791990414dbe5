#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "traitctl/config/env_file.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl::env_file_tests {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Values = std::map<std::string, std::string>;

// A process environment for the parser to expand from.
EnvironmentLookup environment_of(Values variables) {
  return [variables = std::move(variables)](std::string_view name) -> std::optional<std::string> {
    const auto found = variables.find(std::string(name));
    return found == variables.end() ? std::nullopt : std::optional<std::string>(found->second);
  };
}

Values parse_ok(std::string_view text, Values environment = {}) {
  auto values = parse_env_file(text, ".env", environment_of(std::move(environment)));
  EXPECT_TRUE(values.ok()) << values.error().message;
  return values.ok() ? *values : Values{};
}

Error parse_error(std::string_view text, Values environment = {}) {
  auto values = parse_env_file(text, "my.env", environment_of(std::move(environment)));
  EXPECT_FALSE(values.ok()) << printable(text);
  return values.ok() ? Error{ErrorKind::Io, "parsed"} : values.error();
}

TEST(ParseEnvFile, ReadsATypicalFile) {
  const std::string text =
      "# GAPIT batch settings\n"
      "\n"
      "PROJECT=talmo-lab\n"
      "export IMAGE=ghcr.io/org/gapit:sha-bc10fc8\n"
      "  START_TRAIT = 2\n"
      "END_TRAIT=187   # last trait column\n"
      "DATA_PATH_HOST='/hpi/data dir'\n"
      "MODEL=\"MLM FarmCPU\" # two models\n"
      "\t# an indented comment\n";
  EXPECT_EQ(parse_ok(text), (Values{{"PROJECT", "talmo-lab"},
                                    {"IMAGE", "ghcr.io/org/gapit:sha-bc10fc8"},
                                    {"START_TRAIT", "2"},
                                    {"END_TRAIT", "187"},
                                    {"DATA_PATH_HOST", "/hpi/data dir"},
                                    {"MODEL", "MLM FarmCPU"}}));
}

TEST(ParseEnvFile, ParsesEachValueForm) {
  struct Case {
    std::string line;
    std::string value;
  };
  const std::vector<Case> cases{
      {"A=plain", "plain"},
      {"A=", ""},
      {"A=   ", ""},
      {"A=  padded  ", "padded"},
      {"A=x#y", "x#y"},  // '#' inside a word is not a comment
      {"A=x #y", "x"},
      {"A=x\t#y", "x"},
      {"A=#y", "#y"},
      {"A= #y", ""},
      {"A=a=b", "a=b"},
      {"A=a b  c", "a b  c"},  // blanks inside a value are kept (bash would run `b`)
      {"A='single # not a comment'", "single # not a comment"},
      {"A='lit \\n \\\" $HOME $(x) `y` ${Z:?}'", "lit \\n \\\" $HOME $(x) `y` ${Z:?}"},
      {"A=''", ""},
      {"A='x' # comment", "x"},
      {"A=\"dq # kept\"", "dq # kept"},
      {"A=\"q\\\"b\\\\s\\$d\\`e\"", "q\"b\\s$d`e"},
      {"A=\"line\\nnext\"", "line\\nnext"},  // bash keeps \n as it is
      {"A=\"C:\\path\"", "C:\\path"},        // other escapes keep their backslash inside "..."
      {"A=C:\\path", "C:path"},              // an unquoted backslash quotes the next character
      {"A=a\\ b\\\\c\\$d\\#e", "a b\\c$d#e"},
      {"A=a\\", "a\\"},  // a backslash that ends the file stays
      {"A=\"it's\"", "it's"},
      {"A='say \"hi\"'", "say \"hi\""},
      {"A=\"\"", ""},
      {"A=\"x\"   ", "x"},
      {"A='x'y\"z\"", "xyz"},  // one word of three parts, as in bash
      {"A='x'#y", "x#y"},
      {"A=\"x\" 'y'", "x y"},
      {"export   A=spaced", "spaced"},
      {"\texport\tA=tabbed", "tabbed"},
      {"A=$", "$"},
      {"A=\\$(not run)", "$(not run)"},
      {"A=\"\\`not run\\`\"", "`not run`"},
      {"A=*.txt", "*.txt"},  // no pathname expansion in an assignment
  };
  for (const auto& c : cases) {
    const auto values = parse_ok(c.line);
    ASSERT_EQ(values.count("A"), 1U) << c.line;
    EXPECT_EQ(values.at("A"), c.value) << c.line;
  }
}

TEST(ParseEnvFile, ExportIsAPrefixOnlyBeforeABlank) {
  EXPECT_EQ(parse_ok("export=1\nexportA=2\n"), (Values{{"export", "1"}, {"exportA", "2"}}));
}

// Each expectation is what bash 5.2 gave for the same text after
// `set -a; source FILE` under `set -u`, as the bash submit script read its
// .env, with E set empty on the line before and this environment.
TEST(ParseEnvFile, ExpandsLikeBashSource) {
  const Values environment{{"ENV_Y", "fromenv"}, {"ENV_EMPTY", ""}, {"HOME", "/home/u"}};
  struct Case {
    std::string line;
    std::string value;
  };
  const std::vector<Case> cases{
      {"X=$ENV_Y", "fromenv"},
      {"X=${ENV_Y}x", "fromenvx"},
      {"X=$ENV_Y.$ENV_Y", "fromenv.fromenv"},
      {"X=\"a $ENV_Y b\"", "a fromenv b"},
      {"X=$E$E", ""},
      {"X=${E}${E}x", "x"},
      {"X=$E", ""},
      {"X=${E-def}", ""},
      {"X=${E:-def}", "def"},
      {"X=${ENV_EMPTY-set}", ""},
      {"X=${ENV_EMPTY:-unset}", "unset"},
      {"X=${A:-}", ""},
      {"X=\"${A-$E}\"", ""},
      {"X=${A:-${B:-c}}", "c"},
      {"X=${A:-a b}", "a b"},
      {"X=${A:-a\\ b}", "a b"},
      {"X=${A:-'x y'}", "x y"},
      {"X=${A:-\"x\"y'z'}", "xyz"},
      {"X=${A:-'a'\"b\"}", "ab"},
      {"X=${A:-\\$}", "$"},
      {"X=${A:-\\c}", "c"},
      {"X=${A:-\\\"q\\\"}", "\"q\""},
      {"X=${A:-\"\\$x\"}", "$x"},
      {"X=${A:-'\\$x'}", "\\$x"},
      {"X=${A:-a}b}", "ab}"},
      {"X=${A:-x}}", "x}"},
      {"X=${A:-\"}\"}", "}"},
      {"X=${A:-'}'}", "}"},
      {"X=${A:-*}", "*"},
      {"X=${A:-\"${B:-'q'}\"}", "'q'"},
      // A default inside double quotes: '...' stays and only shields a '}'.
      {"X=\"${A:-'x'}\"", "'x'"},
      {"X=\"${A:-'x'}y\"", "'x'y"},
      {"X=\"${A:-'}'}\"", "'}'"},
      {"X=\"${A:-'$ENV_Y'}\"", "'fromenv'"},
      {"X=\"${A:-'$ENV_Y}'}\"", "'fromenv}'"},
      {"X=\"${A:-'\\$x'}\"", "'$x'"},
      {"X=\"${A:-\"a b\"}\"", "a b"},
      {"X=\"${A:-${B:-\"n\"}}\"", "n"},
      {"X=\"${A:-\\}}\"", "}"},
      {"X=\"${A:-\\c}\"", "\\c"},
      {"X=\"${A:-\\'}\"", "\\'"},
      {"X=\"${A:-\\\"q\\\"}\"", "\"q\""},
      {"X=\"x\\$y\\`z\\\\w\\\"q\"", "x$y`z\\w\"q"},
      {"X=\"a\\c\"", "a\\c"},
      {"X=a\\\\b\\c", "a\\bc"},
      {"X='a'b\"c\"$E", "abc"},
      // A '$' before anything that is not a name stays.
      {"X=\"$\"", "$"},
      {"X=a$", "a$"},
      {"X=$/", "$/"},
      {"X=\"$'x'\"", "$'x'"},
      {"X=$\xc3\x89T\xc3\x89", "$\xc3\x89T\xc3\x89"},
      // `~` at the start and after each ':', unquoted.
      {"X=~", "/home/u"},
      {"X=~/x", "/home/u/x"},
      {"X=~/a:~/b", "/home/u/a:/home/u/b"},
      {"X=a:~/b", "a:/home/u/b"},
      {"X=x:~", "x:/home/u"},
      {"X=~:~", "/home/u:/home/u"},
      {"X=$ENV_Y:~/x", "fromenv:/home/u/x"},
      {"X=${A:-~}", "/home/u"},
      {"X=${A-~}", "/home/u"},
      {"X=${A:-~/b}", "/home/u/b"},
      {"X=${A:-a:~/b}", "a:/home/u/b"},
      {"X=\"~/b\"", "~/b"},
      {"X=\"${A:-~}\"", "~"},
      {"X=\"${A:-a:~/b}\"", "a:~/b"},
      {"X=a~", "a~"},
      {"X=a=~/b", "a=~/b"},
      {"X=${ENV_Y}~", "fromenv~"},
      {"X=\"a\"~", "a~"},
      {"X=~\"a\"", "~a"},
      {"X=~$ENV_Y", "~fromenv"},
      {"X=~\\a", "~a"},
      {"X=\\~", "~"},
      // Quoted values and line continuations span lines.
      {"X=a\\\nb", "ab"},
      {"X=\"c\\\nd\"", "cd"},
      {"X=\"e\nf\"", "e\nf"},
      {"X='g\nh'", "g\nh"},
  };
  for (const auto& c : cases) {
    const auto values = parse_ok("E=\n" + c.line + "\n", environment);
    ASSERT_EQ(values.count("X"), 1U) << c.line;
    EXPECT_EQ(values.at("X"), c.value) << c.line;
  }
}

// A name refers to what an earlier line set, else to the process
// environment: a later line or a later change of the environment does not count.
TEST(ParseEnvFile, ExpandsFromEarlierLinesThenTheEnvironment) {
  EXPECT_EQ(parse_ok("BASE=/mnt/gwas\nDATA_PATH_HOST=$BASE/data\nOUTPUT_PATH_HOST=\"${BASE}/out\"\n"),
            (Values{{"BASE", "/mnt/gwas"},
                    {"DATA_PATH_HOST", "/mnt/gwas/data"},
                    {"OUTPUT_PATH_HOST", "/mnt/gwas/out"}}));
  EXPECT_EQ(parse_ok("DATA_PATH_HOST=$GWAS_ROOT/data\n", {{"GWAS_ROOT", "/lab"}}),
            (Values{{"DATA_PATH_HOST", "/lab/data"}}));
  // The file's own line beats the environment, after that line only.
  EXPECT_EQ(parse_ok("A=$BASE\nBASE=/file\nB=$BASE\n", {{"BASE", "/env"}}),
            (Values{{"A", "/env"}, {"BASE", "/file"}, {"B", "/file"}}));
  // Defined further down: not yet set where it is used.
  EXPECT_EQ(parse_ok("MODEL=${LATER:-BLINK}\nLATER=FarmCPU\n"),
            (Values{{"MODEL", "BLINK"}, {"LATER", "FarmCPU"}}));
  // The latest earlier value of a key set twice.
  EXPECT_EQ(parse_ok("A=1\nA=2\nB=$A\nA=3\n"), (Values{{"A", "3"}, {"B", "2"}}));
}

TEST(ParseEnvFile, ASelfReferenceUsesTheValueBeforeTheLine) {
  EXPECT_EQ(parse_ok("P=$P:/a\n", {{"P", "/env"}}), (Values{{"P", "/env:/a"}}));
  EXPECT_EQ(parse_ok("P=/x\nP=$P:/a\nP=\"$P:/b\"\n", {{"P", "/env"}}), (Values{{"P", "/x:/a:/b"}}));
  EXPECT_EQ(parse_ok("P=${P:-}:/a\n"), (Values{{"P", ":/a"}}));
  EXPECT_THAT(parse_error("P=$P:/a\n").message, HasSubstr("my.env:1: $P is not set"));
}

// What a variable expands to is never read again: shell syntax in it stays text.
TEST(ParseEnvFile, AnExpandedValueIsNotExpandedAgain) {
  const Values environment{{"V", "$(touch PWNED) `id` ${X:?} $HOME"}};
  EXPECT_EQ(parse_ok("A=$V\nB=\"${V}\"\nC=${NOPE:-$V}\n", environment),
            (Values{{"A", environment.at("V")}, {"B", environment.at("V")}, {"C", environment.at("V")}}));
}

TEST(ParseEnvFile, PassesNonUtf8BytesThrough) {
  EXPECT_EQ(
      parse_ok("A=caf\xe9\xff\nB='\xc3\xa9'\nC=\"$A\xfe${V}\"\nD=${NOPE:-\xe9}\n", {{"V", "\xff\xfe"}}),
      (Values{{"A", "caf\xe9\xff"}, {"B", "\xc3\xa9"}, {"C", "caf\xe9\xff\xfe\xff\xfe"}, {"D", "\xe9"}}));
}

TEST(ParseEnvFile, HandlesCrlfBomAndMissingFinalNewline) {
  EXPECT_EQ(parse_ok("\xEF\xBB\xBFPROJECT=a\r\n# c\r\n\r\nCPU='8'\r\nMEMORY=\"64G\"\r\nX=y # z\r\nLAST=1"),
            (Values{{"PROJECT", "a"}, {"CPU", "8"}, {"MEMORY", "64G"}, {"X", "y"}, {"LAST", "1"}}));
  // CRLF inside a quoted value becomes LF, as the bash script's sed made it.
  EXPECT_EQ(parse_ok("A=\"x\r\ny\"\r\nB=1\r"), (Values{{"A", "x\ny"}, {"B", "1"}}));
}

TEST(ParseEnvFile, LaterDuplicatesWin) {
  EXPECT_EQ(parse_ok("A=1\nB=2\nA=3\nexport A='4'\n"), (Values{{"A", "4"}, {"B", "2"}}));
}

TEST(ParseEnvFile, ReportsMalformedLinesWithFileAndLineNumber) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases{
      {"A=1\nJUST_A_WORD\n", "my.env:2: expected KEY=VALUE: JUST_A_WORD"},
      {"export FOO\n", "my.env:1: expected KEY=VALUE: export FOO"},
      {"# c\n\n1A=2\n", "my.env:3: invalid variable name '1A'"},
      {"A-B=1", "my.env:1: invalid variable name 'A-B'"},
      {"A B=1", "my.env:1: invalid variable name 'A B'"},
      {"=1", "my.env:1: invalid variable name ''"},
      {"A=1\r\nB='open\r\n", "my.env:2: unterminated single quote: B='open"},
      {"A=1\nB=\"open\nC=2\n", "my.env:2: unterminated double quote: B=\"open"},
      {"A=\"ends in backslash\\\"", "my.env:1: unterminated double quote"},
      {"A=1\nB=${X:-open\nC=2\n", "my.env:2: unterminated ${...}: no closing }: B=${X:-open"},
  };
  for (const auto& c : cases) {
    const Error error = parse_error(c.text);
    EXPECT_EQ(error.kind, ErrorKind::Config) << c.text;
    EXPECT_THAT(error.message, HasSubstr(c.message)) << c.text;
  }
}

// Nothing in a .env file is ever run: command substitution, arithmetic and
// every expansion but $NAME, ${NAME}, ${NAME:-default} and ${NAME-default}
// are refused with the line they are on, even where bash would not reach them.
TEST(ParseEnvFile, RefusesWhatItWouldHaveToRunOrCannotExpand) {
  struct Case {
    std::string text;
    std::string message;
  };
  const std::string substitution =
      "is a command substitution, which traitctl never runs: write the value itself";
  const std::vector<Case> cases{
      {"A=1\nB=$(whoami)\n", "my.env:2: $(...) " + substitution + ", or single-quote it"},
      {"B=\"/data/$(whoami)\"\n", "my.env:1: $(...) " + substitution},
      {"B=$((1 + 2))\n", "my.env:1: $(...) " + substitution},
      {"B=`id`\n", "my.env:1: `...` " + substitution},
      {"B=\"x `id`\"\n", "my.env:1: `...` " + substitution},
      {"B=${HOME:-$(id)}\n", "my.env:1: $(...) " + substitution},  // refused though HOME is set
      {"B=\"${NOPE:-`id`}\"\n", "my.env:1: `...` " + substitution},
      {"A=\"first\nsecond $(id)\"\n", "my.env:2: $(...) " + substitution +
                                          ", or single-quote it to keep the "
                                          "text as it is: second $(id)\""},
      {"B=$[1 + 2]\n", "my.env:1: $[...] is arithmetic"},
      {"B=${VAR:?x}\n",
       "my.env:1: ${VAR:?x} is not supported: only ${NAME}, ${NAME:-default} and "
       "${NAME-default} expand"},
      {"B=${VAR?x}\n", "${VAR?x} is not supported"},
      {"B=${#VAR}\n", "${#VAR} is not supported"},
      {"B=${VAR/a/b}\n", "${VAR/a/b} is not supported"},
      {"B=${VAR:=x}\n", "${VAR:=x} is not supported"},
      {"B=${VAR:+x}\n", "${VAR:+x} is not supported"},
      {"B=${VAR%.txt}\n", "${VAR%.txt} is not supported"},
      {"B=${!VAR}\n", "${!VAR} is not supported"},
      {"B=${VAR[0]}\n", "${VAR[0]} is not supported"},
      {"B=${1}\n", "${1} is not supported"},
      {"B=${}\n", "${} is not supported"},
      {"B=\"${ VAR}\"\n", "${ VAR} is not supported"},
      {"B=${VAR:?x\n", "${VAR:?x is not supported"},
      {"B=$1\n", "my.env:1: $1 is a special parameter of the shell"},
      {"B=$$\n", "$$ is a special parameter"},
      {"B=\"$@\"\n", "$@ is a special parameter"},
      {"B=$'\\t'\n", "$'...' quoting is not supported"},
      {"B=$\"x\"\n", "$\"...\" quoting is not supported"},
      {"B=\"${A:-$'\\t'}\"\n", "$'...' quoting is not supported"},
      {"A=1\nB=$NOPE/data\n",
       "my.env:2: $NOPE is not set, neither on an earlier line nor in the environment"},
      {"B=\"${NOPE}\"\n", "$NOPE is not set"},
      {"B=${A:-$NOPE}\n", "$NOPE is not set"},
      {"B=~someone/data\n", "my.env:1: ~someone is not expanded (only a lone ~ is, to $HOME)"},
      {"B=~+\n", "~+ is not expanded"},
  };
  for (const auto& c : cases) {
    const Error error = parse_error(c.text, {{"HOME", "/home/u"}});
    EXPECT_EQ(error.kind, ErrorKind::Config) << c.text;
    EXPECT_THAT(error.message, HasSubstr(c.message)) << c.text;
  }
  EXPECT_THAT(parse_error("B=~/data\n").message, HasSubstr("~ stands for $HOME, which is not set"));
  EXPECT_THAT(parse_error("B=$NOPE\n").message, HasSubstr("write ${NOPE:-} for an empty value"));
}

TEST(ParseEnvFile, RefusesANulByteAnywhereWithItsLine) {
  using namespace std::string_literals;
  struct Case {
    std::string text;
    std::string message;
  };
  const std::vector<Case> cases{
      {"A=1\nIMAGE=ab\0cd\n"s, "my.env:2: a NUL byte at column 9; a .env file is text"},
      {"A='x\0'\n"s, "my.env:1: a NUL byte at column 5"},
      {"A=1\n# a comment \0\n"s, "my.env:2: a NUL byte at column 13"},
      {"A=\"x\ny\0\"\n"s, "my.env:2: a NUL byte at column 2"},
      {"A=${B:-\0}\n"s, "my.env:1: a NUL byte at column 8"},
      // UTF-16LE with its byte order mark: every other byte is NUL.
      {"\xff\xfeP\0R\0=\0x\0\n\0"s,
       "my.env:1: a NUL byte at column 4; a .env file is text (if it was "
       "saved as UTF-16, save it as UTF-8): \\xff\\xfeP\\x00R"},
  };
  for (const auto& c : cases) {
    const Error error = parse_error(c.text);
    EXPECT_EQ(error.kind, ErrorKind::Config);
    EXPECT_THAT(error.message, HasSubstr(c.message));
    EXPECT_EQ(error.message.find('\0'), std::string::npos);
  }
}

TEST(ParseEnvFile, EscapesControlCharactersWhenEchoingABadLine) {
  const Error error = parse_error("OK=1\n\x1b]0;pwned\x07\x1b[2J\n");
  EXPECT_EQ(error.message, "my.env:2: expected KEY=VALUE: \\x1b]0;pwned\\x07\\x1b[2J");
  EXPECT_THAT(error.message, Not(HasSubstr("\x1b")));
  EXPECT_THAT(parse_error("A=\x1b[2J$(x)\n").message, Not(HasSubstr("\x1b")));
}

class LoadEnvFile : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = std::filesystem::temp_directory_path() /
           ("traitctl-test_env_file-" + std::string(info->name()) + "-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& text) {
    auto path = dir_ / ".env";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  std::filesystem::path dir_;
};

TEST_F(LoadEnvFile, ReadsAndParsesTheFile) {
  auto values = load_env_file(write("PROJECT=p\nCPU=4\nHOST=$H\n"), true, environment_of({{"H", "n1"}}));
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_EQ(*values, (Values{{"PROJECT", "p"}, {"CPU", "4"}, {"HOST", "n1"}}));
}

TEST_F(LoadEnvFile, NamesThePathInParseErrors) {
  const auto path = write("A=1\nbroken\n");
  auto values = load_env_file(path, false, environment_of({}));
  ASSERT_FALSE(values.ok());
  EXPECT_THAT(values.error().message, HasSubstr(path.string() + ":2: expected KEY=VALUE"));
}

TEST_F(LoadEnvFile, AMissingOptionalFileIsEmpty) {
  auto values = load_env_file(dir_ / "absent.env", false, environment_of({}));
  ASSERT_TRUE(values.ok());
  EXPECT_TRUE(values->empty());
}

TEST_F(LoadEnvFile, AMissingRequiredFileIsAConfigError) {
  auto values = load_env_file(dir_ / "absent.env", true, environment_of({}));
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Config);
  EXPECT_THAT(values.error().message,
              HasSubstr("env file '" + (dir_ / "absent.env").string() + "' not found"));
}

// A socket cannot be opened as a file (ENXIO), whoever we are: root reads
// files whatever their permissions, so those cannot make this happen in CI.
TEST_F(LoadEnvFile, AFileThatCannotBeOpenedIsAnIoError) {
  const auto path = dir_ / "socket.env";
  const int socket_fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(socket_fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  ASSERT_LT(path.string().size(), sizeof(address.sun_path));
  std::strncpy(address.sun_path, path.c_str(), sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(socket_fd, reinterpret_cast<const sockaddr*>(&address), sizeof(address)), 0);
  auto values = load_env_file(path, false, environment_of({}));
  ::close(socket_fd);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Io);
  EXPECT_THAT(values.error().message, HasSubstr("cannot read env file '" + path.string() + "'"));
}

// Reading /proc/self/mem from offset 0 fails with EIO: a read error in the
// middle of a file that opened fine, which must not look like a short file.
TEST_F(LoadEnvFile, AFailedReadIsAnIoError) {
  if (!std::filesystem::exists("/proc/self/mem")) {
    GTEST_SKIP() << "needs Linux /proc";
  }
  auto values = load_env_file("/proc/self/mem", true, environment_of({}));
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Io);
  EXPECT_THAT(values.error().message, HasSubstr("cannot read env file '/proc/self/mem'"));
}

TEST_F(LoadEnvFile, ADirectoryIsAnIoError) {
  auto values = load_env_file(dir_, true, environment_of({}));
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Io);
  EXPECT_THAT(values.error().message, HasSubstr("is a directory"));
}

}  // namespace
}  // namespace traitctl::env_file_tests
