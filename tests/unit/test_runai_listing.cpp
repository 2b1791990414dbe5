#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "support/fixture_file.hpp"
#include "traitctl/adapters/runai_listing.hpp"

namespace traitctl::runai_listing_tests {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

Workload w(const std::string& name, const std::string& status) {
  return Workload{name, runai_job_state(status), status, "", ""};
}

ListingPage parsed(const Result<ListingPage>& result) {
  EXPECT_TRUE(result.ok()) << result.error().message;
  return result.ok() ? result.value() : ListingPage{};
}

std::string error_of(const Result<ListingPage>& result) {
  EXPECT_FALSE(result.ok()) << "parsed " << result.value().workloads.size() << " workloads";
  if (result.ok()) {
    return {};
  }
  EXPECT_EQ(result.error().kind, ErrorKind::Parse);
  return result.error().message;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

constexpr const char* v220_header =
    "Workload          Type        Status      Project     Preemptible      Running/Requested Pods     GPU "
    "Allocation\n"
    "──────────────────────────────────────────────────────────────────────────────────────────\n";

const std::vector<Workload> v220_workloads{
    w("gapit3-trait-2", "Completed"),     w("gapit3-trait-3", "Running"),
    w("gapit3-trait-4", "Failed"),        w("gapit3-trait-5", "Pending"),
    w("gapit3-trait-extra-5", "Running"), w("gapit3-traitx-5", "Running"),
    w("gapit3-trait-6", "Initializing"),  w("gapit3-trait-7", "Deleting"),
    w("alice-notebook", "Stopped"),       w("bob-resnet-train", "Running"),
    w("carol-llm-ft", "Degraded"),        w("vs1", "Running"),
};

// ---- tables as the real CLI prints them -----------------------------------

TEST(ParseListingTable, V220LongHeadersWithOtherUsersAndSiblingBatches) {
  const auto page = parsed(parse_listing_table(runai_fixture("list_v220.txt")));
  EXPECT_EQ(page.workloads, v220_workloads);
  EXPECT_FALSE(page.next_token);
}

TEST(ParseListingTable, V225ShortHeadersWithRowsNotAlignedUnderThem) {
  const auto page = parsed(parse_listing_table(runai_fixture("list_v225_misaligned.txt")));
  EXPECT_THAT(page.workloads, ElementsAre(w("a2", "Running"), w("gapit3-trait-12", "Pending"),
                                          w("gapit3-trait-13", "Completed"), w("gapit3-trait-14", "Failed"),
                                          w("gapit3-trait-15", "Running")));
}

TEST(ParseListingTable, V1WithPreambleOldProjectEmptyNodeAndServiceUrl) {
  const auto page = parsed(parse_listing_table(runai_fixture("list_v1.txt")));
  EXPECT_THAT(page.workloads,
              ElementsAre(w("frac05", "Running"), w("gapit3-trait-2", "Succeeded"),
                          w("gapit3-trait-3", "ContainerCreating"), w("gapit3-trait-4", "Pending"),
                          w("gapit3-trait-5", "Init:0/1"), w("gapit3-trait-6", "CrashLoopBackOff"),
                          w("jupyter-yaron", "Running")));
}

TEST(ParseListingTable, AnsiColourIsIgnored) {
  const std::string coloured = runai_fixture("list_v220_ansi.txt");
  ASSERT_NE(coloured.find('\x1b'), std::string::npos);
  EXPECT_EQ(parsed(parse_listing_table(coloured)).workloads, v220_workloads);
}

TEST(ParseListingTable, CrlfLineEndingsAreTolerated) {
  const std::string crlf = replace_all(runai_fixture("list_v220.txt"), "\n", "\r\n");
  EXPECT_EQ(parsed(parse_listing_table(crlf)).workloads, v220_workloads);
}

TEST(ParseListingTable, ReadsAllRowsOfA186TraitBatch) {
  // Generated once: gapit3-trait-2..187, the status cycling through the list below.
  const std::vector<std::string> cycle{"Running",  "Pending", "Completed", "Failed",
                                       "Creating", "Running", "Completed"};
  const auto page = parsed(parse_listing_table(runai_fixture("list_v225_186.txt")));
  ASSERT_EQ(page.workloads.size(), 186U);
  for (std::size_t trait = 2; trait <= 187; ++trait) {
    EXPECT_EQ(page.workloads[trait - 2],
              w(fmt::format("gapit3-trait-{}", trait), cycle[trait % cycle.size()]));
  }
  EXPECT_FALSE(page.next_token);
}

TEST(ParseListingTable, FiftyRowsWithNoHintAreReturnedAsIs) {
  // v2.20 stops at 50 rows without saying so; the backend, not the parser, must page.
  const auto page = parsed(parse_listing_table(runai_fixture("list_v220_limit50.txt")));
  ASSERT_EQ(page.workloads.size(), 50U);
  EXPECT_EQ(page.workloads.front(), w("gapit3-trait-2", "Running"));
  EXPECT_EQ(page.workloads.back(), w("gapit3-trait-51", "Completed"));
  EXPECT_FALSE(page.next_token);
}

TEST(ParseListingTable, V225PageWithTrailingNextToken) {
  const auto page = parsed(parse_listing_table(runai_fixture("list_v225_next_token.txt")));
  EXPECT_THAT(page.workloads, ElementsAre(w("gapit3-trait-2", "Completed"), w("gapit3-trait-3", "Failed"),
                                          w("gapit3-trait-4", "Creating"), w("gapit3-trait-5", "Running"),
                                          w("gapit3-trait-6", "Completed")));
  EXPECT_EQ(page.next_token, "eyJvZmZzZXQiOjV9");
}

TEST(ParseListingTable, NextTokenLineInSeveralWordings) {
  for (const std::string line :
       {"next token: abc", "Next Token: abc", "next-token abc", "Next page token: abc", "NEXT_TOKEN=abc",
        "next token : \"abc\"", "nextToken: abc"}) {
    const std::string text =
        std::string(v220_header) + "vs1   Workspace   Running   team-a   No   1/1   1.00\n" + line + "\n";
    const auto page = parsed(parse_listing_table(text));
    EXPECT_THAT(page.workloads, ElementsAre(w("vs1", "Running"))) << line;
    EXPECT_EQ(page.next_token, "abc") << line;
  }
}

TEST(ParseListingTable, WorkloadNamedLikeATokenLineIsARow) {
  const std::string text = std::string(v220_header) +
                           "next-token-job   Workspace   Running   team-a   No   1/1   0.00\n"
                           "next-token   Workspace   Pending   team-a   No   0/1   0.00\n";
  const auto page = parsed(parse_listing_table(text));
  EXPECT_THAT(page.workloads, ElementsAre(w("next-token-job", "Running"), w("next-token", "Pending")));
  EXPECT_FALSE(page.next_token);
}

TEST(ParseListingTable, EmptyCellsAfterTheStatusDoNotShiftIt) {
  const std::string text = std::string(v220_header) +
                           "vs1          Workspace   Running                 No               1/1\n"
                           "vs2          Workspace   Pending     team-a      No               0/1\n";
  EXPECT_THAT(parsed(parse_listing_table(text)).workloads,
              ElementsAre(w("vs1", "Running"), w("vs2", "Pending")));
}

TEST(ParseListingTable, RowWithAnEmptyNameCellIsSkipped) {
  const std::string text =
      std::string(v220_header) +
      "vs1               Workspace   Running     team-a      No               1/1        1.00\n"
      "                  Workspace   Running     team-a      No               1/1        1.00\n";
  EXPECT_THAT(parsed(parse_listing_table(text)).workloads, ElementsAre(w("vs1", "Running")));
}

TEST(ParseListingTable, NoWorkloadsFoundIsAnEmptyPage) {
  for (const std::string& text : {runai_fixture("list_empty.txt"), std::string("no workloads found."),
                                  std::string("No workloads found in project x\n"),
                                  std::string("\x1b[33mNo workloads found\x1b[0m\r\n"),
                                  std::string("Showing jobs for project team-a\nNo workloads found\n"),
                                  std::string(""), std::string("\n  \r\n\n")}) {
    const auto page = parsed(parse_listing_table(text));
    EXPECT_TRUE(page.workloads.empty()) << text;
    EXPECT_FALSE(page.next_token) << text;
  }
}

TEST(ParseListingTable, HeaderWithoutRowsIsAnEmptyPage) {
  EXPECT_TRUE(parsed(parse_listing_table(v220_header)).workloads.empty());
  EXPECT_TRUE(
      parsed(parse_listing_table(std::string(v220_header) + "No workloads found\n")).workloads.empty());
}

TEST(ParseListingTable, RepeatedHeadersOfConsecutivePagesAreNotRows) {
  const std::string text = std::string(v220_header) + "vs1   Workspace   Running   a   No   1/1   1.00\n\n" +
                           v220_header + "vs2   Workspace   Pending   a   No   0/1   0.00\n";
  EXPECT_THAT(parsed(parse_listing_table(text)).workloads,
              ElementsAre(w("vs1", "Running"), w("vs2", "Pending")));
}

// ---- what must be refused --------------------------------------------------

TEST(ParseListingTable, GarbageIsRejectedNamingTheLine) {
  EXPECT_THAT(error_of(parse_listing_table(runai_fixture("garbage_text.txt"))), HasSubstr("line 1: "));
  EXPECT_THAT(error_of(parse_listing_table(runai_fixture("garbage_html.html"))), HasSubstr("'<!DOCTYPE html>'"));
}

TEST(ParseListingTable, OutputCutMidRowIsRejected) {
  EXPECT_THAT(error_of(parse_listing_table(runai_fixture("garbage_cut_table.txt"))),
              HasSubstr("line 6: the listing ends in the middle of a row"));
}

TEST(ParseListingTable, RowsWithoutAHeaderAreRejected) {
  EXPECT_THAT(error_of(parse_listing_table("vs1   Workspace   Running   team-a\n")),
              HasSubstr("expected a runai table header"));
  EXPECT_THAT(error_of(parse_listing_table("Showing jobs for project team-a\n")),
              HasSubstr("no table header"));
}

TEST(ParseListingTable, TextAfterTheRowsIsRejected) {
  const std::string rows =
      std::string(v220_header) + "vs1   Workspace   Running   team-a   No   1/1   1.00\n";
  EXPECT_THAT(error_of(parse_listing_table(rows + "\nShowing 50 of 186 workloads\n")),
              HasSubstr("line 5: unexpected text after the table's rows: 'Showing 50 of 186 workloads'"));
  EXPECT_THAT(error_of(parse_listing_table(rows + "Use --limit to see more\n")),
              HasSubstr("line 4: 1 cells where the header has 7"));
  EXPECT_THAT(error_of(parse_listing_table(rows + "No workloads found\n")),
              HasSubstr("also lists 1 workloads"));
}

TEST(ParseListingTable, RowsThatCannotBeReadAreRejected) {
  const std::string header(v220_header);
  EXPECT_THAT(error_of(parse_listing_table(header + "vs1\n")),
              HasSubstr("line 3: 1 cells where the header has 7"));
  EXPECT_THAT(error_of(parse_listing_table(header + "My Job   Workspace   Running   a   No   1/1   1.00\n")),
              HasSubstr("'My Job'"));
  EXPECT_THAT(error_of(parse_listing_table(header + "vs1   Workspace   1/1   a   No   1/1   1.00\n")),
              HasSubstr("'1/1'"));
}

TEST(ParseListingTable, DifferentNextTokensAreRejected) {
  const std::string text = std::string(v220_header) +
                           "vs1   Workspace   Running   a   No   1/1   1.00\nnext token: a\nnext token: b\n";
  EXPECT_THAT(error_of(parse_listing_table(text)), HasSubstr("a second, different next token 'b'"));
}

TEST(ParseListingTable, TenThousandRowsParseQuickly) {
  std::string text(v220_header);
  for (int i = 0; i < 10000; ++i) {
    text += fmt::format(
        "gapit3-trait-{:<8}   Workspace   Running     team-a      No               1/1      0.00\n", i);
  }
  auto best = std::chrono::steady_clock::duration::max();
  for (int run = 0; run < 3; ++run) {
    const auto start = std::chrono::steady_clock::now();
    const auto page = parse_listing_table(text);
    best = std::min(best, std::chrono::steady_clock::now() - start);
    ASSERT_TRUE(page.ok()) << page.error().message;
    ASSERT_EQ(page->workloads.size(), 10000U);
    EXPECT_EQ(page->workloads.back(), w("gapit3-trait-9999", "Running"));
  }
#ifdef NDEBUG
  EXPECT_LT(best, std::chrono::milliseconds(20));
#else
  EXPECT_LT(best, std::chrono::milliseconds(500));  // unoptimised: only catches quadratic behaviour
#endif
}

// ---- JSON ------------------------------------------------------------------

TEST(ParseListingJson, TopLevelArray) {
  const auto page = parsed(parse_listing_json(runai_fixture("list_array.json")));
  EXPECT_THAT(page.workloads,
              ElementsAre(w("gapit3-trait-2", "Completed"), w("gapit3-trait-3", "Running"),
                          w("gapit3-trait-extra-5", "Pending"), w("bob-resnet-train", "Running")));
  EXPECT_FALSE(page.next_token);
}

TEST(ParseListingJson, RestApiShapeWithNumericNext) {
  const auto page = parsed(parse_listing_json(runai_fixture("list_workloads_next.json")));
  EXPECT_THAT(page.workloads, ElementsAre(w("gapit3-trait-2", "Completed"), w("gapit3-trait-3", "Running"),
                                          w("gapit3-trait-4", "Failed")));
  EXPECT_EQ(page.next_token, "50");
}

TEST(ParseListingJson, StatusStringStatusObjectPhaseAndNameFallbacks) {
  const auto page = parsed(parse_listing_json(runai_fixture("list_phase_status.json")));
  EXPECT_THAT(page.workloads, ElementsAre(w("gapit3-trait-2", "Running"), w("gapit3-trait-3", "Completed"),
                                          w("gapit3-trait-4", "Initializing"), w("gapit3-trait-5", "Stopped"),
                                          w("gapit3-trait-6", "Degraded")));
  EXPECT_EQ(page.next_token, "eyJvZmZzZXQiOjV9");
}

TEST(ParseListingJson, OtherContainersAndEmptyListings) {
  EXPECT_THAT(
      parsed(parse_listing_json(R"({"items": [{"name": "a", "phase": "Running"}], "next_token": "t"})"))
          .workloads,
      ElementsAre(w("a", "Running")));
  EXPECT_THAT(parsed(parse_listing_json(R"({"data": [{"name": "a", "status": "Failed"}]})")).workloads,
              ElementsAre(w("a", "Failed")));
  for (const char* empty : {"[]", R"({"workloads": []})", R"({"workloads": null})",
                            R"({"workloads": [], "next": ""})", R"({"data": {"items": null}})"}) {
    const auto page = parsed(parse_listing_json(empty));
    EXPECT_TRUE(page.workloads.empty()) << empty;
    EXPECT_FALSE(page.next_token) << empty;
  }
}

TEST(ParseListingJson, EntriesWeCannotAccountForAreRejected) {
  EXPECT_THAT(error_of(parse_listing_json(R"([{"name": "a", "status": "Running"}, {"status": "Running"}])")),
              HasSubstr("workload #2 of the JSON listing has no name"));
  EXPECT_THAT(error_of(parse_listing_json(R"([{"name": "", "status": "Running"}])")), HasSubstr("no name"));
  EXPECT_THAT(error_of(parse_listing_json(R"([{"name": "a"}])")),
              HasSubstr("'a' of the JSON listing has no status"));
  EXPECT_THAT(error_of(parse_listing_json(R"([{"name": "a", "status": {"message": "x"}}])")),
              HasSubstr("no status"));
  EXPECT_THAT(error_of(parse_listing_json(R"(["a"])")), HasSubstr("is a string, not an object"));
  EXPECT_THAT(error_of(parse_listing_json(R"({"workloads": [], "next": true})")),
              HasSubstr("'next' in the JSON listing is a boolean"));
}

TEST(ParseListingJson, NonListingsAreRejected) {
  EXPECT_THAT(error_of(parse_listing_json(R"({"error": "unauthorized"})")),
              HasSubstr("without a workloads array"));
  EXPECT_THAT(error_of(parse_listing_json("42")), HasSubstr("number without a workloads array"));
  EXPECT_THAT(error_of(parse_listing_json(R"([{"name": "a", "status": "Running"})")),
              HasSubstr("not valid JSON"));
  EXPECT_THAT(error_of(parse_listing_json(runai_fixture("garbage_html.html"))),
              HasSubstr("starts with '<!DOCTYPE html>"));
  EXPECT_THAT(error_of(parse_listing_json("")), HasSubstr("not valid JSON"));
}

// ---- dispatch --------------------------------------------------------------

TEST(ParseListing, ChoosesJsonOrTableByTheFirstCharacter) {
  EXPECT_EQ(parsed(parse_listing(runai_fixture("list_array.json"))).workloads.size(), 4U);
  EXPECT_EQ(parsed(parse_listing(runai_fixture("list_workloads_next.json"))).next_token, "50");
  EXPECT_EQ(parsed(parse_listing("\n  \x1b[0m[{\"name\": \"a\", \"phase\": \"Running\"}]")).workloads,
            std::vector{w("a", "Running")});
  EXPECT_EQ(parsed(parse_listing(runai_fixture("list_v220_ansi.txt"))).workloads, v220_workloads);
  EXPECT_TRUE(parsed(parse_listing(runai_fixture("list_empty.txt"))).workloads.empty());
  EXPECT_TRUE(parsed(parse_listing("")).workloads.empty());
  EXPECT_FALSE(parse_listing(runai_fixture("garbage_html.html")).ok());
}

TEST(RunaiJobState, MapsEveryDocumentedWord) {
  const std::vector<std::pair<const char*, JobState>> words{
      {"Completed", JobState::Succeeded},
      {"Succeeded", JobState::Succeeded},
      {"Failed", JobState::Failed},
      {"TimedOut", JobState::Failed},
      {"Preempted", JobState::Failed},
      {"Deleted", JobState::Failed},
      {"Stopped", JobState::Stopped},
      {"Pending", JobState::Pending},
      {"Creating", JobState::Pending},
      {"Initializing", JobState::Pending},
      {"ContainerCreating", JobState::Pending},
      {"PodInitializing", JobState::Pending},
      {"Init:0/1", JobState::Pending},
      {"init:Error", JobState::Pending},
      {"Running", JobState::Running},
      {"RUNNING", JobState::Running},
      {"Deleting", JobState::Deleting},
      {"Terminating", JobState::Deleting},
      {"Stopping", JobState::OtherActive},
      {"Degraded", JobState::OtherActive},
      {"CrashLoopBackOff", JobState::OtherActive},
      {"Unknown", JobState::Unknown},
  };
  for (const auto& [word, state] : words) {
    EXPECT_EQ(runai_job_state(word), state) << word;
    EXPECT_TRUE(is_known_runai_status(word)) << word;
  }
  EXPECT_EQ(runai_job_state("Throttled"), JobState::Unknown);
  EXPECT_FALSE(is_known_runai_status("Throttled"));
  EXPECT_TRUE(holds_slot(runai_job_state("Throttled"))) << "a word never seen holds its slot";
}

}  // namespace
}  // namespace traitctl::runai_listing_tests
