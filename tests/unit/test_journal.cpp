#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "support/fake_clock.hpp"
#include "traitctl/adapters/journal.hpp"

namespace traitctl {
namespace {

using testing::FakeClock;

namespace fs = std::filesystem;

class JournalTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "traitctl-journal-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  [[nodiscard]] std::vector<nlohmann::json> lines() const {
    std::ifstream in(dir_ / "state" / "journal.jsonl");
    std::vector<nlohmann::json> parsed;
    std::string line;
    while (std::getline(in, line)) {
      parsed.push_back(nlohmann::json::parse(line));  // throws, failing the test, on a broken line
    }
    return parsed;
  }

  fs::path dir_;
  FakeClock clock_{TimePoint{std::chrono::sys_days{std::chrono::year{2024} / 5 / 1}}};
};

TEST_F(JournalTest, LinesAreJsonWithTheContext) {
  auto journal = Journal::open(dir_ / "state", "retry", "team-a", "gwas", clock_);
  ASSERT_TRUE(journal.ok()) << journal.error().message;
  EXPECT_EQ(journal->path(), dir_ / "state" / "journal.jsonl");
  journal->record({"resubmitted", 5, "gwas-5", {{"attempt", 2}, {"class", "mount-failure"}}});
  clock_.advance(Duration{1500});
  journal->record({"waited", std::nullopt, std::nullopt, {}});
  // Fixed keys cannot be overwritten by details; invalid UTF-8 is replaced.
  journal->record(
      {"failed", 6, std::nullopt, {{"event", "bogus"}, {"reason", std::string("bad \xff byte")}}});

  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 3U);
  EXPECT_EQ(parsed[0], (nlohmann::json{{"time", "2024-05-01T00:00:00.000Z"},
                                       {"command", "retry"},
                                       {"project", "team-a"},
                                       {"prefix", "gwas"},
                                       {"event", "resubmitted"},
                                       {"trait", 5},
                                       {"job", "gwas-5"},
                                       {"attempt", 2},
                                       {"class", "mount-failure"}}));
  EXPECT_EQ(parsed[1]["time"], "2024-05-01T00:00:01.500Z");
  EXPECT_FALSE(parsed[1].contains("trait"));
  EXPECT_FALSE(parsed[1].contains("job"));
  EXPECT_EQ(parsed[2]["event"], "failed");
  EXPECT_EQ(parsed[2]["reason"], "bad \xEF\xBF\xBD byte");
}

TEST_F(JournalTest, AppendsAcrossOpens) {
  for (const char* command : {"submit", "retry"}) {
    auto journal = Journal::open(dir_ / "state", command, "team-a", "gwas", clock_);
    ASSERT_TRUE(journal.ok());
    journal->record({"submitted", 2, "gwas-2", {}});
  }
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), 2U);
  EXPECT_EQ(parsed[0]["command"], "submit");
  EXPECT_EQ(parsed[1]["command"], "retry");
}

TEST_F(JournalTest, ConcurrentRecordsDoNotInterleave) {
  auto journal = Journal::open(dir_ / "state", "run", "team-a", "gwas", clock_);
  ASSERT_TRUE(journal.ok());
  constexpr int threads = 8;
  constexpr int per_thread = 200;
  const std::string padding(3000, 'p');  // long lines make a torn write likely if the lock were missing
  std::vector<std::thread> workers;
  workers.reserve(threads);
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        journal->record({"submitted", t * per_thread + i, std::nullopt, {{"padding", padding}}});
      }
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  const auto parsed = lines();
  ASSERT_EQ(parsed.size(), static_cast<std::size_t>(threads * per_thread));
  std::set<int> traits;
  for (const auto& line : parsed) {
    EXPECT_EQ(line["padding"], padding);
    traits.insert(line["trait"].get<int>());
  }
  EXPECT_EQ(traits.size(), static_cast<std::size_t>(threads * per_thread));
}

TEST_F(JournalTest, UnopenableJournalIsAnIoError) {
  std::ofstream(dir_ / "file") << "not a folder";
  auto journal = Journal::open(dir_ / "file", "run", "team-a", "gwas", clock_);
  ASSERT_FALSE(journal.ok());
  EXPECT_EQ(journal.error().kind, ErrorKind::Io);
  EXPECT_NE(journal.error().message.find((dir_ / "file").string()), std::string::npos)
      << journal.error().message;

  fs::create_directories(dir_ / "state" / "journal.jsonl");  // a folder where the file should be
  auto blocked = Journal::open(dir_ / "state", "run", "team-a", "gwas", clock_);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().kind, ErrorKind::Io);
  EXPECT_NE(blocked.error().message.find("journal.jsonl"), std::string::npos) << blocked.error().message;
}

}  // namespace
}  // namespace traitctl
