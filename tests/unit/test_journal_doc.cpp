// docs/journal.md lists every event the code can write to the journal, and
// no event it never writes: the batch loop's kinds (to_string over
// EventKind, those is_journaled), the cap's events (journal_event), and the
// names the CLI passes to Journal::record itself (found in src/).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <string>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/core/batch_event.hpp"
#include "traitctl/core/concurrency.hpp"

namespace traitctl::journal_doc_tests {
namespace {

namespace fs = std::filesystem;

const fs::path source_dir{TRAITCTL_SOURCE_DIR};

std::string read_all(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Every EventKind value: to_string says "unknown" past the last one.
std::set<std::string> batch_event_names() {
  std::set<std::string> names;
  for (int value = 0;; ++value) {
    const auto kind = static_cast<EventKind>(value);
    const std::string name(to_string(kind));
    if (name == "unknown") {
      break;
    }
    // CapChanged is written under its cap event's name (written_event_names).
    if (is_journaled(kind) && kind != EventKind::CapChanged) {
      names.insert(name);
    }
  }
  return names;
}

// `journal.record({"waited", ...` and the like: a name written without an EventKind.
std::set<std::string> literal_event_names() {
  static const std::regex record(R"(record\(\s*(?:JournalEvent)?\{\s*"([a-z-]+)\")");
  std::set<std::string> names;
  for (const auto& entry : fs::recursive_directory_iterator(source_dir / "src")) {
    if (entry.path().extension() != ".cpp") {
      continue;
    }
    const std::string text = read_all(entry.path());
    for (auto match = std::sregex_iterator(text.begin(), text.end(), record); match != std::sregex_iterator();
         ++match) {
      names.insert((*match)[1].str());
    }
  }
  return names;
}

// The names in the first cell of each row of the "## Events" table.
std::set<std::string> documented_event_names() {
  std::istringstream doc(read_all(source_dir / "docs" / "journal.md"));
  static const std::regex name("`([a-z-]+)`");
  std::set<std::string> names;
  bool in_events = false;
  for (std::string line; std::getline(doc, line);) {
    if (line.starts_with("## ")) {
      in_events = line == "## Events";
      continue;
    }
    if (!in_events || !line.starts_with("| `")) {
      continue;
    }
    const std::string cell = line.substr(1, line.find('|', 1) - 1);
    for (auto match = std::sregex_iterator(cell.begin(), cell.end(), name); match != std::sregex_iterator();
         ++match) {
      names.insert((*match)[1].str());
    }
  }
  return names;
}

std::set<std::string> written_event_names() {
  std::set<std::string> names = batch_event_names();
  for (CapEvent cap : {CapEvent::Lowered, CapEvent::Raised, CapEvent::Set}) {
    names.insert(std::string(journal_event(cap)));
  }
  for (ImportedRecord record : {ImportedRecord::LocalJobs, ImportedRecord::SlurmJobs}) {
    names.insert(std::string(journal_event(record)));
  }
  const std::set<std::string> literal = literal_event_names();
  names.insert(literal.begin(), literal.end());
  return names;
}

TEST(JournalDoc, TheSearchFindsTheEventsTheCodeWrites) {
  const std::set<std::string> written = written_event_names();
  for (const char* name : {"submitted", "failed", "classified", "cap-lowered", "waited", "deleted"}) {
    EXPECT_TRUE(written.contains(name)) << name;
  }
  EXPECT_FALSE(written.contains("would-retry")) << "a dry run writes no journal";
}

TEST(JournalDoc, EveryEventTheCodeWritesIsDocumented) {
  const std::set<std::string> documented = documented_event_names();
  ASSERT_FALSE(documented.empty()) << "no ## Events table in docs/journal.md";
  for (const std::string& name : written_event_names()) {
    EXPECT_TRUE(documented.contains(name)) << "docs/journal.md does not list the event `" << name << "`";
  }
}

TEST(JournalDoc, EveryDocumentedEventIsOneTheCodeWrites) {
  const std::set<std::string> written = written_event_names();
  for (const std::string& name : documented_event_names()) {
    EXPECT_TRUE(written.contains(name)) << "docs/journal.md lists `" << name << "`, which nothing writes";
  }
}

}  // namespace
}  // namespace traitctl::journal_doc_tests
