#include <gtest/gtest.h>

#include "support/batch_folder.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/retry_policy.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;
using std::chrono::milliseconds;

class LedgerStoreTest : public testing::BatchFolderTest {};

TEST_F(LedgerStoreTest, Paths) {
  EXPECT_EQ(store_->ledger_path(), dir_ / "team-a" / "gwas.ledger.json");
  EXPECT_EQ(store_->lock_path(), dir_ / "team-a" / "gwas.lock");
  EXPECT_EQ(store_->cap_path(), dir_ / "team-a" / "gwas.cap.json");
}

TEST_F(LedgerStoreTest, MissingFileIsAnEmptyLedger) {
  auto ledger = store_->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(*ledger, (Ledger{"team-a", "gwas", std::nullopt, {}, std::nullopt, std::nullopt}));
  EXPECT_FALSE(fs::exists(dir_ / "team-a")) << "load must not create anything";
}

TEST_F(LedgerStoreTest, RoundTripOnDisk) {
  Ledger ledger{"team-a", "gwas", TimePoint{std::chrono::hours{480000}}, {}, std::nullopt};
  TraitRecord& record = ledger.traits[7];
  record_failure_seen(record, FailureClass::Mount, TimePoint{std::chrono::hours{480001}});
  (void)record_intent(record, IntentKind::Automatic, FailureClass::Mount,
                      TimePoint{std::chrono::hours{480002}});
  ASSERT_TRUE(store_->save(ledger).ok());
  auto loaded = store_->load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, ledger);

  ledger.traits[7].automatic_retries = 2;
  ASSERT_TRUE(store_->save(ledger).ok());
  EXPECT_EQ(store_->load()->traits.at(7).automatic_retries, 2);
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "team-a"), fs::directory_iterator{}), 1)
      << "no temp files left";
}

TEST_F(LedgerStoreTest, CorruptFileIsReportedAndLeftAlone) {
  Ledger ledger{"team-a", "gwas", std::nullopt, {}, std::nullopt, std::nullopt};
  ledger.traits[3].automatic_retries = 1;
  ASSERT_TRUE(store_->save(ledger).ok());
  std::string text = *read_file_contents(store_->ledger_path());
  text.resize(text.size() / 2);  // a truncated file
  write_raw(store_->ledger_path(), text);

  auto loaded = store_->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::Parse);
  const std::string& message = loaded.error().message;
  EXPECT_EQ(message.rfind(store_->ledger_path().string() + ": corrupt ledger (", 0), 0) << message;
  EXPECT_NE(message.find("left untouched"), std::string::npos) << message;
  EXPECT_NE(message.find("move it aside"), std::string::npos) << message;
  EXPECT_EQ(*read_file_contents(store_->ledger_path()), text) << "byte for byte";
}

TEST_F(LedgerStoreTest, ReportsHostileBytesInACorruptFileOnOneLine) {
  // A parse error quotes what it last read, bytes >= 0x80 raw; a foreign
  // ledger's names come from the file, escapes decoded.
  for (const std::string& text :
       {std::string("{\"version\": 1,\xff\xfe\x1b[31m"),
        std::string(R"({"version": 1, "project": "team-b\u001b[2J\n", "prefix": "gwas", "traits": {}})")}) {
    write_raw(store_->ledger_path(), text);
    auto loaded = store_->load();
    ASSERT_FALSE(loaded.ok());
    const std::string& message = loaded.error().message;
    EXPECT_EQ(message, printable(message)) << "raw control or non-UTF-8 bytes: " << printable(message);
    EXPECT_EQ(*read_file_contents(store_->ledger_path()), text) << "byte for byte";
  }
}

TEST_F(LedgerStoreTest, FutureVersionIsReportedAndLeftAlone) {
  const std::string text = R"({"version": 3, "project": "team-a", "prefix": "gwas", "traits": {}})";
  write_raw(store_->ledger_path(), text);
  auto loaded = store_->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.error().message.find("version 3"), std::string::npos) << loaded.error().message;
  EXPECT_EQ(*read_file_contents(store_->ledger_path()), text);
}

TEST_F(LedgerStoreTest, AnotherBatchsLedgerIsRefused) {
  write_raw(store_->ledger_path(), serialize_ledger(Ledger{"team-b", "gwas", std::nullopt, {}, std::nullopt, std::nullopt}));
  auto loaded = store_->load();
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().kind, ErrorKind::Parse);
  EXPECT_NE(loaded.error().message.find("'team-b'"), std::string::npos) << loaded.error().message;

  auto saved = store_->save(Ledger{"team-a", "other", std::nullopt, {}, std::nullopt, std::nullopt});
  ASSERT_FALSE(saved.ok());
  EXPECT_EQ(saved.error().kind, ErrorKind::Usage);
}

TEST_F(LedgerStoreTest, StaleTempFileFromACrashIsIgnored) {
  Ledger ledger{"team-a", "gwas", std::nullopt, {}, std::nullopt, std::nullopt};
  ledger.traits[4].manual_resubmissions = 1;
  ASSERT_TRUE(store_->save(ledger).ok());
  const fs::path stale = dir_ / "team-a" / ".gwas.ledger.json.tmp-99999-0-deadbeef";
  write_raw(stale, R"({"version": 1, "proj)");
  auto loaded = store_->load();
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  EXPECT_EQ(*loaded, ledger);
  ASSERT_TRUE(store_->save(ledger).ok());
  EXPECT_EQ(*store_->load(), ledger);
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
}  // namespace traitctl
