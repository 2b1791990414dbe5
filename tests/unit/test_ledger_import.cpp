// A batch of the release before the batch database (its JSON ledger and cap
// file, tests/fixtures/ledger-v2, written by that release's own code) is
// read as it is by readers and imported whole by the first writer.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/batch_folder.hpp"
#include "traitctl/adapters/cap_file.hpp"
#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"

namespace traitctl::ledger_import_tests {
namespace {

namespace fs = std::filesystem;

const fs::path fixtures{TRAITCTL_FIXTURES_DIR};

class LedgerImportTest : public testing::BatchFolderTest {
 protected:
  void SetUp() override {
    BatchFolderTest::SetUp();
    auto store = LedgerStore::open(dir_, "p", "up");
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_.emplace(std::move(*store));
    fs::create_directories(dir_ / "p");
    fs::copy_file(fixtures / "ledger-v2" / "up.ledger.json", store_->legacy_ledger_path());
    fs::copy_file(fixtures / "ledger-v2" / "up.cap.json", store_->legacy_cap_path());
    ledger_text_ = *read_file_contents(store_->legacy_ledger_path());
    expected_ = *parse_ledger(ledger_text_);
  }

  std::string ledger_text_;
  Ledger expected_;
};

TEST_F(LedgerImportTest, TheFixtureHoldsWhatTheTestNeeds) {
  ASSERT_EQ(expected_.traits.size(), 4U);
  EXPECT_EQ(expected_.traits.at(3).oom_retries, 1);
  ASSERT_TRUE(expected_.traits.at(4).pending.has_value());
  EXPECT_TRUE(expected_.traits.at(4).pending->old_job_gone);
  EXPECT_TRUE(expected_.traits.at(5).out_of_retries);
  ASSERT_TRUE(expected_.cap.has_value());
  EXPECT_EQ(expected_.cap->adaptive_limit, 3);
}

TEST_F(LedgerImportTest, AReaderReadsTheJsonWithoutWriting) {
  auto ledger = store_->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(*ledger, expected_);
  auto request = read_cap_request(*store_);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ((*request)->set_by_pid, 777);
  EXPECT_FALSE(fs::exists(store_->database_path()));
  EXPECT_EQ(*read_file_contents(store_->legacy_ledger_path()), ledger_text_);
}

TEST_F(LedgerImportTest, TheFirstWriterImportsEverything) {
  auto imported = store_->open_for_writing();
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  ASSERT_TRUE(imported->has_value());
  EXPECT_EQ((*imported)->traits, 4);
  EXPECT_EQ((*imported)->attempts, 6);
  EXPECT_TRUE((*imported)->ledger);
  EXPECT_TRUE((*imported)->cap_request);
  EXPECT_FALSE(fs::exists(store_->legacy_ledger_path()));
  EXPECT_FALSE(fs::exists(store_->legacy_cap_path()));
  EXPECT_EQ(*read_file_contents(dir_ / "p" / "up.ledger.json.imported"), ledger_text_) << "kept as it was";
  EXPECT_TRUE(fs::exists(dir_ / "p" / "up.cap.json.imported"));

  auto reader = LedgerStore::open(dir_, "p", "up");
  auto ledger = reader->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(*ledger, expected_) << "retries, tiers, the pending intent, every attempt and the cap";
  auto request = read_cap_request(*reader);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_EQ(**request, (CapRequest{2, true, *parse_utc("2026-11-30T10:00:00.000Z"), 777}));

  auto again = LedgerStore::open(dir_, "p", "up")->open_for_writing();
  ASSERT_TRUE(again.ok()) << again.error().message;
  EXPECT_FALSE(again->has_value()) << "imported once";
}

TEST_F(LedgerImportTest, AnUnreadableJsonLedgerIsRefusedAndNothingIsImported) {
  std::string text = ledger_text_;
  text.resize(text.size() / 2);
  write_raw(store_->legacy_ledger_path(), text);
  for (const auto& error : {store_->load().error(), store_->open_for_writing().error(),
                            store_->save(expected_, every_trait(expected_)).error()}) {
    EXPECT_EQ(error.kind, ErrorKind::Parse);
    EXPECT_EQ(error.message.rfind(store_->legacy_ledger_path().string() + ": corrupt ledger (", 0), 0)
        << error.message;
    EXPECT_NE(error.message.find("move it aside"), std::string::npos) << error.message;
  }
  EXPECT_EQ(*read_file_contents(store_->legacy_ledger_path()), text) << "byte for byte";
  EXPECT_FALSE(fs::exists(store_->database_path()));
  EXPECT_TRUE(fs::exists(store_->legacy_cap_path())) << "the cap file is not imported alone";
}

TEST_F(LedgerImportTest, AJsonLedgerOfAnotherVersionOrBatchIsRefused) {
  for (const std::string& text : {std::string(R"({"version": 3, "project": "p", "prefix": "up", "traits": {}})"),
                                 std::string(R"({"version": 2, "project": "q", "prefix": "up", "traits": {}})")}) {
    write_raw(store_->legacy_ledger_path(), text);
    auto opened = store_->open_for_writing();
    ASSERT_FALSE(opened.ok()) << text;
    EXPECT_EQ(opened.error().kind, ErrorKind::Parse);
    EXPECT_NE(opened.error().message.find(store_->legacy_ledger_path().string()), std::string::npos)
        << opened.error().message;
    EXPECT_EQ(*read_file_contents(store_->legacy_ledger_path()), text);
    EXPECT_FALSE(fs::exists(store_->database_path()));
  }
}

TEST_F(LedgerImportTest, AVersion1LedgerIsImported) {
  write_raw(store_->legacy_ledger_path(),
            R"({"version": 1, "project": "p", "prefix": "up", "traits": {"5": {"automatic_retries": 1,
                "manual_resubmissions": 0, "last_failure": "mount-failure", "out_of_retries": false}}})");
  ASSERT_TRUE(store_->open_for_writing().ok());
  auto ledger = LedgerStore::open(dir_, "p", "up")->load();
  ASSERT_TRUE(ledger.ok()) << ledger.error().message;
  EXPECT_EQ(ledger->traits.at(5).automatic_retries, 1);
  EXPECT_EQ(ledger->traits.at(5).last_failure, FailureClass::Mount);
}

}  // namespace
}  // namespace traitctl::ledger_import_tests
