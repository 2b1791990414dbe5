#include <gtest/gtest.h>

#include <array>

#include "traitctl/core/failure.hpp"

namespace traitctl::failure_tests {
namespace {

const std::string mount_log =
    "Checking mounts\nINFRASTRUCTURE MOUNT FAILURE: /data is not a mount point\n"
    "INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)\n";
const std::string config_log = "ERROR: Missing required files or directories:\n  /data/genotype.hmp.txt\n";

// Builders: designated initializers would trip -Wmissing-field-initializers.
FailureEvidence evidence_of(std::optional<int> code, std::optional<int> signal,
                            std::optional<std::string> reason, std::optional<std::string> log,
                            bool timed_out = false) {
  FailureEvidence evidence;
  evidence.exit_code = code;
  evidence.signal = signal;
  evidence.reason = std::move(reason);
  evidence.log = std::move(log);
  evidence.timed_out = timed_out;
  return evidence;
}
FailureEvidence exited(int code, std::optional<std::string> log = std::nullopt) {
  return evidence_of(code, std::nullopt, std::nullopt, std::move(log));
}
FailureEvidence logged(std::string log) {
  return evidence_of(std::nullopt, std::nullopt, std::nullopt, std::move(log));
}
FailureEvidence because(std::string reason, std::optional<int> code = std::nullopt) {
  return evidence_of(code, std::nullopt, std::move(reason), std::nullopt);
}
FailureEvidence signalled(int signal, std::optional<int> code = std::nullopt,
                          std::optional<std::string> log = std::nullopt) {
  return evidence_of(code, signal, std::nullopt, std::move(log));
}

struct ClassifyCase {
  const char* name;
  FailureEvidence evidence;
  FailureClass expected;
  const char* evidence_text;
};

class ClassifyTest : public ::testing::TestWithParam<ClassifyCase> {};

TEST_P(ClassifyTest, DefaultPolicy) {
  const ClassifyCase& test = GetParam();
  const Classification result = classify_failure(test.evidence, ClassifierPolicy{});
  EXPECT_EQ(to_string(result.failure), to_string(test.expected));
  EXPECT_EQ(result.evidence, test.evidence_text);
  EXPECT_EQ(result.exit_code, test.evidence.exit_code);
  EXPECT_EQ(result.reason, test.evidence.reason);
  // Only a verdict of the log names a line.
  EXPECT_EQ(result.matched_line.has_value(), result.evidence.starts_with("log: "));
}

INSTANTIATE_TEST_SUITE_P(
    TimedOut, ClassifyTest,
    ::testing::Values(ClassifyCase{"beats_everything",
                                   evidence_of(2, std::nullopt, std::nullopt, mount_log, true),
                                   FailureClass::Timeout, "stopped for running too long; exit code 2"},
                      ClassifyCase{"alone",
                                   evidence_of(std::nullopt, std::nullopt, std::nullopt, std::nullopt, true),
                                   FailureClass::Timeout, "stopped for running too long"}),
    [](const auto& test) { return std::string(test.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Reasons, ClassifyTest,
    ::testing::Values(
        ClassifyCase{"oomkilled", because("OOMKilled", 137), FailureClass::Oom, "exit code 137 (OOMKilled)"},
        // Kubernetes' reason beats the main process's own exit code (KEP-3329).
        ClassifyCase{"oomkilled_beats_exit_1", because("OOMKilled", 1), FailureClass::Oom,
                     "exit code 1 (OOMKilled)"},
        ClassifyCase{"oomkilled_any_case", because("oomkilled"), FailureClass::Oom, "reason oomkilled"},
        ClassifyCase{"slurm_out_of_memory", because("OUT_OF_MEMORY"), FailureClass::Oom,
                     "reason OUT_OF_MEMORY"},
        ClassifyCase{"slurm_timeout", because("TIMEOUT", 0), FailureClass::Timeout, "exit code 0 (TIMEOUT)"},
        ClassifyCase{"deadline_exceeded", because("DeadlineExceeded"), FailureClass::Timeout,
                     "reason DeadlineExceeded"},
        ClassifyCase{"slurm_deadline", because("DEADLINE, DeadLine", 0), FailureClass::Timeout,
                     "exit code 0 (DEADLINE, DeadLine)"},
        ClassifyCase{"node_fail", because("NODE_FAIL"), FailureClass::Infrastructure, "reason NODE_FAIL"},
        ClassifyCase{"preempted", because("PREEMPTED"), FailureClass::Infrastructure, "reason PREEMPTED"},
        ClassifyCase{"boot_fail", because("BOOT_FAIL"), FailureClass::Infrastructure, "reason BOOT_FAIL"},
        // The Slurm adapter's word for a job that can never start as asked.
        ClassifyCase{"unsatisfiable", because("Unsatisfiable: PENDING, PartitionConfig"),
                     FailureClass::Config, "reason Unsatisfiable: PENDING, PartitionConfig"},
        ClassifyCase{"unsatisfiable_beats_exit_0", because("Unsatisfiable: FAILED, BadConstraints", 0),
                     FailureClass::Config, "exit code 0 (Unsatisfiable: FAILED, BadConstraints)"},
        // The kubelet SIGKILLs an evicted pod's containers: 137 is not the job's memory.
        ClassifyCase{"evicted_beats_exit_137", because("Evicted", 137), FailureClass::Infrastructure,
                     "exit code 137 (Evicted)"},
        ClassifyCase{"disruption_target", because("DisruptionTarget: PreemptionByScheduler", 143),
                     FailureClass::Infrastructure, "exit code 143 (DisruptionTarget: PreemptionByScheduler)"},
        ClassifyCase{"whole_words_only", because("NotOOMKilled", 3), FailureClass::Unknown,
                     "exit code 3 (NotOOMKilled)"},
        ClassifyCase{"unknown_reason_leaves_the_code", because("Error", 2), FailureClass::Mount,
                     "exit code 2 (Error)"},
        ClassifyCase{"unknown_reason_nothing_else", because("Error"), FailureClass::Unknown,
                     "reason Error, no exit code and no log"}),
    [](const auto& test) { return std::string(test.param.name); });

INSTANTIATE_TEST_SUITE_P(
    ExitCodes, ClassifyTest,
    ::testing::Values(
        ClassifyCase{"exit_2", exited(2), FailureClass::Mount, "exit code 2"},
        ClassifyCase{"exit_1", exited(1), FailureClass::Config, "exit code 1"},
        ClassifyCase{"exit_137", exited(137), FailureClass::Oom, "exit code 137"},
        ClassifyCase{"exit_3", exited(3), FailureClass::Unknown, "exit code 3"},
        ClassifyCase{"signal_9", signalled(9), FailureClass::Oom, "signal 9"},
        ClassifyCase{"exit_0_signal_9", signalled(9, 0), FailureClass::Oom, "exit code 0, signal 9"},
        ClassifyCase{"signal_15", signalled(15, std::nullopt, mount_log), FailureClass::Unknown, "signal 15"},
        // A known code decides; the log is not read.
        ClassifyCase{"exit_137_mount_log", exited(137, mount_log), FailureClass::Oom, "exit code 137"},
        ClassifyCase{"exit_3_mount_log", exited(3, mount_log), FailureClass::Unknown, "exit code 3"},
        ClassifyCase{"exit_1_mount_log", exited(1, mount_log), FailureClass::Config, "exit code 1"},
        ClassifyCase{"exit_2_config_log", exited(2, config_log), FailureClass::Mount, "exit code 2"},
        ClassifyCase{"exit_0_config_log", exited(0, config_log), FailureClass::Unknown, "exit code 0"}),
    [](const auto& test) { return std::string(test.param.name); });

INSTANTIATE_TEST_SUITE_P(
    Logs, ClassifyTest,
    ::testing::Values(
        ClassifyCase{"mount_marker", logged(mount_log), FailureClass::Mount,
                     "log: INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point"},
        ClassifyCase{"not_a_mount_point", logged("/data is not a mount point"), FailureClass::Mount,
                     "log: /data is not a mount point"},
        ClassifyCase{"mount_any_case", logged("infrastructure mount failure"), FailureClass::Mount,
                     "log: infrastructure mount failure"},
        // A missing mount also makes files look missing: the mount lines win.
        ClassifyCase{"mount_before_config", logged(config_log + mount_log), FailureClass::Mount,
                     "log: INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point"},
        ClassifyCase{"mount_before_oom", logged("Killed\n" + mount_log), FailureClass::Mount,
                     "log: INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point"},
        ClassifyCase{"killed_line", logged("[INFO] Running GWAS models\nKilled\n"), FailureClass::Oom,
                     "log: Killed"},
        ClassifyCase{"killed_line_trimmed", logged("step 3\n  Killed \r\n"), FailureClass::Oom,
                     "log: Killed"},
        ClassifyCase{"killed_inside_a_line", logged("Process Killed by the user\n"), FailureClass::Unknown,
                     "no exit code and no known marker in the log"},
        ClassifyCase{"bash_killed_report", logged("entrypoint.sh: line 12:  77 Killed  Rscript gapit.R\n"),
                     FailureClass::Unknown, "no exit code and no known marker in the log"},
        ClassifyCase{"r_vector", logged("Error: cannot allocate vector of size 12.4 Gb\nExecution halted\n"),
                     FailureClass::Oom, "log: Error: cannot allocate vector of size 12.4 Gb"},
        ClassifyCase{"bad_alloc",
                     logged("terminate called after throwing an instance of 'std::bad_alloc'\n  what():  "
                            "std::bad_alloc\n"),
                     FailureClass::Oom,
                     "log: terminate called after throwing an instance of 'std::bad_alloc'"},
        ClassifyCase{"slurmstepd_memory_limit",
                     logged("slurmstepd: error: Exceeded job memory limit at some point.\n"),
                     FailureClass::Oom, "log: slurmstepd: error: Exceeded job memory limit at some point."},
        ClassifyCase{
            "oom_kill_event", logged("slurmstepd: error: Detected 1 oom-kill event(s) in StepId=77.batch.\n"),
            FailureClass::Oom, "log: slurmstepd: error: Detected 1 oom-kill event(s) in StepId=77.batch."},
        ClassifyCase{"oom_before_config", logged(config_log + "Killed\n"), FailureClass::Oom, "log: Killed"},
        ClassifyCase{"config_marker", logged(config_log), FailureClass::Config,
                     "log: ERROR: Missing required files or directories:"},
        ClassifyCase{"log_without_markers", logged("[INFO] Done\n"), FailureClass::Unknown,
                     "no exit code and no known marker in the log"},
        ClassifyCase{"empty_log", logged(""), FailureClass::Unknown,
                     "no exit code and no known marker in the log"},
        ClassifyCase{"no_evidence", FailureEvidence{}, FailureClass::Unknown, "no exit code and no log"}),
    [](const auto& test) { return std::string(test.param.name); });

TEST(ClassifyEvidence, KeepsTheDecidingLineRawAndTheEvidenceEscaped) {
  const Classification result = classify_failure(logged("ok\n\x1b[31mKilled\x1b[0m is not\nKilled\n"), {});
  EXPECT_EQ(result.failure, FailureClass::Oom);
  EXPECT_EQ(result.matched_line, "Killed");

  const Classification hostile =
      classify_failure(logged("\x1b]0;x\aINFRASTRUCTURE MOUNT FAILURE: /data\n"), ClassifierPolicy{});
  EXPECT_EQ(hostile.failure, FailureClass::Mount);
  EXPECT_EQ(hostile.matched_line, "\x1b]0;x\aINFRASTRUCTURE MOUNT FAILURE: /data");
  EXPECT_EQ(hostile.evidence.find('\x1b'), std::string::npos) << hostile.evidence;
  EXPECT_NE(hostile.evidence.find("\\x1b"), std::string::npos) << hostile.evidence;
}

TEST(ClassifyEvidence, ALongLineIsCutAtACharacter) {
  const std::string line = "is not a mount point " + std::string(300, 'x') + " \xc3\xa9\xc3\xa9";
  std::string with_accent_at_cut = std::string(239, 'a') + "\xc3\xa9 is not a mount point";
  for (const std::string& log : {line, with_accent_at_cut}) {
    const Classification result = classify_failure(logged(log), {});
    ASSERT_EQ(result.failure, FailureClass::Mount);
    ASSERT_TRUE(result.matched_line.has_value());
    EXPECT_LE(result.matched_line->size(), 243U);
    EXPECT_TRUE(result.matched_line->ends_with("...")) << *result.matched_line;
    EXPECT_EQ(result.evidence.find("\\x"), std::string::npos)
        << "no byte of a character cut: " << result.evidence;
  }
}

TEST(ClassifierPolicy, FlagsAddToTheDefaults) {
  ClassifierPolicy policy;
  policy.add_mount_exit_code(75);
  policy.add_mount_exit_code(75);
  policy.add_mount_exit_code(2);
  EXPECT_EQ(policy.mount_exit_codes, (std::vector<int>{2, 75}));
  EXPECT_EQ(classify_failure(exited(75), policy).failure, FailureClass::Mount);
  EXPECT_EQ(classify_failure(exited(2), policy).failure, FailureClass::Mount) << "the default stays";

  policy.add_mount_pattern("NFS stale handle");
  policy.add_mount_pattern("nfs STALE handle");
  policy.add_mount_pattern("");
  EXPECT_EQ(policy.mount_patterns.size(), ClassifierPolicy{}.mount_patterns.size() + 1);
  EXPECT_EQ(classify_failure(logged("error: NFS stale handle"), policy).failure, FailureClass::Mount);
  EXPECT_EQ(classify_failure(logged(mount_log), policy).failure, FailureClass::Mount) << "the defaults stay";
  EXPECT_EQ(classify_failure(exited(3, "error: NFS stale handle"), policy).failure, FailureClass::Unknown);
}

TEST(ClassifierPolicy, AnExplicitCodeOverridesTheDefaultClass) {
  ClassifierPolicy policy;
  policy.add_mount_exit_code(137);  // --retry-exit-code 137: a person said so
  EXPECT_EQ(classify_failure(exited(137), policy).failure, FailureClass::Mount);
}

constexpr std::array all_classes{
    FailureClass::Mount,      FailureClass::Config,         FailureClass::Oom,    FailureClass::Timeout,
    FailureClass::Incomplete, FailureClass::Infrastructure, FailureClass::Unknown};

TEST(FailureClassNames, RoundTripAndReasons) {
  const std::array<std::string_view, all_classes.size()> names{
      "mount", "config", "oom", "timeout", "incomplete", "infrastructure", "unknown"};
  for (std::size_t i = 0; i < all_classes.size(); ++i) {
    EXPECT_EQ(to_string(all_classes[i]), names[i]);
    auto parsed = failure_class_from_string(names[i]);
    ASSERT_TRUE(parsed.ok()) << names[i];
    EXPECT_EQ(*parsed, all_classes[i]);
    EXPECT_FALSE(failure_reason(all_classes[i]).empty());
  }
  EXPECT_EQ(failure_reason(FailureClass::Oom), "out of memory");
  EXPECT_EQ(failure_reason(FailureClass::Config), "configuration error, manual fix needed");
}

TEST(FailureClassNames, ReadsLedgerVersion1Names) {
  EXPECT_EQ(*failure_class_from_string("mount-failure"), FailureClass::Mount);
  EXPECT_EQ(*failure_class_from_string("config-error"), FailureClass::Config);
  EXPECT_EQ(*failure_class_from_string("logs-unavailable"), FailureClass::Unknown);
  EXPECT_EQ(*failure_class_from_string("unknown"), FailureClass::Unknown);
  EXPECT_EQ(*failure_class_from_string("timeout"), FailureClass::Timeout);
}

TEST(FailureClassNames, UnknownNameNamesItAndTheChoices) {
  auto bad = failure_class_from_string("Mount");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Parse);
  EXPECT_NE(bad.error().message.find("'Mount'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("infrastructure"), std::string::npos);
}

TEST(Classify, AnExitCodeDecidesAndTheLogLineThatSaysTheSameIsShown) {
  const Classification config = classify_failure(
      FailureEvidence{1, std::nullopt, std::nullopt,
                      "[INFO] start\n[ERROR] Missing required files or directories:\n", false},
      ClassifierPolicy{});
  EXPECT_EQ(config.failure, FailureClass::Config);
  EXPECT_EQ(config.matched_line, "[ERROR] Missing required files or directories:");
  EXPECT_EQ(config.evidence, "exit code 1; log: [ERROR] Missing required files or directories:");
  // A line that says something else never shows up as evidence of the code's class.
  const Classification oom =
      classify_failure(FailureEvidence{137, std::nullopt, std::nullopt,
                                       "INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point\n", false},
                       ClassifierPolicy{});
  EXPECT_EQ(oom.failure, FailureClass::Oom);
  EXPECT_FALSE(oom.matched_line.has_value());
  EXPECT_EQ(oom.evidence, "exit code 137");
}

}  // namespace
}  // namespace traitctl::failure_tests
