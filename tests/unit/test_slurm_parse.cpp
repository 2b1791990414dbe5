// The Slurm parsers on output recorded from a real Slurm 22.05
// (tests/fixtures/slurm/README.md says how each file was made).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "support/fixture_file.hpp"
#include "traitctl/adapters/slurm_parse.hpp"

namespace traitctl::slurm_parse_tests {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SlurmJobDetails scontrol(const std::string& name, const std::string& id) {
  auto details = parse_scontrol_job(slurm_fixture(name), id);
  EXPECT_TRUE(details.ok()) << details.error().message;
  return details.ok() ? *details : SlurmJobDetails{};
}

SlurmJobDetails sacct(const std::string& name, const std::string& id) {
  auto details = parse_sacct_job(slurm_fixture(name), id);
  EXPECT_TRUE(details.ok()) << details.error().message;
  EXPECT_TRUE(details.ok() && details->has_value()) << name << " describes no job";
  return details.ok() && *details ? **details : SlurmJobDetails{};
}

std::vector<std::string> ids(const std::vector<SlurmJob>& jobs) {
  std::vector<std::string> result;
  for (const auto& job : jobs) {
    result.push_back(job.id);
  }
  return result;
}

TEST(ParseSqueue, ReadsEveryRecordedStateOldestFirst) {
  const auto jobs = parse_squeue(slurm_fixture("squeue-states.txt"));
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_THAT(ids(*jobs), ElementsAre("1", "2", "3", "4", "5", "6", "7", "8", "9_1", "9_2", "9_3", "10+0",
                                      "10+1", "12", "13", "16"));
  EXPECT_EQ(jobs->front(), (SlurmJob{"1", "gapit3-trait-2", "COMPLETED", "None"}));
  EXPECT_EQ(jobs->at(4), (SlurmJob{"5", "gapit3-trait-6", "PENDING", "PartitionConfig"}));
}

TEST(ParseSqueue, KeepsANameWithBarsAndSpacesWhole) {
  const auto jobs = parse_squeue(slurm_fixture("squeue-states.txt"));
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_EQ(jobs->at(6), (SlurmJob{"7", "odd | name with  spaces", "COMPLETED", "None"}));
}

TEST(ParseSqueue, PutsAResubmissionAfterTheJobItReplaces) {
  const auto jobs = parse_squeue(slurm_fixture("squeue-states.txt"));
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  std::vector<std::string> states;
  for (const auto& job : *jobs) {
    if (job.name == "gapit3-trait-3") {
      states.push_back(job.id + " " + job.state);
    }
  }
  EXPECT_THAT(states, ElementsAre("2 FAILED", "13 RUNNING"));
}

TEST(ParseSqueue, ReadsCompletingAndOutputWithAccounting) {
  const auto completing = parse_squeue(slurm_fixture("squeue-completing.txt"));
  ASSERT_TRUE(completing.ok()) << completing.error().message;
  EXPECT_THAT(*completing, ::testing::Contains(SlurmJob{"16", "gapit3-trait-12", "COMPLETING", "None"}));
  const auto accounted = parse_squeue(slurm_fixture("squeue-with-accounting-and-cgroups.txt"));
  ASSERT_TRUE(accounted.ok()) << accounted.error().message;
  EXPECT_THAT(*accounted,
              ::testing::Contains(SlurmJob{"11", "gapit3-trait-20", "OUT_OF_MEMORY", "OutOfMemory"}));
}

TEST(ParseSqueue, EmptyOutputIsNoJobsAndBlankLinesAreSkipped) {
  const auto none = parse_squeue("");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  const auto some = parse_squeue("\n12|a|RUNNING|None\n\n");
  ASSERT_TRUE(some.ok()) << some.error().message;
  EXPECT_EQ(some->size(), 1U);
}

TEST(ParseSqueue, KeepsAReasonWithSpacesAndAPendingArray) {
  const auto jobs = parse_squeue(
      "7_[3-9%2]|arr|PENDING|JobArrayTaskLimit\n7_2|arr|RUNNING|None\n"
      "8|x|PENDING|ReqNodeNotAvail, UnavailableNodes:n[1-2]\n");
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_THAT(ids(*jobs), ElementsAre("7_2", "7_[3-9%2]", "8"));
  EXPECT_EQ(jobs->back().reason, "ReqNodeNotAvail, UnavailableNodes:n[1-2]");
}

TEST(ParseSqueue, NamesALineItCannotRead) {
  for (const std::string line : {"12|only|three", "abc|name|RUNNING|None", "|name|RUNNING|None",
                                 "12|name||None", "squeue: error: something\x1b[2J"}) {
    const auto jobs = parse_squeue("1|fine|RUNNING|None\n" + line + "\n");
    ASSERT_FALSE(jobs.ok()) << line;
    EXPECT_EQ(jobs.error().kind, ErrorKind::Parse);
    EXPECT_THAT(jobs.error().message, HasSubstr("squeue printed a line"));
    EXPECT_THAT(jobs.error().message, ::testing::Not(HasSubstr("\x1b")));
  }
}

TEST(ParseSbatchId, ReadsTheIdWithOrWithoutTheCluster) {
  EXPECT_EQ(parse_sbatch_id("17\n").value(), "17");
  EXPECT_EQ(parse_sbatch_id("4242;cluster-a\n").value(), "4242");
  for (const std::string bad : {"", "\n", "Submitted batch job 17\n", "17\n18\n", "x;c"}) {
    const auto id = parse_sbatch_id(bad);
    ASSERT_FALSE(id.ok()) << bad;
    EXPECT_EQ(id.error().kind, ErrorKind::Parse);
  }
}

TEST(IsSlurmJobId, AcceptsPlainArrayAndHetIdsOnly) {
  for (const std::string id : {"1", "123", "123_4", "123+0"}) {
    EXPECT_TRUE(is_slurm_job_id(id)) << id;
  }
  for (const std::string id : {"", "x", "12a", "_4", "123_", "12;3", "-1", "12 "}) {
    EXPECT_FALSE(is_slurm_job_id(id)) << id;
  }
}

TEST(ParseScontrolJob, ReadsACompletedJobWithSpacesInItsLogPath) {
  const auto details = scontrol("scontrol-completed.txt", "1");
  EXPECT_EQ(details.source, DetailsSource::Controller);
  EXPECT_EQ(details.id, "1");
  EXPECT_EQ(details.state, "COMPLETED");
  EXPECT_EQ(details.reason, "None");
  EXPECT_EQ(details.exit_code, 0);
  EXPECT_EQ(details.signal, 0);
  EXPECT_EQ(details.stdout_path, "/tmp/cap/dir with space/trait 2.log");
  EXPECT_EQ(details.run_time, "00:00:00");
  EXPECT_TRUE(details.start_time.has_value());
  EXPECT_TRUE(details.end_time.has_value());
}

TEST(ParseScontrolJob, ReadsHowEachRecordedJobEnded) {
  struct Case {
    std::string file, id, state, reason;
    int code, signal;
  };
  for (const Case& c :
       {Case{"scontrol-exit-2.txt", "2", "FAILED", "NonZeroExitCode", 2, 0},
        Case{"scontrol-over-memory.txt", "3", "FAILED", "JobLaunchFailure", 0, 9},
        Case{"scontrol-out-of-memory-cgroup.txt", "11", "OUT_OF_MEMORY", "OutOfMemory", 0, 125},
        Case{"scontrol-timeout.txt", "8", "TIMEOUT", "TimeLimit", 0, 15},
        Case{"scontrol-cancelled-running.txt", "4", "CANCELLED", "None", 0, 15},
        Case{"scontrol-cancelled-pending.txt", "12", "CANCELLED", "Priority", 0, 0},
        Case{"scontrol-bad-constraints.txt", "6", "FAILED", "BadConstraints", 0, 1},
        Case{"scontrol-partition-config.txt", "5", "PENDING", "PartitionConfig", 0, 0},
        Case{"scontrol-completing.txt", "16", "COMPLETING", "None", 0, 0},
        Case{"scontrol-running.txt", "13", "RUNNING", "None", 0, 0}}) {
    const auto details = scontrol(c.file, c.id);
    EXPECT_EQ(details.id, c.id) << c.file;
    EXPECT_EQ(details.state, c.state) << c.file;
    EXPECT_EQ(details.reason, c.reason) << c.file;
    EXPECT_EQ(details.exit_code, c.code) << c.file;
    EXPECT_EQ(details.signal, c.signal) << c.file;
  }
}

TEST(ParseScontrolJob, UnknownTimesAreAbsent) {
  const auto pending = scontrol("scontrol-partition-config.txt", "5");
  EXPECT_FALSE(pending.start_time.has_value());
  EXPECT_FALSE(pending.end_time.has_value());
  EXPECT_EQ(pending.run_time, "00:00:00");
}

TEST(ParseScontrolJob, PicksTheAskedComponentOfAHetJob) {
  EXPECT_EQ(scontrol("scontrol-het.txt", "11").id, "11");
  EXPECT_EQ(scontrol("scontrol-het.txt", "10").id, "10");
}

TEST(ParseScontrolJob, AnArrayTaskAnswersWithItsOwnJobId) {
  const auto details = scontrol("scontrol-array-task.txt", "9_2");
  EXPECT_EQ(details.id, "15");
  EXPECT_EQ(details.state, "COMPLETED");
}

TEST(ParseScontrolJob, AValueMayEndTheLineOrBeEmpty) {
  const auto details = parse_scontrol_job(
      "JobId=5 JobName=a b Reason=ReqNodeNotAvail, UnavailableNodes:n1 JobState=PENDING "
      "ExitCode=0:0 StdOut=/x/my log.txt",
      "5");
  ASSERT_TRUE(details.ok()) << details.error().message;
  EXPECT_EQ(details->reason, "ReqNodeNotAvail, UnavailableNodes:n1");
  EXPECT_EQ(details->stdout_path, "/x/my log.txt");
  const auto empty = parse_scontrol_job("JobId=5 JobState=PENDING StdOut= Power=", "5");
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_FALSE(empty->stdout_path.has_value());
}

TEST(ParseScontrolJob, TextWithoutAJobStateIsAParseError) {
  for (const std::string& text :
       {std::string(), slurm_fixture("scontrol-invalid-job-id.stderr"), std::string("JobId=5 Reason=None")}) {
    const auto details = parse_scontrol_job(text, "5");
    ASSERT_FALSE(details.ok()) << text;
    EXPECT_EQ(details.error().kind, ErrorKind::Parse);
  }
}

TEST(ParseSacctJob, ReadsTheJobLineNotItsSteps) {
  const auto details = sacct("sacct-exit-2-with-extern.txt", "14");
  EXPECT_EQ(details.source, DetailsSource::Accounting);
  EXPECT_EQ(details.id, "14");
  EXPECT_EQ(details.state, "FAILED");
  EXPECT_EQ(details.exit_code, 2);
  EXPECT_EQ(details.signal, 0);
  EXPECT_EQ(details.max_rss_bytes, 1068U * 1024U);
  EXPECT_TRUE(details.reason.empty());
  EXPECT_FALSE(details.stdout_path.has_value());
}

TEST(ParseSacctJob, ReadsHowEachRecordedJobEnded) {
  struct Case {
    std::string file, id, state;
    int code, signal;
  };
  for (const Case& c :
       {Case{"sacct-completed.txt", "1", "COMPLETED", 0, 0}, Case{"sacct-exit-2.txt", "2", "FAILED", 2, 0},
        Case{"sacct-over-memory-no-cgroup.txt", "3", "FAILED", 0, 9},
        Case{"sacct-out-of-memory.txt", "11", "OUT_OF_MEMORY", 0, 125},
        Case{"sacct-out-of-memory-with-extern.txt", "15", "OUT_OF_MEMORY", 0, 125},
        Case{"sacct-timeout.txt", "5", "TIMEOUT", 0, 0},
        Case{"sacct-cancelled-running.txt", "4", "CANCELLED", 0, 0},
        Case{"sacct-bad-constraints.txt", "6", "FAILED", 1, 0},
        Case{"sacct-pending.txt", "9", "PENDING", 0, 0}}) {
    const auto details = sacct(c.file, c.id);
    EXPECT_EQ(details.id, c.id) << c.file;
    EXPECT_EQ(details.state, c.state) << c.file;
    EXPECT_EQ(details.exit_code, c.code) << c.file;
    EXPECT_EQ(details.signal, c.signal) << c.file;
  }
}

TEST(ParseSacctJob, TakesTheLargestMaxRssOfTheSteps) {
  EXPECT_EQ(sacct("sacct-over-memory-no-cgroup.txt", "3").max_rss_bytes, 320576U * 1024U);
  EXPECT_FALSE(sacct("sacct-pending.txt", "9").max_rss_bytes.has_value());
  const auto details =
      parse_sacct_job("7|COMPLETED|0:0|\n7.batch|COMPLETED|0:0|1.50M\n7.0|COMPLETED|0:0|2G\n", "7");
  ASSERT_TRUE(details.ok() && *details);
  EXPECT_EQ((*details)->max_rss_bytes, 2ULL << 30U);
}

TEST(ParseSacctJob, AStepKilledForMemoryMakesTheJobOutOfMemory) {
  // What an srun step's OOM looks like when the batch script carries on.
  const auto details =
      parse_sacct_job("7|COMPLETED|0:0|\n7.batch|COMPLETED|0:0|1M\n7.0|OUT_OF_MEMORY|0:125|50M\n", "7");
  ASSERT_TRUE(details.ok() && *details);
  EXPECT_EQ((*details)->state, "OUT_OF_MEMORY");
  EXPECT_EQ((*details)->exit_code, 0);
}

TEST(ParseSacctJob, AnArrayTaskAskedByItsOwnIdIsItsLine) {
  EXPECT_EQ(sacct("sacct-array.txt", "8_2").id, "8_2");
  // Asked by the underlying id (10 is task 8_1), sacct answers with the task.
  EXPECT_EQ(sacct("sacct-array.txt", "10").id, "8_1");
}

TEST(ParseSacctJob, NothingPrintedMeansTheDatabaseDoesNotKnowTheJob) {
  const auto details = parse_sacct_job(slurm_fixture("sacct-unknown-job.txt"), "999");
  ASSERT_TRUE(details.ok()) << details.error().message;
  EXPECT_FALSE(details->has_value());
}

TEST(ParseSacctJob, NamesALineItCannotRead) {
  for (const std::string text : {"7|COMPLETED|0:0\n", "7|COMPLETED|0:0|1K|extra\n", "|COMPLETED|0:0|\n",
                                 "7.batch|COMPLETED|0:0|1K\n"}) {
    const auto details = parse_sacct_job(text, "7");
    ASSERT_FALSE(details.ok()) << text;
    EXPECT_EQ(details.error().kind, ErrorKind::Parse);
  }
}

TEST(SlurmJobState, SortsEveryWordIntoTheCoresStates) {
  using C = JobState;
  for (const auto& [word, expected] :
       std::vector<std::pair<std::string, C>>{{"PENDING", C::Pending},         {"REQUEUED", C::Pending},
                                              {"REQUEUE_HOLD", C::Pending},    {"RUNNING", C::Running},
                                              {"CONFIGURING", C::OtherActive}, {"COMPLETING", C::OtherActive},
                                              {"SUSPENDED", C::OtherActive},   {"RESIZING", C::OtherActive},
                                              {"SIGNALING", C::OtherActive},   {"STAGE_OUT", C::OtherActive},
                                              {"STOPPED", C::OtherActive},     {"COMPLETED", C::Succeeded},
                                              {"FAILED", C::Failed},           {"OUT_OF_MEMORY", C::Failed},
                                              {"TIMEOUT", C::Failed},          {"NODE_FAIL", C::Failed},
                                              {"PREEMPTED", C::Failed},        {"BOOT_FAIL", C::Failed},
                                              {"DEADLINE", C::Failed},         {"CANCELLED", C::Stopped},
                                              {"LAUNCHING_SOON", C::Unknown},  {"", C::Unknown},
                                              {"running", C::Unknown}}) {
    EXPECT_EQ(slurm_job_state(word), expected) << word;
  }
}

TEST(SlurmJobState, KnowsEveryRecordedState) {
  const auto jobs = parse_squeue(slurm_fixture("squeue-states.txt")
                                     .append(slurm_fixture("squeue-completing.txt"))
                                     .append(slurm_fixture("squeue-with-accounting-and-cgroups.txt")));
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  for (const auto& job : *jobs) {
    EXPECT_NE(slurm_job_state(job.state), JobState::Unknown) << job.state;
  }
}

TEST(SlurmJobOlder, OrdersByIdThenArrayIndexOrHetOffset) {
  EXPECT_TRUE(slurm_job_older("9", "10"));
  EXPECT_FALSE(slurm_job_older("10", "9"));
  EXPECT_FALSE(slurm_job_older("10", "10"));
  EXPECT_TRUE(slurm_job_older("10", "10_1"));
  EXPECT_TRUE(slurm_job_older("10_2", "10_11"));
  EXPECT_TRUE(slurm_job_older("10_11", "10_[12-20]"));
  EXPECT_TRUE(slurm_job_older("10+0", "10+1"));
  EXPECT_TRUE(slurm_job_older("x", "1"));
  EXPECT_FALSE(slurm_job_older("1", "x"));
}

TEST(PendingReasonNeverClears, FlagsRequestsNothingCanSatisfy) {
  for (const std::string reason :
       {"PartitionConfig", "BadConstraints", "PartitionNodeLimit", "PartitionTimeLimit", "InvalidAccount",
        "InvalidQOS", "DependencyNeverSatisfied", "QOSMaxCpuPerJobLimit", "AssocMaxWallDurationPerJobLimit",
        "QOSMaxMemoryPerNode", "QOSMinCpuNotSatisfied", "ReservationDeleted"}) {
    EXPECT_TRUE(pending_reason_never_clears(reason)) << reason;
  }
}

TEST(PendingReasonNeverClears, LeavesReasonsThatClearByThemselves) {
  for (const std::string reason :
       {"None", "Priority", "Resources", "Dependency", "BeginTime", "JobHeldUser", "JobHeldAdmin",
        "ReqNodeNotAvail, UnavailableNodes:n1", "NodeDown", "PartitionDown", "QOSMaxJobsPerUserLimit",
        "QOSMaxSubmitJobPerUserLimit", "AssocGrpCpuLimit", "AssocMaxJobsLimit", "QOSGrpMemLimit", "Licenses",
        "JobArrayTaskLimit", ""}) {
    EXPECT_FALSE(pending_reason_never_clears(reason)) << reason;
  }
}

TEST(ParseScontrolConfig, ReadsTheVersionAccountingAndMinJobAge) {
  const auto config = parse_scontrol_config(slurm_fixture("scontrol-show-config.txt"));
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_EQ(config->version, "22.05.8");
  EXPECT_EQ(config->accounting_storage, "accounting_storage/none");
  EXPECT_FALSE(config->has_accounting());
  EXPECT_EQ(config->min_job_age_seconds, 300);
}

TEST(ParseScontrolConfig, TellsASiteWithAccounting) {
  const auto config = parse_scontrol_config(
      "SLURM_VERSION           = 23.02.7\nAccountingStorageType   = accounting_storage/slurmdbd\n"
      "MinJobAge               = 0 sec\n");
  ASSERT_TRUE(config.ok()) << config.error().message;
  EXPECT_TRUE(config->has_accounting());
  EXPECT_EQ(config->min_job_age_seconds, 0);
}

TEST(ParseScontrolConfig, RefusesTextWithoutAVersion) {
  const auto config = parse_scontrol_config("MinJobAge = 300 sec\n");
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.error().kind, ErrorKind::Parse);
}

TEST(ParseScontrolPartitions, ReadsNameDefaultAndState) {
  const auto partitions = parse_scontrol_partitions(slurm_fixture("scontrol-partitions.txt"));
  ASSERT_TRUE(partitions.ok()) << partitions.error().message;
  EXPECT_THAT(*partitions, ElementsAre(SlurmPartition{"debug", true, "UP"}));
  const auto two = parse_scontrol_partitions(
      "PartitionName=long Default=NO State=DOWN\n\nPartitionName=short Default=YES State=UP\n");
  ASSERT_TRUE(two.ok()) << two.error().message;
  EXPECT_THAT(*two, ElementsAre(SlurmPartition{"long", false, "DOWN"}, SlurmPartition{"short", true, "UP"}));
}

TEST(ParseScontrolPartitions, RefusesALineWithoutAName) {
  const auto partitions = parse_scontrol_partitions(slurm_fixture("scontrol-partition-unknown.txt"));
  ASSERT_FALSE(partitions.ok());
  EXPECT_THAT(partitions.error().message, HasSubstr("Partition nosuch not found"));
}

}  // namespace
}  // namespace traitctl::slurm_parse_tests

namespace traitctl::slurm_parse_tests {
namespace {

TEST(ParseScontrolJob, ReadsWhereItRanNotTheRequestedNodes) {
  EXPECT_EQ(scontrol("scontrol-completed.txt", "1").node_list, "vm");
  EXPECT_FALSE(
      parse_scontrol_job("JobId=3 JobState=PENDING ReqNodeList=(null) NodeList=(null)", "3")->node_list);
}

TEST(ParseSacctJob, ReadsTimesNodesAndCpuWhenAskedForThem) {
  const auto details = parse_sacct_job(
      "7|COMPLETED|0:0||2026-12-01T08:16:23|2026-12-01T08:18:00|node-3|01:02.500\n"
      "7.batch|COMPLETED|0:0|1.50M|2026-12-01T08:16:23|2026-12-01T08:18:00|node-3|01:02.500\n",
      "7");
  ASSERT_TRUE(details.ok() && *details);
  EXPECT_EQ((*details)->start_time, "2026-12-01T08:16:23");
  EXPECT_EQ((*details)->end_time, "2026-12-01T08:18:00");
  EXPECT_EQ((*details)->node_list, "node-3");
  EXPECT_EQ((*details)->cpu_seconds, 62.5);
  const auto pending = parse_sacct_job("9|PENDING|0:0||Unknown|Unknown|None assigned|00:00:00\n", "9");
  ASSERT_TRUE(pending.ok() && *pending);
  EXPECT_FALSE((*pending)->start_time);
  EXPECT_FALSE((*pending)->node_list);
  EXPECT_FALSE(parse_sacct_job("9|PENDING|0:0||Unknown\n", "9").ok());  // five fields
}

TEST(SlurmTime, ReadsLocalTimesAndNothingElse) {
  const auto time = slurm_time("2026-12-01T08:16:23");
  ASSERT_TRUE(time);
  const auto later = slurm_time("2026-12-01T08:18:00");
  ASSERT_TRUE(later);
  EXPECT_EQ(*later - *time, std::chrono::seconds{97});
  for (const char* bad : {"", "Unknown", "2026-12-01 08:16:23", "2026-12-01T08:16", "2026-12-01T08:16:23Z"}) {
    EXPECT_FALSE(slurm_time(bad)) << bad;
  }
}

TEST(SlurmCpuSeconds, ReadsTotalCpuForms) {
  EXPECT_EQ(slurm_cpu_seconds("00:01.234"), 1.234);
  EXPECT_EQ(slurm_cpu_seconds("01:02:03"), 3723.0);
  EXPECT_EQ(slurm_cpu_seconds("1-00:00:01"), 86'401.0);
  for (const char* bad : {"", "12", "a:b", "1:2:3:4", "-1:00"}) {
    EXPECT_FALSE(slurm_cpu_seconds(bad)) << bad;
  }
}

TEST(ParseSinfoNodes, EachNodeOnceInOrder) {
  EXPECT_EQ(parse_sinfo_nodes("node-2\nnode-1\nnode-2\n\n"), (std::vector<std::string>{"node-2", "node-1"}));
  EXPECT_TRUE(parse_sinfo_nodes("").empty());
}

}  // namespace
}  // namespace traitctl::slurm_parse_tests
