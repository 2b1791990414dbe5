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

namespace traitctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using Values = std::map<std::string, std::string>;

Values parse_ok(std::string_view text) {
  auto values = parse_env_file(text, ".env");
  EXPECT_TRUE(values.ok()) << values.error().message;
  return values.ok() ? *values : Values{};
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
      {"A=a b  c", "a b  c"},
      {"A='single # not a comment'", "single # not a comment"},
      {"A='lit \\n \\\" $HOME'", "lit \\n \\\" $HOME"},
      {"A=''", ""},
      {"A='x' # comment", "x"},
      {"A=\"dq # kept\"", "dq # kept"},
      {"A=\"q\\\"b\\\\s\\$d\"", "q\"b\\s$d"},
      {"A=\"line\\nnext\"", "line\nnext"},
      {"A=\"C:\\path\"", "C:\\path"},  // unknown escapes keep their backslash
      {"A=\"it's\"", "it's"},
      {"A='say \"hi\"'", "say \"hi\""},
      {"A=\"\"", ""},
      {"A=\"x\"   ", "x"},
      {"export   A=spaced", "spaced"},
      {"\texport\tA=tabbed", "tabbed"},
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

TEST(ParseEnvFile, NeverInterpretsValues) {
  const std::string text =
      "A=$(rm -rf /)\n"
      "B=`reboot`\n"
      "C=x; rm -rf ~\n"
      "D=$HOME/${USER}\n"
      "E=\"$(whoami) `id`\"\n"
      "F=a && b || c | d > e < f\n";
  EXPECT_EQ(parse_ok(text), (Values{{"A", "$(rm -rf /)"},
                                    {"B", "`reboot`"},
                                    {"C", "x; rm -rf ~"},
                                    {"D", "$HOME/${USER}"},
                                    {"E", "$(whoami) `id`"},
                                    {"F", "a && b || c | d > e < f"}}));
}

TEST(ParseEnvFile, HandlesCrlfBomAndMissingFinalNewline) {
  EXPECT_EQ(parse_ok("\xEF\xBB\xBFPROJECT=a\r\n# c\r\n\r\nCPU='8'\r\nMEMORY=\"64G\"\r\nX=y # z\r\nLAST=1"),
            (Values{{"PROJECT", "a"}, {"CPU", "8"}, {"MEMORY", "64G"}, {"X", "y"}, {"LAST", "1"}}));
}

TEST(ParseEnvFile, PassesNonUtf8BytesThrough) {
  EXPECT_EQ(parse_ok("A=caf\xe9\xff\nB='\xc3\xa9'"), (Values{{"A", "caf\xe9\xff"}, {"B", "\xc3\xa9"}}));
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
      {"A=\"open\nB=2\"", "my.env:1: unterminated double quote: A=\"open"},
      {"A=\"ends in backslash\\\"", "my.env:1: unterminated double quote"},
      {"A='x'y", "my.env:1: unexpected text after the closing quote: A='x'y"},
      {"A=\"x\"'y'", "my.env:1: unexpected text after the closing quote"},
      {"A='x'#y", "my.env:1: unexpected text after the closing quote"},
      {"A=\"x\"#y", "my.env:1: unexpected text after the closing quote"},
  };
  for (const auto& c : cases) {
    auto values = parse_env_file(c.text, "my.env");
    ASSERT_FALSE(values.ok()) << c.text;
    EXPECT_EQ(values.error().kind, ErrorKind::Config) << c.text;
    EXPECT_THAT(values.error().message, HasSubstr(c.message)) << c.text;
  }
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
      // UTF-16LE with its byte order mark: every other byte is NUL.
      {"\xff\xfeP\0R\0=\0x\0\n\0"s,
       "my.env:1: a NUL byte at column 4; a .env file is text (if it was "
       "saved as UTF-16, save it as UTF-8): \\xff\\xfeP\\x00R"},
  };
  for (const auto& c : cases) {
    auto values = parse_env_file(c.text, "my.env");
    ASSERT_FALSE(values.ok()) << printable(c.text);
    EXPECT_EQ(values.error().kind, ErrorKind::Config);
    EXPECT_THAT(values.error().message, HasSubstr(c.message));
    EXPECT_EQ(values.error().message.find('\0'), std::string::npos);
  }
}

TEST(ParseEnvFile, EscapesControlCharactersWhenEchoingABadLine) {
  auto values = parse_env_file("OK=1\n\x1b]0;pwned\x07\x1b[2J\n", "my.env");
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().message, "my.env:2: expected KEY=VALUE: \\x1b]0;pwned\\x07\\x1b[2J");
  EXPECT_THAT(values.error().message, Not(HasSubstr("\x1b")));
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
  auto values = load_env_file(write("PROJECT=p\nCPU=4\n"), true);
  ASSERT_TRUE(values.ok()) << values.error().message;
  EXPECT_EQ(*values, (Values{{"PROJECT", "p"}, {"CPU", "4"}}));
}

TEST_F(LoadEnvFile, NamesThePathInParseErrors) {
  const auto path = write("A=1\nbroken\n");
  auto values = load_env_file(path, false);
  ASSERT_FALSE(values.ok());
  EXPECT_THAT(values.error().message, HasSubstr(path.string() + ":2: expected KEY=VALUE"));
}

TEST_F(LoadEnvFile, AMissingOptionalFileIsEmpty) {
  auto values = load_env_file(dir_ / "absent.env", false);
  ASSERT_TRUE(values.ok());
  EXPECT_TRUE(values->empty());
}

TEST_F(LoadEnvFile, AMissingRequiredFileIsAConfigError) {
  auto values = load_env_file(dir_ / "absent.env", true);
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
  auto values = load_env_file(path, false);
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
  auto values = load_env_file("/proc/self/mem", true);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Io);
  EXPECT_THAT(values.error().message, HasSubstr("cannot read env file '/proc/self/mem'"));
}

TEST_F(LoadEnvFile, ADirectoryIsAnIoError) {
  auto values = load_env_file(dir_, true);
  ASSERT_FALSE(values.ok());
  EXPECT_EQ(values.error().kind, ErrorKind::Io);
  EXPECT_THAT(values.error().message, HasSubstr("is a directory"));
}

}  // namespace
}  // namespace traitctl
