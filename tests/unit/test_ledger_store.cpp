// The batch database as the ledger's store: every field round trips, a save
// writes only what changed in one transaction, readers see whole cycles,
// and a file that cannot be used is refused and left as it was.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "support/batch_folder.hpp"
#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl::ledger_store_tests {
namespace {

namespace fs = std::filesystem;
using std::chrono::hours;
using std::chrono::milliseconds;

class LedgerStoreTest : public testing::BatchFolderTest {
 protected:
  [[nodiscard]] Ledger empty() const { return Ledger{"team-a", "gwas", std::nullopt, {}, std::nullopt, std::nullopt}; }

  // A connection of its own, like another process's.
  [[nodiscard]] sqlite::Database connect() const {
    auto db = sqlite::Database::open(store_->database_path(), sqlite::Access::ReadWriteCreate);
    EXPECT_TRUE(db.ok()) << db.error().message;
    return std::move(*db);
  }

  // The files of the batch's folder, by name.
  [[nodiscard]] std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_ / "team-a")) {
      names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }
};

// Every field of the ledger set to something other than its default.
Ledger full_ledger() {
  Ledger ledger{"team-a", "gwas", TimePoint{hours{480000}}, {}, std::nullopt, 2};
  TraitRecord& record = ledger.traits[7];
  record.automatic_retries = 1;
  record.oom_retries = 2;
  record.incomplete_retries = 3;
  record.manual_resubmissions = 4;
  record.failure_first_seen = TimePoint{hours{480001} + milliseconds{250}};
  record.last_failure = FailureClass::Oom;
  PendingIntent& pending = record.pending.emplace();
  pending.kind = IntentKind::Manual;
  pending.attempt = 11;
  pending.recorded_at = TimePoint{hours{480002}};
  pending.forced = true;
  pending.replaces_id = "job-17";
  pending.old_job_gone = true;
  pending.submit_sent = true;
  record.out_of_retries = true;
  record.job_id = "12345";
  AttemptRecord attempt;
  attempt.number = 10;
  attempt.job_id = "12344";
  attempt.cpu = "2";
  attempt.memory = "64G";
  attempt.submitted_at = TimePoint{hours{480000}};
  attempt.ended_at = TimePoint{hours{480001}};
  attempt.end = AttemptEnd::Failed;
  attempt.failure = FailureClass::Oom;
  attempt.exit_code = 137;
  attempt.evidence = "exit code 137 (OOMKilled)";
  attempt.started_at = TimePoint{hours{480000} + milliseconds{5}};
  attempt.node = "node-3";
  attempt.peak_memory_bytes = std::int64_t{68719476736};
  attempt.cpu_seconds = 1234.5;
  record.attempts = {attempt};
  ledger.traits[8].attempts.emplace_back().number = 1;  // a bare attempt: every optional unset
  CapState cap;
  cap.maximum = 50;
  cap.adaptive_limit = 20;
  cap.recent = {true, false};
  cap.healthy_streak = 3;
  cap.lowered_at = TimePoint{hours{480001}};
  cap.changed_at = TimePoint{hours{480002}};
  cap.last_request = CapRequest{50, true, TimePoint{hours{480000}}, 4242};
  ledger.cap = cap;
  return ledger;
}

// journal_mode=PERSIST keeps the journal file: only a header marks a transaction.
TEST_F(LedgerStoreTest, OnlyAJournalWithAHeaderIsLive) {
  const fs::path database = dir_ / "j.db";
  EXPECT_FALSE(has_live_journal(database)) << "no journal";
  std::ofstream(database.string() + "-journal", std::ios::binary) << std::string(512, '\0');
  EXPECT_FALSE(has_live_journal(database)) << "a committed journal: its header zeroed";
  std::ofstream(database.string() + "-journal", std::ios::binary) << "\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" << std::string(504, '\0');
  EXPECT_TRUE(has_live_journal(database)) << "SQLite's journal magic";
}

TEST_F(LedgerStoreTest, Paths) {
  EXPECT_EQ(store_->database_path(), dir_ / "team-a" / "gwas.db");
  EXPECT_EQ(store_->lock_path(), dir_ / "team-a" / "gwas.lock");
  EXPECT_EQ(store_->legacy_ledger_path(), dir_ / "team-a" / "gwas.ledger.json");
  EXPECT_EQ(store_->legacy_cap_path(), dir_ / "team-a" / "gwas.cap.json");
}

TEST_F(LedgerStoreTest, NoDatabaseIsAnEmptyLedger) {
  auto ledger = store_->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(*ledger, empty());
  EXPECT_FALSE(fs::exists(dir_ / "team-a")) << "load must not create anything";
}

TEST_F(LedgerStoreTest, EveryFieldRoundTrips) {
  const Ledger ledger = full_ledger();
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  auto other = LedgerStore::open(dir_, "team-a", "gwas");  // a reader, read-only
  auto loaded = other->load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, ledger);
  EXPECT_EQ(files(), (std::vector<std::string>{"gwas.db", "gwas.db-journal"})) << "no temporary file left";
  EXPECT_FALSE(has_live_journal(store_->database_path())) << "every transaction committed";
}

TEST_F(LedgerStoreTest, ASaveWritesOnlyTheRowsThatChanged) {
  Ledger ledger = empty();
  for (int trait = 1; trait <= 100; ++trait) {
    attempt_record(ledger.traits[trait], 1).job_id = std::to_string(trait);
  }
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  sqlite::Database* db = store_->writer();
  ASSERT_NE(db, nullptr);

  const auto changes = [&](const Ledger& next, const std::set<int>& touched) {
    const std::int64_t before = db->total_changes();
    EXPECT_TRUE(store_->save(next, touched).ok());
    return db->total_changes() - before;
  };
  EXPECT_EQ(changes(ledger, every_trait(ledger)), 0) << "nothing changed";
  ledger.traits[5].automatic_retries = 1;
  EXPECT_EQ(changes(ledger, {4, 5}), 1) << "one trait row";
  attempt_record(ledger.traits[6], 1).end = AttemptEnd::Succeeded;
  EXPECT_EQ(changes(ledger, {6}), 1) << "one attempt row";
  attempt_record(ledger.traits[6], 2).job_id = "106";
  ledger.traits[6].automatic_retries = 1;
  EXPECT_EQ(changes(ledger, {6}), 2) << "a trait row and a new attempt row";
  ledger.learned_memory_tier = 1;
  EXPECT_EQ(changes(ledger, {}), 1) << "the batch row";

  auto loaded = LedgerStore::open(dir_, "team-a", "gwas")->load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, ledger);
}

TEST_F(LedgerStoreTest, AFailedSaveLeavesThePreviousStateAndIsRetriedWhole) {
  Ledger ledger = empty();
  ledger.traits[1].automatic_retries = 1;
  ledger.traits[9].automatic_retries = 1;
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  const Ledger saved = ledger;
  {
    auto db = connect();
    ASSERT_TRUE(db.execute_script("CREATE TRIGGER refuse BEFORE INSERT ON traits WHEN NEW.trait = 9 "
                                  "BEGIN SELECT RAISE(ABORT, 'refused by the test'); END")
                    .ok());
  }
  ledger.traits[1].automatic_retries = 2;
  ledger.traits[9].automatic_retries = 2;
  auto failed = store_->save(ledger, every_trait(ledger));
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.error().message.find(store_->database_path().string()), std::string::npos)
      << failed.error().message;
  EXPECT_NE(failed.error().message.find("refused by the test"), std::string::npos) << failed.error().message;
  EXPECT_EQ(*LedgerStore::open(dir_, "team-a", "gwas")->load(), saved) << "trait 1's change rolled back too";

  ASSERT_TRUE(connect().execute_script("DROP TRIGGER refuse").ok());
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  EXPECT_EQ(*LedgerStore::open(dir_, "team-a", "gwas")->load(), ledger) << "both changes written by the retry";
}

TEST_F(LedgerStoreTest, AReaderDuringAWritersTransactionSeesThePreviousCycle) {
  Ledger ledger = empty();
  ledger.traits[3].automatic_retries = 1;
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  auto writer = connect();
  auto transaction = sqlite::Transaction::begin(writer, sqlite::Transaction::Mode::Write);
  ASSERT_TRUE(transaction.ok()) << transaction.error().message;
  ASSERT_TRUE(writer.execute("UPDATE traits SET automatic_retries = 2 WHERE trait = 3").ok());
  ASSERT_TRUE(writer.execute("INSERT INTO traits (trait) VALUES (4)").ok());

  auto reader = LedgerStore::open(dir_, "team-a", "gwas");
  auto seen = reader->load();
  ASSERT_TRUE(seen.ok()) << seen.error().message;
  EXPECT_EQ(*seen, ledger) << "half a cycle is never seen";
  ASSERT_TRUE(transaction->commit().ok());
  EXPECT_EQ(reader->load()->traits.at(3).automatic_retries, 2);
  EXPECT_TRUE(reader->load()->traits.contains(4));
}

TEST_F(LedgerStoreTest, TwoProcessesOnOneBatch) {
  // The running loop saves its cycles while another process adds cap
  // requests (traitctl cap) and reads (traitctl status): nothing is lost.
  // Neither has the database open before the fork (SQLite's rule), so both
  // race to create it too.
  constexpr int rounds = 30;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto other = LedgerStore::open(dir_, "team-a", "gwas");
    bool ok = other.ok();
    for (int round = 1; ok && round <= rounds; ++round) {
      ok = write_cap_request(*other, CapRequest{round, false, TimePoint{hours{round}}, 1}).ok() &&
           LedgerStore::open(dir_, "team-a", "gwas")->load().ok();
    }
    ::_exit(ok ? 0 : 1);
  }
  Ledger ledger = empty();
  for (int round = 1; round <= rounds; ++round) {
    ledger.traits[round].automatic_retries = 1;
    auto saved = store_->save(ledger, every_trait(ledger));
    EXPECT_TRUE(saved.ok()) << saved.error().message;
    EXPECT_TRUE(read_cap_request(*store_).ok());
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "the other process failed";
  EXPECT_EQ(*LedgerStore::open(dir_, "team-a", "gwas")->load(), ledger);
  EXPECT_EQ((*read_cap_request(*store_))->max_concurrent, rounds);
}

// What every opener must do with a file that cannot be used: a Parse error
// naming it and the fix, and the file byte for byte as it was, no journal.
void expect_refused(const LedgerStore& store, const std::string& expected_text) {
  const auto check = [&](const Error& error, std::string_view who) {
    EXPECT_EQ(error.kind, ErrorKind::Parse) << who << ": " << error.message;
    EXPECT_EQ(error.message.rfind(store.database_path().string() + ": ", 0), 0) << who << ": " << error.message;
    EXPECT_EQ(error.message.find('\n'), std::string::npos) << who << ": one line";
    EXPECT_NE(error.message.find("left untouched"), std::string::npos) << who << ": " << error.message;
  };
  auto fresh = LedgerStore::open(store.database_path().parent_path().parent_path(), "team-a", "gwas");
  auto loaded = fresh->load();
  ASSERT_FALSE(loaded.ok());
  check(loaded.error(), "load");
  auto opened = fresh->open_for_writing();
  ASSERT_FALSE(opened.ok());
  check(opened.error(), "open_for_writing");
  auto saved = fresh->save(Ledger{"team-a", "gwas", std::nullopt, {}, std::nullopt, std::nullopt}, {});
  ASSERT_FALSE(saved.ok());
  check(saved.error(), "save");
  auto cap = read_cap_request(*fresh);
  ASSERT_FALSE(cap.ok());
  check(cap.error(), "read_cap_request");
  EXPECT_EQ(*read_file_contents(store.database_path()), expected_text) << "byte for byte";
  EXPECT_FALSE(has_live_journal(store.database_path()));
}

TEST_F(LedgerStoreTest, AFileThatIsNotADatabaseIsRefused) {
  const std::string text = "{\"version\": 2, \"this is\": \"not a database\"}\n";
  write_raw(store_->database_path(), text);
  expect_refused(*store_, text);
}

TEST_F(LedgerStoreTest, ATruncatedDatabaseIsRefused) {
  Ledger ledger = empty();
  for (int trait = 1; trait <= 300; ++trait) {
    attempt_record(ledger.traits[trait], 1).evidence = std::string(200, 'x');
  }
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  std::string text = *read_file_contents(store_->database_path());
  ASSERT_GT(text.size(), 8192U);
  for (const std::size_t size : {text.size() / 2, std::size_t{0}}) {
    text.resize(size);
    write_raw(store_->database_path(), text);
    expect_refused(*store_, text);
  }
}

TEST_F(LedgerStoreTest, ADatabaseFailingQuickCheckIsRefused) {
  Ledger ledger = empty();
  for (int trait = 1; trait <= 300; ++trait) {
    attempt_record(ledger.traits[trait], 1).evidence = std::string(200, 'x');
  }
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  std::string text = *read_file_contents(store_->database_path());
  const std::size_t page = 4096;
  ASSERT_GT(text.size(), 6 * page);
  for (std::size_t at = 4 * page; at < 4 * page + 64; ++at) {
    text[at] = '\x7f';  // a b-tree page's header overwritten
  }
  write_raw(store_->database_path(), text);
  expect_refused(*store_, text);
}

TEST_F(LedgerStoreTest, ANewerSchemaIsRefused) {
  ASSERT_TRUE(store_->save(empty(), every_trait(empty())).ok());
  ASSERT_TRUE(connect().execute_script(fmt::format("PRAGMA user_version = {}", batch_schema_version + 1)).ok());
  const std::string text = *read_file_contents(store_->database_path());
  auto fresh = LedgerStore::open(dir_, "team-a", "gwas");
  for (const auto& error : {fresh->load().error(), fresh->open_for_writing().error()}) {
    EXPECT_EQ(error.kind, ErrorKind::Parse);
    EXPECT_NE(error.message.find("newer"), std::string::npos) << error.message;
    EXPECT_NE(error.message.find(store_->database_path().string()), std::string::npos) << error.message;
  }
  EXPECT_EQ(*read_file_contents(store_->database_path()), text);
}

TEST_F(LedgerStoreTest, AnotherBatchsDatabaseIsRefused) {
  auto other = LedgerStore::open(dir_, "team-b", "gwas");
  ASSERT_TRUE(other->save(Ledger{"team-b", "gwas", std::nullopt, {}, std::nullopt, std::nullopt}, {}).ok());
  fs::create_directories(dir_ / "team-a");
  fs::copy_file(other->database_path(), store_->database_path());
  auto loaded = store_->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::Parse);
  EXPECT_NE(loaded.error().message.find("'team-b'"), std::string::npos) << loaded.error().message;

  auto saved = store_->save(Ledger{"team-a", "other", std::nullopt, {}, std::nullopt, std::nullopt}, {});
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().kind, ErrorKind::Usage);
}

TEST_F(LedgerStoreTest, AStaleTemporaryDatabaseFromACrashIsIgnored) {
  write_raw(dir_ / "team-a" / ".gwas.db.tmp-99999-deadbeef", "half a database");
  Ledger ledger = empty();
  ledger.traits[4].manual_resubmissions = 1;
  ASSERT_TRUE(store_->save(ledger, every_trait(ledger)).ok());
  EXPECT_EQ(*LedgerStore::open(dir_, "team-a", "gwas")->load(), ledger);
}

TEST_F(LedgerStoreTest, RefusesNamesThatAreNotFileNames) {
  for (const auto& [project, prefix] :
       std::vector<std::pair<std::string, std::string>>{{"", "x"},
                                                        {"p", ""},
                                                        {"..", "x"},
                                                        {"p", ".."},
                                                        {".", "x"},
                                                        {"a/b", "x"},
                                                        {"p", "../x"},
                                                        {"p", std::string("x\0y", 3)}}) {
    auto store = LedgerStore::open(dir_, project, prefix);
    ASSERT_FALSE(store.ok()) << project << " " << prefix;
    EXPECT_EQ(store.error().kind, ErrorKind::Usage);
  }
}

TEST_F(LedgerStoreTest, BatchLockIsExclusivePerBatch) {
  const CancelToken cancel;
  auto held = store_->lock(milliseconds{0}, cancel);
  ASSERT_TRUE(held.ok()) << held.error().message;
  EXPECT_EQ(held->path(), store_->lock_path());
  auto again = store_->lock(milliseconds{100}, cancel);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().kind, ErrorKind::Locked);

  auto other_batch = LedgerStore::open(dir_, "team-a", "other");
  ASSERT_TRUE(other_batch.ok());
  EXPECT_TRUE(other_batch->lock(milliseconds{0}, cancel).ok());
}

}  // namespace
}  // namespace traitctl::ledger_store_tests
