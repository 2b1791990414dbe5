// The local backend's record in the batch database: rows that round-trip,
// writes of only the rows that changed, and the one import of the jobs.json
// an earlier traitctl kept.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <fstream>

#include "support/temp_folder.hpp"
#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/local_record.hpp"
#include "traitctl/adapters/sqlite.hpp"

namespace traitctl::local_record_tests {
namespace {

namespace fs = std::filesystem;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

TimePoint at_ms(std::int64_t ms) { return TimePoint{std::chrono::milliseconds{ms}}; }

LocalJob finished(std::string name, int trait, int exit_code) {
  LocalJob job;
  job.name = std::move(name);
  job.trait = trait;
  job.attempt = 2;
  job.pid = 4242;
  job.pid_start = "123456";
  job.started_at = at_ms(1'700'000'000'250);
  job.finished_at = at_ms(1'700'000'003'500);
  job.exit_code = exit_code;
  job.term_signal = exit_code > 128 ? exit_code - 128 : 0;
  job.end = JobEnd::Exited;
  job.peak_memory_bytes = 3'221'225'472;
  job.cpu_seconds = 12.5;
  return job;
}

std::vector<std::string> names(const std::vector<LocalJob>& jobs) {
  std::vector<std::string> found;
  for (const LocalJob& job : jobs) {
    found.push_back(job.name);
  }
  return found;
}

// A column of a row, read past the store.
std::string stored(const fs::path& database, const std::string& column, const std::string& name) {
  auto db = sqlite::Database::open(database, sqlite::Access::ReadOnly);
  EXPECT_TRUE(db.ok()) << db.error().message;
  auto row = sqlite::Statement::prepare(*db, "SELECT " + column + " FROM local_jobs WHERE name = ?");
  EXPECT_TRUE(row.ok()) << row.error().message;
  row->bind(1, name);
  const auto found = row->step();
  return found.ok() && *found ? row->text(0).value_or("NULL") : "(no row)";
}

TEST(LocalRecordStore, ReadsNothingAndCreatesNothingBeforeTheFirstWrite) {
  const testing::TempFolder state;
  LocalRecordStore store(state.path(), "lab", "t", true);
  auto record = store.read();
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_TRUE(record->jobs.empty());
  EXPECT_EQ(record->owner_pid, -1);
  EXPECT_FALSE(fs::exists(store.path()));
  EXPECT_FALSE(has_local_record(state.path(), "lab", "t"));
}

TEST(LocalRecordStore, AJobRoundTripsWithEveryField) {
  const testing::TempFolder state;
  LocalRecordStore store(state.path(), "lab", "t", true);
  LocalJob job = finished("t-2", 2, 137);
  job.end = JobEnd::TimedOut;
  LocalJob running;
  running.name = "t-3";
  running.trait = 3;
  running.pid = 99;
  running.started_at = at_ms(1'700'000'001'000);
  ASSERT_TRUE(store.write({}, {}, {&job, &running}).ok());
  EXPECT_GT(job.row, 0);
  EXPECT_GT(running.row, job.row);
  EXPECT_EQ(store.path(), state.path() / "lab" / "t.db");

  LocalRecordStore reader(state.path(), "lab", "t", false);
  auto record = reader.read();
  ASSERT_TRUE(record.ok()) << record.error().message;
  EXPECT_EQ(record->owner_pid, ::getpid());
  ASSERT_THAT(names(record->jobs), ElementsAre("t-2", "t-3"));
  const LocalJob& read = record->jobs[0];
  EXPECT_EQ(read.row, job.row);
  EXPECT_EQ(read.trait, 2);
  EXPECT_EQ(read.attempt, 2);
  EXPECT_EQ(read.pid, 4242);
  EXPECT_EQ(read.pid_start, "123456");
  EXPECT_EQ(read.started_at, job.started_at);
  EXPECT_EQ(read.finished_at, job.finished_at);
  EXPECT_EQ(read.exit_code, 137);
  EXPECT_EQ(read.term_signal, 9);
  EXPECT_EQ(read.end, JobEnd::TimedOut);
  EXPECT_EQ(read.peak_memory_bytes, 3'221'225'472);
  EXPECT_EQ(read.cpu_seconds, 12.5);
  const LocalJob& still = record->jobs[1];
  EXPECT_FALSE(still.end);
  EXPECT_FALSE(still.finished_at);
  EXPECT_FALSE(still.exit_code);
  EXPECT_FALSE(still.peak_memory_bytes);
  EXPECT_EQ(still.status(), "Running");
  EXPECT_TRUE(has_local_record(state.path(), "lab", "t"));
}

TEST(LocalRecordStore, AChangeRewritesOnlyItsOwnRow) {
  const testing::TempFolder state;
  LocalRecordStore store(state.path(), "lab", "t", true);
  LocalJob first = finished("t-2", 2, 0);
  LocalJob second = finished("t-3", 3, 0);
  second.end.reset();
  ASSERT_TRUE(store.write({}, {}, {&first, &second}).ok());
  // A mark on t-2's row that a rewrite of the whole record would undo.
  {
    auto db = sqlite::Database::open(store.path(), sqlite::Access::ReadWriteCreate);
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->execute("UPDATE local_jobs SET pid_start = 'MARK' WHERE name = 't-2'").ok());
  }
  second.end = JobEnd::Exited;
  second.exit_code = 3;
  ASSERT_TRUE(store.write({&second}, {}, {}).ok());
  EXPECT_EQ(stored(store.path(), "pid_start", "t-2"), "MARK");
  EXPECT_EQ(stored(store.path(), "exit_code", "t-3"), "3");
  EXPECT_EQ(stored(store.path(), "end", "t-3"), "exited");

  ASSERT_TRUE(store.write({}, {first.row}, {}).ok());
  EXPECT_EQ(stored(store.path(), "name", "t-2"), "(no row)");
  EXPECT_EQ(stored(store.path(), "name", "t-3"), "t-3");
}

class LegacyImport : public ::testing::Test {
 protected:
  // A jobs.json as the traitctl before the database wrote it, for project
  // lab: jobs of batch t, and one of batch x when `shared`.
  void write_legacy(bool shared) const {
    const fs::path path = legacy_local_record_path(state_.path(), "lab");
    fs::create_directories(path.parent_path());
    std::ofstream(path) << R"({"version": 1, "project": "lab", "owner": {"pid": 1, "pid_start": "nope"},
      "jobs": [
        {"name": "t-2", "trait": 2, "attempt": 1, "pid": 2147483000, "pid_start": "1", "status": "Completed",
         "started_at_ms": 1700000000250, "finished_at_ms": 1700000001250, "exit_code": 0, "end": "exited"},
        {"name": "t-3", "trait": 3, "attempt": 2, "pid": 2147483001, "pid_start": "1", "status": "Failed",
         "started_at_ms": 1700000000300, "finished_at_ms": 1700000001300, "exit_code": 2, "end": "exited"})"
                        << (shared ? R"(,
        {"name": "x-5", "trait": 5, "attempt": 1, "pid": 2147483002, "pid_start": "1", "status": "Completed",
         "started_at_ms": 1700000000400, "finished_at_ms": 1700000001400, "exit_code": 0, "end": "exited"})"
                                   : "")
                        << "]}\n";
  }

  const testing::TempFolder state_;
};

TEST_F(LegacyImport, ReadersReadTheOldFileAndChangeNothing) {
  write_legacy(true);
  EXPECT_TRUE(has_local_record(state_.path(), "lab", "t"));
  auto jobs = load_recorded_state(state_.path(), "lab", "t");
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_THAT(names(*jobs), ElementsAre("t-2", "t-3"));  // only this batch's
  EXPECT_EQ(jobs->at(1).exit_code, 2);
  EXPECT_FALSE(fs::exists(state_.path() / "lab" / "t.db"));
  EXPECT_TRUE(fs::exists(legacy_local_record_path(state_.path(), "lab")));
}

TEST_F(LegacyImport, TheFirstWriteImportsTheBatchsJobsOnceAndSetsTheFileAside) {
  write_legacy(false);
  LocalRecordStore store(state_.path(), "lab", "t", true);
  auto record = store.read();
  ASSERT_TRUE(record.ok()) << record.error().message;
  ASSERT_EQ(record->jobs.size(), 2U);
  EXPECT_EQ(record->jobs[0].row, 0) << "not in the database yet";
  LocalJob added = finished("t-4", 4, 0);
  std::vector<LocalJob*> rows{&record->jobs[0], &record->jobs[1], &added};
  ASSERT_TRUE(store.write({}, {}, rows).ok());

  const fs::path legacy = legacy_local_record_path(state_.path(), "lab");
  EXPECT_FALSE(fs::exists(legacy));
  EXPECT_TRUE(fs::exists(legacy.string() + ".imported"));
  auto jobs = load_recorded_state(state_.path(), "lab", "t");
  ASSERT_TRUE(jobs.ok()) << jobs.error().message;
  EXPECT_THAT(names(*jobs), ElementsAre("t-2", "t-3", "t-4"));
  EXPECT_EQ(jobs->at(0).finished_at, at_ms(1'700'000'001'250));
  const auto journal = read_journal(state_.path(), "lab", "t");
  ASSERT_TRUE(journal.ok());
  ASSERT_EQ(journal->size(), 1U);
  EXPECT_EQ(journal->front().event.event, "local-record-imported");

  // Imported once: a second owner reads the database, not a file.
  LocalRecordStore next(state_.path(), "lab", "t", true);
  EXPECT_EQ(next.read()->jobs.at(0).row, jobs->at(0).row);
}

TEST_F(LegacyImport, AFileWithOtherBatchesJobsIsKeptForThem) {
  write_legacy(true);
  LocalRecordStore store(state_.path(), "lab", "t", true);
  auto record = store.read();
  ASSERT_TRUE(record.ok());
  std::vector<LocalJob*> rows;
  for (LocalJob& job : record->jobs) {
    rows.push_back(&job);
  }
  ASSERT_TRUE(store.write({}, {}, rows).ok());
  EXPECT_TRUE(fs::exists(legacy_local_record_path(state_.path(), "lab")));
  EXPECT_THAT(names(*load_recorded_state(state_.path(), "lab", "t")), ElementsAre("t-2", "t-3"));
  EXPECT_THAT(names(*load_recorded_state(state_.path(), "lab", "x")), ElementsAre("x-5"));
}

TEST_F(LegacyImport, AnOldFileThatCannotBeReadSaysWhatToDo) {
  const fs::path path = legacy_local_record_path(state_.path(), "lab");
  fs::create_directories(path.parent_path());
  std::ofstream(path) << "{not json";
  const auto jobs = load_recorded_state(state_.path(), "lab", "t");
  ASSERT_FALSE(jobs.ok());
  EXPECT_EQ(jobs.error().kind, ErrorKind::Parse);
  EXPECT_THAT(jobs.error().message, HasSubstr("move it aside"));
}

}  // namespace
}  // namespace traitctl::local_record_tests
