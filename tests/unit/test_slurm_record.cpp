// The Slurm backend's record: merges that never lose a job or an end, and
// the file several traitctl processes share.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_folder.hpp"
#include "traitctl/adapters/slurm_record.hpp"

namespace traitctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

SlurmRecordedJob job(std::string id, std::string name, std::string state) {
  return SlurmRecordedJob{std::move(id), std::move(name), 0, "", std::move(state), "", false};
}

std::vector<std::string> ids(const SlurmRecord& record) {
  std::vector<std::string> found;
  for (const auto& recorded : record.jobs) {
    found.push_back(recorded.id);
  }
  return found;
}

TEST(MergeSlurmRecords, KeepsEveryJobOfEitherOldestFirst) {
  const SlurmRecord theirs{{"job.sh"}, {job("9", "b-1", "RUNNING"), job("12", "b-2", "PENDING")}};
  const SlurmRecord mine{{}, {job("10", "b-3", "PENDING"), job("100", "b-1", "PENDING")}};
  const SlurmRecord merged = merge_slurm_records(theirs, mine);
  EXPECT_THAT(ids(merged), ElementsAre("9", "10", "12", "100"));
  EXPECT_THAT(merged.command, ElementsAre("job.sh"));  // mine has none
}

TEST(MergeSlurmRecords, AnEndIsNeverReplacedByAnOlderActiveSighting) {
  const SlurmRecord theirs{{}, {job("9", "b-1", "COMPLETED")}};
  EXPECT_EQ(merge_slurm_records(theirs, SlurmRecord{{}, {job("9", "b-1", "RUNNING")}}).jobs.at(0).state,
            "COMPLETED");
  // A later sighting wins otherwise, an end over an end included.
  EXPECT_EQ(merge_slurm_records(theirs, SlurmRecord{{}, {job("9", "b-1", "FAILED")}}).jobs.at(0).state,
            "FAILED");
  const SlurmRecord running{{}, {job("9", "b-1", "PENDING")}};
  EXPECT_EQ(merge_slurm_records(running, SlurmRecord{{}, {job("9", "b-1", "RUNNING")}}).jobs.at(0).state,
            "RUNNING");
  // Mine without a state keeps theirs.
  EXPECT_EQ(merge_slurm_records(running, SlurmRecord{{}, {job("9", "b-1", "")}}).jobs.at(0).state, "PENDING");
}

TEST(MergeSlurmRecords, KeepsAttemptLogCommandAndRemovalFromEither) {
  SlurmRecordedJob submitted = job("9", "b-1", "");
  submitted.attempt = 2;
  submitted.log = "/s/logs/b-1.attempt-2.log";
  SlurmRecordedJob removed = job("9", "b-1", "COMPLETED");
  removed.removed = true;
  const SlurmRecord merged =
      merge_slurm_records(SlurmRecord{{"old.sh"}, {submitted}}, SlurmRecord{{"new.sh", "x"}, {removed}});
  ASSERT_EQ(merged.jobs.size(), 1U);
  EXPECT_EQ(merged.jobs[0].attempt, 2);
  EXPECT_EQ(merged.jobs[0].log, "/s/logs/b-1.attempt-2.log");
  EXPECT_TRUE(merged.jobs[0].removed);
  EXPECT_EQ(merged.jobs[0].state, "COMPLETED");
  EXPECT_THAT(merged.command, ElementsAre("new.sh", "x"));
  EXPECT_TRUE(merge_slurm_records(SlurmRecord{{}, {removed}}, SlurmRecord{{}, {submitted}}).jobs[0].removed);
}

TEST(MergeSlurmRecords, AnIdReusedUnderAnotherNameIsMine) {
  // A controller started afresh numbers its jobs from 1 again.
  const SlurmRecord merged = merge_slurm_records(SlurmRecord{{}, {job("3", "b-1", "COMPLETED")}},
                                                 SlurmRecord{{}, {job("3", "b-7", "RUNNING")}});
  ASSERT_EQ(merged.jobs.size(), 1U);
  EXPECT_EQ(merged.jobs[0].name, "b-7");
  EXPECT_EQ(merged.jobs[0].state, "RUNNING");
}

TEST(SlurmRecordFile, IsEmptyUntilWrittenAndMergesWhatOthersWrote) {
  const testing::TempFolder state;
  auto file = SlurmRecordFile::open(state.path(), "lab", "b");
  ASSERT_TRUE(file.ok()) << file.error().message;
  EXPECT_EQ(file->path(), state.path() / "slurm" / "lab" / "b.jobs.json");
  EXPECT_FALSE(file->exists());
  auto empty = file->read();
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->jobs.empty());

  const CancelToken cancel;
  ASSERT_TRUE(file->merge_in(SlurmRecord{{"job.sh"}, {job("9", "b-1", "RUNNING")}}, cancel).ok());
  // Another process, which never saw job 9.
  auto merged = file->merge_in(SlurmRecord{{}, {job("10", "b-2", "PENDING")}}, cancel);
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  EXPECT_THAT(ids(*merged), ElementsAre("9", "10"));
  auto reread = file->read();
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  EXPECT_EQ(*reread, *merged);
}

TEST(SlurmRecordFile, ACorruptFileSaysWhatToDo) {
  const testing::TempFolder state;
  auto file = SlurmRecordFile::open(state.path(), "lab", "b");
  ASSERT_TRUE(file.ok());
  std::filesystem::create_directories(file->path().parent_path());
  std::ofstream(file->path()) << "{not json";
  const auto read = file->read();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, ErrorKind::Parse);
  EXPECT_THAT(read.error().message, HasSubstr("move it aside"));
}

TEST(SlurmRecordFile, RefusesNamesThatClimbOut) {
  const testing::TempFolder state;
  EXPECT_EQ(SlurmRecordFile::open(state.path(), "../x", "b").error().kind, ErrorKind::Config);
  EXPECT_EQ(SlurmRecordFile::open(state.path(), "lab", "a/b").error().kind, ErrorKind::Config);
}

}  // namespace
}  // namespace traitctl
