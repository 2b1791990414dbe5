// The Slurm adapter's pure parts: job scripts, argv, and the errors made of
// Slurm's recorded answers. /bin/sh runs a generated script here the way
// slurmstepd would; tests/slurm/ runs them through a real cluster.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/fake_slurm.hpp"
#include "support/fixture_file.hpp"
#include "traitctl/adapters/slurm_cli.hpp"

namespace traitctl::slurm_cli_tests {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

ProcessOutput failed_with(const std::string& err, int exit_code = 1) {
  ProcessOutput output;
  output.exit_code = exit_code;
  output.err = err;
  return output;
}

JobSpec spec_for(std::string name) {
  JobSpec spec;
  spec.name = std::move(name);
  spec.cpu = "4";
  spec.memory = "1.5Gi";
  spec.command = {"/bin/true"};
  return spec;
}

class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "traitctl-slurm-unit-XXXXXX").string();
    EXPECT_NE(::mkdtemp(pattern.data()), nullptr);
    path_ = pattern;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { fs::remove_all(path_); }
  [[nodiscard]] const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// Words a shell would mangle: quotes, expansions, a newline, a CR before a
// newline (which sbatch refuses in a script), control and non-UTF-8 bytes.
const std::vector<std::string> kHostileWords = {
    "plain", "",       "it's",         "\"double\"", "$HOME",       "`id`",
    "$(id)", "a b\tc", "line1\nline2", "cr\r\nlf",   "\x1b[31mred", "\xff\xfe not utf-8",
    "*",     "~",      "\\",           "'",          "--",          "-e"};

TEST(SlurmJobScript, ExecsTheCommandWithEveryWordQuoted) {
  EXPECT_EQ(slurm_job_script({"/opt/run", "a b", "it's"}),
            "#!/bin/sh\n# Written by traitctl; sbatch runs a copy of it.\n"
            "exec '/opt/run' 'a b' 'it'\\''s'\n");
}

TEST(SlurmJobScript, NeverHoldsACarriageReturnBeforeANewline) {
  EXPECT_THAT(slurm_job_script({"x\r\ny", "\r\n"}), Not(HasSubstr("\r\n")));
}

TEST(SlurmJobScript, DeliversHostileWordsByteForByteUnderSh) {
  const TempDir dir;
  std::vector<std::string> command{"printf", "%s\\0"};
  command.insert(command.end(), kHostileWords.begin(), kHostileWords.end());
  const fs::path script = dir.path() / "job.sh";
  std::ofstream(script, std::ios::binary) << slurm_job_script(command);
  const auto output = run_process({"/bin/sh", script.string()}, ProcessOptions{});
  ASSERT_TRUE(output.ok()) << output.error().message;
  ASSERT_TRUE(output->succeeded()) << output->err;
  std::string expected;
  for (const auto& word : kHostileWords) {
    expected += word;
    expected += '\0';
  }
  EXPECT_EQ(output->out, expected);
}

TEST(SlurmSubmitArgv, ConvertsTheRequestToSlurmUnitsAndPassesOptionsAsWords) {
  SlurmOptions options;
  options.partition = "long";
  options.account = "gwas";
  options.qos = "normal";
  options.time_limit = "2-00:00:00";
  options.extra_sbatch_args = {"--constraint=avx2", "--comment", "a b"};
  const auto argv = slurm_submit_argv(options, spec_for("gapit3-trait-5"), "/logs/t 5.log", "/s/t5.sh");
  ASSERT_TRUE(argv.ok()) << argv.error().message;
  EXPECT_THAT(*argv, ElementsAre("sbatch", "--parsable", "--job-name", "gapit3-trait-5", "--cpus-per-task",
                                 "4", "--mem", "1536M", "--output", "/logs/t 5.log", "--partition", "long",
                                 "--account", "gwas", "--qos", "normal", "--time", "2-00:00:00",
                                 "--export=ALL", "--constraint=avx2", "--comment", "a b", "/s/t5.sh"));
}

TEST(SlurmSubmitArgv, LeavesUnsetOptionsOutAndUsesTheBinFolder) {
  SlurmOptions options;
  options.bin_dir = "/opt/slurm/bin";
  auto spec = spec_for("t");
  spec.memory = "32Gi";
  const auto argv = slurm_submit_argv(options, spec, "/l", "/s");
  ASSERT_TRUE(argv.ok()) << argv.error().message;
  EXPECT_THAT(*argv, ElementsAre("/opt/slurm/bin/sbatch", "--parsable", "--job-name", "t", "--cpus-per-task",
                                 "4", "--mem", "32G", "--output", "/l", "--export=ALL", "/s"));
}

TEST(SlurmSubmitArgv, RefusesARequestSlurmCannotTake) {
  auto spec = spec_for("t");
  spec.cpu = "0.5";
  const auto argv = slurm_submit_argv(SlurmOptions{}, spec, "/l", "/s");
  ASSERT_FALSE(argv.ok());
  EXPECT_EQ(argv.error().kind, ErrorKind::Config);
}

TEST(SlurmListArgv, AsksForTheUsersJobsInEveryState) {
  EXPECT_THAT(slurm_list_argv(SlurmOptions{}, 1000),
              ElementsAre("squeue", "-h", "-t", "all", "-o", "%i|%j|%T|%r", "-u", "1000"));
}

TEST(SlurmCallError, ControllerUnreachableSaysWhatToCheck) {
  const auto error = slurm_call_error({"squeue", "-h"}, failed_with(slurm_fixture("squeue-controller-down.stderr")),
                                      std::string("/etc/slurm/slurm.conf"));
  EXPECT_EQ(error.kind, ErrorKind::Backend);
  EXPECT_THAT(error.message, HasSubstr("could not reach the Slurm controller"));
  EXPECT_THAT(error.message, HasSubstr("Unable to contact slurm controller (connect failure)"));
  EXPECT_THAT(error.message, HasSubstr("the controller is down"));
  EXPECT_THAT(error.message, HasSubstr("'/etc/slurm/slurm.conf'"));
  const auto unset =
      slurm_call_error({"sbatch"}, failed_with(slurm_fixture("sbatch-controller-down.stderr")), std::nullopt);
  EXPECT_THAT(unset.message, HasSubstr("SLURM_CONF (unset)"));
  EXPECT_THAT(unset.message, HasSubstr("Batch job submission failed: Unable to contact slurm controller"));
}

TEST(SlurmCallError, NoConfigurationIsAConfigError) {
  const auto error =
      slurm_call_error({"squeue"}, failed_with(slurm_fixture("squeue-no-config.stderr")), std::nullopt);
  EXPECT_EQ(error.kind, ErrorKind::Config);
  EXPECT_THAT(error.message, HasSubstr("set SLURM_CONF"));
}

TEST(SlurmCallError, ARejectedSubmissionPassesSlurmsWordsOnAsAConfigError) {
  const auto memory = slurm_call_error({"sbatch", "--mem", "1Gi"},
                                       failed_with(slurm_fixture("sbatch-mem-invalid.stderr"), 255), std::nullopt);
  // Asking again cannot help: the engine must not send it again.
  EXPECT_EQ(memory.kind, ErrorKind::Config);
  EXPECT_THAT(memory.message, HasSubstr("`sbatch --mem 1Gi` failed (exit 255): Invalid --mem specification"));
  const auto too_big =
      slurm_call_error({"sbatch"}, failed_with(slurm_fixture("sbatch-mem-too-big.stderr")), std::nullopt);
  EXPECT_THAT(
      too_big.message,
      HasSubstr("Memory specification can not be satisfied; Batch job submission failed: Requested node "
                "configuration is not available: no node of the partition"));
  const auto partition =
      slurm_call_error({"sbatch"}, failed_with(slurm_fixture("sbatch-partition.stderr")), std::nullopt);
  EXPECT_THAT(partition.message, HasSubstr("invalid partition specified: nope"));
  EXPECT_THAT(partition.message, HasSubstr("sinfo -s"));
  EXPECT_EQ(partition.kind, ErrorKind::Config);
  EXPECT_EQ(too_big.kind, ErrorKind::Config);
}

TEST(SlurmCallError, ALostAnswerMayHaveSubmittedTheJob) {
  const auto lost = slurm_call_error(
      {"sbatch"},
      failed_with("sbatch: error: Batch job submission failed: Socket timed out on send/recv operation\n"),
      std::nullopt);
  EXPECT_EQ(lost.kind, ErrorKind::Transient);
  EXPECT_THAT(lost.message, HasSubstr("may have been done all the same"));
}

TEST(SlurmCallError, ACallCutShortIsInterrupted) {
  ProcessOutput cut;
  cut.interrupted = true;
  cut.term_signal = 15;
  EXPECT_EQ(slurm_call_error({"squeue"}, cut, std::nullopt).kind, ErrorKind::Interrupted);
}

TEST(SlurmCallError, EscapesWhatSlurmSaidAndStaysOnOneLine) {
  const auto error = slurm_call_error(
      {"sbatch"}, failed_with("sbatch: error: bad \x1b[2Jthing\nsbatch: error: second line\n"), std::nullopt);
  EXPECT_THAT(error.message, Not(HasSubstr("\x1b")));
  EXPECT_THAT(error.message, Not(HasSubstr("\n")));
  EXPECT_THAT(error.message, HasSubstr("bad \\x1b[2Jthing; second line"));
}

TEST(SlurmCallError, ATimeoutAndASignalAreSaidSo) {
  ProcessOutput timed_out;
  timed_out.timed_out = true;
  EXPECT_EQ(slurm_call_error({"squeue"}, timed_out, std::nullopt).kind, ErrorKind::Timeout);
  ProcessOutput killed;
  killed.term_signal = 9;
  EXPECT_THAT(slurm_call_error({"squeue"}, killed, std::nullopt).message, HasSubstr("killed by signal 9"));
}

// Slurm's commands, stood in for.
class FakeSlurm : public testing::FakeSlurm {
 public:
  [[nodiscard]] SlurmCli cli() const {
    SlurmOptions options;
    options.bin_dir = dir();
    return SlurmCli(options);
  }
};

TEST(SlurmCliJobDetails, AnEndRecordedInAccountingIsTheAnswer) {
  FakeSlurm slurm;
  slurm.program("sacct", slurm_fixture("sacct-out-of-memory.txt"));
  slurm.program("scontrol", "", "not to be asked", 1);
  auto cli = slurm.cli();
  const auto details = cli.job_details("11");
  ASSERT_TRUE(details.ok()) << details.error().message;
  ASSERT_TRUE(details->has_value());
  EXPECT_EQ((*details)->source, DetailsSource::Accounting);
  EXPECT_EQ((*details)->state, "OUT_OF_MEMORY");
  EXPECT_EQ((*details)->max_rss_bytes, 3408U * 1024U);
  EXPECT_THAT(slurm.calls(), ElementsAre("sacct"));
}

TEST(SlurmCliJobDetails, AccountingThatHasNotSeenTheEndDefersToTheController) {
  FakeSlurm slurm;
  slurm.program("sacct", "2|RUNNING|0:0|\n2.batch|RUNNING|0:0|\n");
  slurm.program("scontrol", slurm_fixture("scontrol-exit-2.txt"));
  auto cli = slurm.cli();
  const auto details = cli.job_details("2");
  ASSERT_TRUE(details.ok()) << details.error().message;
  ASSERT_TRUE(details->has_value());
  EXPECT_EQ((*details)->source, DetailsSource::Controller);
  EXPECT_EQ((*details)->state, "FAILED");
  EXPECT_EQ((*details)->exit_code, 2);
}

TEST(SlurmCliJobDetails, AJobPurgedFromTheControllerKeepsWhatAccountingHad) {
  FakeSlurm slurm;
  slurm.program("sacct", "2|RUNNING|0:0|\n");
  slurm.program("scontrol", "", slurm_fixture("scontrol-invalid-job-id.stderr"), 1);
  auto cli = slurm.cli();
  const auto details = cli.job_details("2");
  ASSERT_TRUE(details.ok()) << details.error().message;
  ASSERT_TRUE(details->has_value());
  EXPECT_EQ((*details)->source, DetailsSource::Accounting);
  EXPECT_EQ((*details)->state, "RUNNING");
}

TEST(SlurmCliJobDetails, DisabledAccountingIsAskedOnlyOnce) {
  FakeSlurm slurm;
  slurm.program("sacct", "", slurm_fixture("sacct-disabled.stderr"), 1);
  slurm.program("scontrol", slurm_fixture("scontrol-completed.txt"));
  auto cli = slurm.cli();
  for (int i = 0; i < 2; ++i) {
    const auto details = cli.job_details("1");
    ASSERT_TRUE(details.ok()) << details.error().message;
    ASSERT_TRUE(details->has_value());
    EXPECT_EQ((*details)->source, DetailsSource::Controller);
    EXPECT_EQ((*details)->state, "COMPLETED");
  }
  EXPECT_THAT(slurm.calls(), ElementsAre("sacct", "scontrol", "scontrol"));
}

TEST(SlurmCliJobDetails, AJobNeitherKnowsIsNothing) {
  FakeSlurm slurm;
  slurm.program("sacct", slurm_fixture("sacct-unknown-job.txt"));
  slurm.program("scontrol", "", slurm_fixture("scontrol-invalid-job-id.stderr"), 1);
  auto cli = slurm.cli();
  const auto details = cli.job_details("999");
  ASSERT_TRUE(details.ok()) << details.error().message;
  EXPECT_FALSE(details->has_value());
}

TEST(SlurmCliJobDetails, AFailingCallIsAnErrorNeverNothing) {
  FakeSlurm slurm;
  slurm.program("sacct", "", slurm_fixture("sacct-disabled.stderr"), 1);
  slurm.program("scontrol", "", slurm_fixture("squeue-controller-down.stderr"), 1);
  auto cli = slurm.cli();
  const auto details = cli.job_details("5");
  ASSERT_FALSE(details.ok());
  EXPECT_EQ(details.error().kind, ErrorKind::Backend);
  EXPECT_THAT(details.error().message, HasSubstr("could not reach the Slurm controller"));
}

TEST(SlurmCli, AMissingSbatchIsNotFoundWithWhatToInstall) {
  const TempDir dir;
  SlurmOptions options;
  options.script_dir = dir.path() / "scripts";
  // run_process looks programs up on traitctl's own PATH: point it at an empty folder.
  const char* saved = std::getenv("PATH");
  const std::string saved_path = saved != nullptr ? saved : "";
  ::setenv("PATH", dir.path().c_str(), 1);
  SlurmCli cli(options);
  const auto id = cli.submit(spec_for("t-1"), dir.path() / "t-1.log");
  ::setenv("PATH", saved_path.c_str(), 1);
  ASSERT_FALSE(id.ok());
  EXPECT_EQ(id.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(id.error().message,
              HasSubstr("'sbatch' was not found on PATH: install Slurm's client commands"));
  EXPECT_THAT(id.error().message, HasSubstr("slurm-client"));
}

TEST(SlurmCli, AMissingBinFolderNamesTheProgram) {
  const TempDir dir;
  SlurmOptions options;
  options.bin_dir = dir.path() / "nowhere";
  SlurmCli cli(options);
  const auto jobs = cli.list();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().kind, ErrorKind::NotFound);
  EXPECT_THAT(jobs.error().message, HasSubstr((dir.path() / "nowhere" / "squeue").string()));
}

TEST(SlurmCli, ASlurmConfThatDoesNotExistFailsAtOnce) {
  // Slurm itself would retry for 60 s.
  SlurmOptions options;
  options.environment = {{"SLURM_CONF", "/nonexistent/slurm.conf"}};
  SlurmCli cli(options);
  const auto jobs = cli.list();
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().kind, ErrorKind::Config);
  EXPECT_THAT(jobs.error().message,
              HasSubstr("SLURM_CONF is '/nonexistent/slurm.conf', which does not exist"));
}

TEST(SlurmCli, RefusesNamesAndIdsThatCannotBeUsed) {
  const TempDir dir;
  SlurmOptions options;
  options.script_dir = dir.path();
  SlurmCli cli(options);
  for (const std::string name : {"", "../escape", "a/b", ".hidden"}) {
    const auto id = cli.submit(spec_for(name), dir.path() / "log");
    ASSERT_FALSE(id.ok()) << name;
    EXPECT_EQ(id.error().kind, ErrorKind::Usage) << name;
  }
  auto no_command = spec_for("t");
  no_command.command.clear();
  EXPECT_EQ(cli.submit(no_command, dir.path() / "log").error().kind, ErrorKind::Usage);
  EXPECT_EQ(cli.cancel("12; rm -rf /").error().kind, ErrorKind::Usage);
  EXPECT_EQ(cli.job_details("-1").error().kind, ErrorKind::Usage);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

}  // namespace
}  // namespace traitctl::slurm_cli_tests
