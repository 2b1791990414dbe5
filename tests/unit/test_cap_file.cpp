#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "support/batch_folder.hpp"
#include "traitctl/adapters/cap_file.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

class CapFileTest : public testing::BatchFolderTest {
 protected:
  void write_cap_file(const std::string& content) const { write_raw(store_->cap_path(), content); }
};

TEST_F(CapFileTest, NoFileIsNoRequest) {
  auto request = read_cap_request(*store_);
  ASSERT_TRUE(request.ok()) << request.error().message;
  EXPECT_FALSE(request->has_value());
  EXPECT_FALSE(fs::exists(dir_ / "team-a")) << "reading must not create anything";
}

TEST_F(CapFileTest, WritesNextToTheLedgerAndReadsBack) {
  const CapRequest request{20, false, TimePoint{480000h + 250ms}, 1234};
  ASSERT_TRUE(write_cap_request(*store_, request).ok());
  EXPECT_EQ(store_->cap_path(), dir_ / "team-a" / "gwas.cap.json");
  const auto document = nlohmann::json::parse(*read_file_contents(store_->cap_path()));
  EXPECT_EQ(document, (nlohmann::json{{"version", 1},
                                      {"max_concurrent", 20},
                                      {"reset", false},
                                      {"set_at", "2024-10-04T00:00:00.250Z"},
                                      {"set_by_pid", 1234}}));
  auto read = read_cap_request(*store_);
  ASSERT_TRUE(read.ok()) << read.error().message;
  EXPECT_EQ(*read, request);

  const CapRequest newer{8, true, TimePoint{480001h}, 1240};
  ASSERT_TRUE(write_cap_request(*store_, newer).ok());
  EXPECT_EQ(**read_cap_request(*store_), newer);
  for (const auto& entry : fs::directory_iterator(dir_ / "team-a")) {
    EXPECT_EQ(entry.path().filename(), "gwas.cap.json") << "a temporary file was left behind";
  }
}

TEST_F(CapFileTest, ACorruptFileIsAParseErrorNamingItAndTheFix) {
  for (const std::string content :
       {"{\"version\": 1, \"max_con", "{\"version\": 1, \"max_concurrent\": 0}", "[]"}) {
    write_cap_file(content);
    auto request = read_cap_request(*store_);
    ASSERT_FALSE(request.ok()) << content;
    EXPECT_EQ(request.error().kind, ErrorKind::Parse);
    EXPECT_NE(request.error().message.find(store_->cap_path().string()), std::string::npos)
        << request.error().message;
    EXPECT_NE(request.error().message.find("run traitctl cap N again"), std::string::npos)
        << request.error().message;
  }
}

TEST_F(CapFileTest, TheReaderReportsAnErrorOnceUntilItChanges) {
  CapFileReader reader(*store_);
  EXPECT_FALSE(reader.poll()->has_value());
  write_cap_file("garbage");
  EXPECT_FALSE(reader.poll().ok()) << "reported the first time";
  auto again = reader.poll();
  ASSERT_TRUE(again.ok()) << "then quiet";
  EXPECT_FALSE(again->has_value());
  write_cap_file("{}");
  EXPECT_FALSE(reader.poll().ok()) << "another error is reported";

  const CapRequest request{30, false, TimePoint{480000h}, 77};
  ASSERT_TRUE(write_cap_request(*store_, request).ok());
  EXPECT_EQ(**reader.poll(), request);
  EXPECT_EQ(**reader.poll(), request) << "the same request each cycle: apply_cap_request applies it once";
  write_cap_file("{}");
  EXPECT_FALSE(reader.poll().ok()) << "broken again after a good file: reported again";
}

}  // namespace
}  // namespace traitctl
