// The Slurm backend's record: merges that never lose a job or an end, and
// the rows of the batch database several traitctl processes share.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_folder.hpp"
#include "traitctl/adapters/slurm_record.hpp"
#include "traitctl/adapters/sqlite.hpp"

namespace traitctl::slurm_record_tests {
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

SlurmRecordStore store(const std::filesystem::path& state, bool writable = true) {
  auto opened = SlurmRecordStore::open(state, "lab", "b", writable);
  EXPECT_TRUE(opened.ok()) << opened.error().message;
  return std::move(*opened);
}

// The stored state of one job, read past the store.
std::string stored_state(const std::filesystem::path& database, const std::string& id) {
  auto db = sqlite::Database::open(database, sqlite::Access::ReadOnly);
  EXPECT_TRUE(db.ok()) << db.error().message;
  auto row = sqlite::Statement::prepare(*db, "SELECT state FROM slurm_jobs WHERE id = ?");
  EXPECT_TRUE(row.ok());
  row->bind(1, id);
  const auto found = row->step();
  return found.ok() && *found ? row->text(0).value_or("") : "(none)";
}

TEST(SlurmRecordStore, IsEmptyUntilWrittenAndMergesWhatOthersWrote) {
  const testing::TempFolder state;
  auto mine = store(state.path());
  EXPECT_EQ(mine.path(), state.path() / "lab" / "b.db");
  EXPECT_FALSE(mine.exists().value());
  auto empty = mine.read();
  ASSERT_TRUE(empty.ok()) << empty.error().message;
  EXPECT_TRUE(empty->jobs.empty());
  EXPECT_FALSE(std::filesystem::exists(mine.path())) << "reading creates nothing";

  ASSERT_TRUE(mine.merge_in(SlurmRecord{{"job.sh", "--fast"}, {job("9", "b-1", "RUNNING")}}).ok());
  EXPECT_TRUE(mine.exists().value());
  // Another process, which never saw job 9, and which saw job 9 end first.
  auto theirs = store(state.path());
  auto merged = theirs.merge_in(SlurmRecord{{}, {job("10", "b-2", "PENDING"), job("9", "b-1", "COMPLETED")}});
  ASSERT_TRUE(merged.ok()) << merged.error().message;
  // A slower sighting of job 9 running does not undo its end.
  auto slower = mine.merge_in(SlurmRecord{{}, {job("9", "b-1", "RUNNING")}});
  ASSERT_TRUE(slower.ok()) << slower.error().message;
  EXPECT_EQ(slower->jobs.at(0).state, "COMPLETED");

  auto reader = store(state.path(), false);
  auto reread = reader.read();
  ASSERT_TRUE(reread.ok()) << reread.error().message;
  EXPECT_THAT(ids(*reread), ElementsAre("9", "10"));
  EXPECT_THAT(reread->command, ElementsAre("job.sh", "--fast"));
  EXPECT_EQ(reread->jobs.at(0).state, "COMPLETED");
}

TEST(SlurmRecordStore, AMergeWritesOnlyTheRowsOfItsJobs) {
  const testing::TempFolder state;
  auto mine = store(state.path());
  ASSERT_TRUE(mine.merge_in(SlurmRecord{{"job.sh"}, {job("9", "b-1", "RUNNING"), job("10", "b-2", "RUNNING")}}).ok());
  // A mark on job 10's row that a rewrite of the whole record would undo.
  {
    auto db = sqlite::Database::open(mine.path(), sqlite::Access::ReadWriteCreate);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->execute("UPDATE slurm_jobs SET state = 'MARKED' WHERE id = '10'").ok());
  }
  ASSERT_TRUE(mine.merge_in(SlurmRecord{{}, {job("9", "b-1", "COMPLETED")}}).ok());
  EXPECT_EQ(stored_state(mine.path(), "9"), "COMPLETED");
  EXPECT_EQ(stored_state(mine.path(), "10"), "MARKED");
  EXPECT_THAT(mine.read()->command, ElementsAre("job.sh"));  // mine had none: kept
}

TEST(SlurmRecordStore, ImportsTheJsonRecordOfAnEarlierTraitctlOnce) {
  const testing::TempFolder state;
  auto mine = store(state.path());
  std::filesystem::create_directories(mine.legacy_path().parent_path());
  std::ofstream(mine.legacy_path()) << R"({"version": 1, "project": "lab", "prefix": "b", "command": ["old.sh"],
    "jobs": [{"id": "7", "name": "b-1", "attempt": 1, "log": "/l/b-1.attempt-1.log", "state": "COMPLETED",
              "reason": "", "removed": false},
             {"id": "8", "name": "b-2", "attempt": 1, "log": "", "state": "RUNNING", "reason": "", "removed": false}]})";
  // Readers read it as it is, and change nothing.
  auto before = store(state.path(), false).read();
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_THAT(ids(*before), ElementsAre("7", "8"));
  EXPECT_FALSE(std::filesystem::exists(mine.path()));

  // The first merge imports it beneath its own jobs, in one transaction.
  ASSERT_TRUE(mine.merge_in(SlurmRecord{{}, {job("8", "b-2", "FAILED"), job("12", "b-3", "PENDING")}}).ok());
  EXPECT_FALSE(std::filesystem::exists(mine.legacy_path()));
  auto kept = mine.legacy_path();
  kept += ".imported";
  EXPECT_TRUE(std::filesystem::exists(kept));
  auto after = store(state.path(), false).read();
  ASSERT_TRUE(after.ok()) << after.error().message;
  EXPECT_THAT(ids(*after), ElementsAre("7", "8", "12"));
  EXPECT_EQ(after->jobs.at(0).log, "/l/b-1.attempt-1.log");
  EXPECT_EQ(after->jobs.at(1).state, "FAILED");
  EXPECT_THAT(after->command, ElementsAre("old.sh"));
}

TEST(SlurmRecordStore, AnUnreadableJsonRecordSaysWhatToDo) {
  const testing::TempFolder state;
  auto mine = store(state.path());
  std::filesystem::create_directories(mine.legacy_path().parent_path());
  std::ofstream(mine.legacy_path()) << "{not json";
  const auto read = mine.read();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().kind, ErrorKind::Parse);
  EXPECT_THAT(read.error().message, HasSubstr("move it aside"));
  EXPECT_FALSE(mine.merge_in(SlurmRecord{{}, {job("9", "b-1", "RUNNING")}}).ok());
  EXPECT_TRUE(std::filesystem::exists(mine.legacy_path()));
}

TEST(SlurmRecordStore, RefusesNamesThatClimbOut) {
  const testing::TempFolder state;
  EXPECT_EQ(SlurmRecordStore::open(state.path(), "../x", "b", true).error().kind, ErrorKind::Config);
  EXPECT_EQ(SlurmRecordStore::open(state.path(), "lab", "a/b", true).error().kind, ErrorKind::Config);
}

}  // namespace
}  // namespace traitctl::slurm_record_tests
