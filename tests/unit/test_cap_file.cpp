#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/batch_folder.hpp"
#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/cap_file.hpp"

namespace traitctl::cap_file_tests {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CapFileTest : public testing::BatchFolderTest {
 protected:
  void write_legacy_cap_file(const std::string& content) const { write_raw(store_->legacy_cap_path(), content); }

  // SQL of a person or another program, on a connection of its own.
  void run_sql(const std::string& sql) const {
    auto db = sqlite::Database::open(store_->database_path(), sqlite::Access::ReadWriteCreate);
    ASSERT_TRUE(db.ok()) << db.error().message;
    auto ran = db->execute_script(sql);
    ASSERT_TRUE(ran.ok()) << ran.error().message;
  }
};

TEST_F(CapFileTest, NoRequestIsNoRequest) {
  auto request = read_cap_request(*store_);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_FALSE(request->has_value());
  EXPECT_FALSE(fs::exists(dir_ / "team-a")) << "reading must not create anything";
}

TEST_F(CapFileTest, WritesARowOfTheBatchDatabaseAndReadsBack) {
  const CapRequest request{20, false, TimePoint{480000h + 250ms}, 1234};
  ASSERT_TRUE(write_cap_request(*store_, request).ok());
  EXPECT_EQ(store_->database_path(), dir_ / "team-a" / "gwas.db");
  auto other = LedgerStore::open(dir_, "team-a", "gwas");  // a reader of its own, like `status`
  auto read = read_cap_request(*other);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, request);

  const CapRequest newer{8, true, TimePoint{480001h}, 1240};
  ASSERT_TRUE(write_cap_request(*store_, newer).ok());
  EXPECT_EQ(**read_cap_request(*other), newer);
  EXPECT_EQ(**read_cap_request(*store_), newer);
  for (const auto& entry : fs::directory_iterator(dir_ / "team-a")) {
    EXPECT_THAT(entry.path().filename().string(), ::testing::AnyOf("gwas.db", "gwas.db-journal"))
        << "a temporary file was left behind";
  }
  EXPECT_FALSE(has_live_journal(dir_ / "team-a" / "gwas.db")) << "a transaction left open";
}

TEST_F(CapFileTest, AnEarlierTraitctlsCapFileIsReadThenImported) {
  write_legacy_cap_file(R"({"version": 1, "max_concurrent": 7, "reset": true,
                            "set_at": "2024-10-04T00:00:00.250Z", "set_by_pid": 99})");
  const CapRequest legacy{7, true, TimePoint{480000h + 250ms}, 99};
  EXPECT_EQ(**read_cap_request(*store_), legacy);
  EXPECT_FALSE(fs::exists(store_->database_path())) << "reading must not import";

  auto imported = store_->open_for_writing();
  ASSERT_TRUE(imported.ok()) << imported.error().message;
  ASSERT_TRUE(imported->has_value());
  EXPECT_TRUE((*imported)->cap_request);
  EXPECT_FALSE(fs::exists(store_->legacy_cap_path()));
  EXPECT_TRUE(fs::exists(store_->legacy_cap_path().string() + ".imported"));
  EXPECT_EQ(**read_cap_request(*store_), legacy);
}

TEST_F(CapFileTest, ACorruptLegacyFileIsAParseErrorNamingItAndTheFix) {
  for (const std::string content :
       {"{\"version\": 1, \"max_con", "{\"version\": 1, \"max_concurrent\": 0}", "[]"}) {
    write_legacy_cap_file(content);
    for (const auto& request : {read_cap_request(*store_), Result<std::optional<CapRequest>>(
                                                               write_cap_request(*store_, CapRequest{3, false, {}, 1})
                                                                   .error())}) {
      ASSERT_FALSE(request.ok()) << content;
      EXPECT_EQ(request.error().kind, ErrorKind::Parse);
      EXPECT_NE(request.error().message.find(store_->legacy_cap_path().string()), std::string::npos)
          << request.error().message;
      EXPECT_NE(request.error().message.find("move it aside"), std::string::npos) << request.error().message;
    }
    EXPECT_EQ(*read_file_contents(store_->legacy_cap_path()), content) << "byte for byte";
    EXPECT_FALSE(fs::exists(store_->database_path())) << "nothing imported";
  }
}

TEST_F(CapFileTest, TheReaderReportsAnErrorOnceUntilItChanges) {
  CapFileReader reader(*store_);
  EXPECT_FALSE(reader.poll()->has_value());
  const CapRequest request{30, false, TimePoint{480000h}, 77};
  ASSERT_TRUE(write_cap_request(*store_, request).ok());
  EXPECT_EQ(**reader.poll(), request);
  EXPECT_EQ(**reader.poll(), request) << "the same request each cycle: apply_cap_request applies it once";

  run_sql("INSERT INTO cap_requests (max_concurrent, reset, set_at, set_by_pid) VALUES (0, 0, 'x', 1)");
  auto broken = reader.poll();
  ASSERT_FALSE(broken.ok()) << "reported the first time";
  EXPECT_EQ(broken.error().kind, ErrorKind::Parse);
  EXPECT_NE(broken.error().message.find("run traitctl cap N again"), std::string::npos) << broken.error().message;
  auto again = reader.poll();
  ASSERT_TRUE(again.ok()) << "then quiet";
  EXPECT_FALSE(again->has_value());
  run_sql("INSERT INTO cap_requests (max_concurrent, reset, set_at, set_by_pid) VALUES (0, 0, '2024-10-04T00:00:00Z', 1)");
  EXPECT_FALSE(reader.poll().ok()) << "another error is reported";

  ASSERT_TRUE(write_cap_request(*store_, request).ok());
  EXPECT_EQ(**reader.poll(), request) << "a good request ends the error";
}

}  // namespace
}  // namespace traitctl::cap_file_tests
