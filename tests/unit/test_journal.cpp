#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <thread>

#include "support/fake_clock.hpp"
#include "traitctl/adapters/journal.hpp"

namespace traitctl::journal_tests {
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

TEST_F(JournalTest, ReadsBackTheLinesOfOneBatch) {
  auto mine = Journal::open(dir_ / "state", "submit", "team-a", "gwas", clock_);
  auto other_prefix = Journal::open(dir_ / "state", "submit", "team-a", "gwas2", clock_);
  auto other_project = Journal::open(dir_ / "state", "submit", "team-b", "gwas", clock_);
  ASSERT_TRUE(mine.ok() && other_prefix.ok() && other_project.ok());
  mine->record({"submitted", 5, "gwas-5", {{"attempt", 1}}});
  other_prefix->record({"submitted", 6, "gwas2-6", {}});
  other_project->record({"submitted", 7, "gwas-7", {}});
  clock_.advance(Duration{250});
  mine->record({"waited", std::nullopt, std::nullopt, {{"active", 3}}});
  {
    // A line a crash cut short, and one that is not an object.
    std::ofstream out(dir_ / "state" / "journal.jsonl", std::ios::app);
    out << "{\"command\":\"run\",\"event\":\"x\",\"prefix\":\"gwas\",\"project\":\"team-a\",\"time\"\n";
    out << "[\"prefix\":\"gwas\"]\n";
  }
  mine->record({"classified", 5, "gwas-5", {{"class", "mount"}}});

  auto entries = read_journal(dir_ / "state", "team-a", "gwas");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  ASSERT_EQ(entries->size(), 3U);
  const JournalEntry& first = (*entries)[0];
  EXPECT_EQ(first.time, clock_.now() - Duration{250});
  EXPECT_EQ(first.command, "submit");
  EXPECT_EQ(first.event.event, "submitted");
  EXPECT_EQ(first.event.trait, 5);
  EXPECT_EQ(first.event.job, "gwas-5");
  EXPECT_EQ(first.event.details, (nlohmann::json{{"attempt", 1}}));
  EXPECT_EQ((*entries)[1].event.trait, std::nullopt);
  EXPECT_EQ((*entries)[1].event.details, (nlohmann::json{{"active", 3}}));
  EXPECT_EQ((*entries)[2].event.details, (nlohmann::json{{"class", "mount"}}));
}

TEST_F(JournalTest, NoJournalReadsAsNoLines) {
  auto entries = read_journal(dir_ / "nothing-here", "team-a", "gwas");
  ASSERT_TRUE(entries.ok()) << entries.error().message;
  EXPECT_TRUE(entries->empty());
  EXPECT_EQ(journal_path(dir_), dir_ / "journal.jsonl");
}

}  // namespace
}  // namespace traitctl::journal_tests
