// What Slurm tells of each attempt, end to end on the test cluster: the node
// it ran on and Slurm's own start and end times, journaled with the attempt's
// end and shown by describe; and a node whose jobs keep failing their mounts
// turns into --exclude on the next sbatch (seen through a logging sbatch in
// front of the real one, which leaves the flag out: the test cluster has one
// node, and a job excluded from it would never run).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "slurm_batch.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl::slurm_test::e2e_facts_tests {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const std::vector<std::string> kFast = {"--yes", "--json", "--poll-interval", "0.3s", "--retry-delay", "1s"};

std::vector<std::string> with_fast(std::vector<std::string> args) {
  args.insert(args.begin(), kFast.begin(), kFast.end());
  return args;
}

// The journal lines of `event` for the batch.
std::vector<json> journaled(const SlurmBatch& batch, const std::string& event) {
  std::vector<json> lines;
  std::istringstream text(e2e::read_text(batch.folder().state_dir() / "journal.jsonl"));
  for (std::string line; std::getline(text, line);) {
    const json parsed = json::parse(line, nullptr, false);
    if (parsed.is_object() && parsed.value("prefix", "") == batch.prefix() &&
        parsed.value("event", "") == event) {
      lines.push_back(parsed);
    }
  }
  return lines;
}

TEST(SlurmFacts, TheAttemptsEndCarriesTheNodeAndSlurmsTimes) {
  const SlurmBatch batch(shared_cluster(), "facts");
  batch.write_env(2, 2);
  batch.set_sleep(1.2);
  const auto result = batch.traitctl(batch.args("run", with_fast({}), true));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto completed = journaled(batch, "completed");
  ASSERT_EQ(completed.size(), 1U) << result.err;
  EXPECT_EQ(completed[0].at("node"), shared_cluster().facts().node);
  ASSERT_TRUE(completed[0].at("started_at").is_string()) << completed[0].dump();
  ASSERT_TRUE(completed[0].at("ended_at").is_string()) << completed[0].dump();
  const auto started = parse_utc(completed[0].at("started_at").get<std::string>());
  const auto ended = parse_utc(completed[0].at("ended_at").get<std::string>());
  ASSERT_TRUE(started.ok() && ended.ok());
  EXPECT_GE(*ended - *started, std::chrono::seconds{1}) << "the job slept 1.2 s";
  // Accounting storage is off on the test cluster: no MaxRSS, no TotalCPU.
  EXPECT_TRUE(completed[0].at("peak_memory_bytes").is_null());
  EXPECT_TRUE(completed[0].at("cpu_seconds").is_null());

  const auto described = batch.traitctl(batch.args("describe", {"2", "--json"}));
  ASSERT_EQ(described.exit_code, 0) << described.err;
  const json story = json::parse(described.out);
  const json attempt = story.at("ledger").at("attempts").at(0);
  for (const char* key : {"started_at", "ended_at", "node", "peak_memory_bytes", "cpu_seconds"}) {
    EXPECT_TRUE(attempt.contains(key)) << key;
  }
  bool shown = false;
  for (const json& line : story.at("journal")) {
    shown =
        shown || (line.at("event") == "completed" && line.value("node", "") == shared_cluster().facts().node);
  }
  EXPECT_TRUE(shown) << story.at("journal").dump();
}

TEST(SlurmFacts, ASuspectNodeTurnsIntoExcludeOnTheNextSbatch) {
  const SlurmBatch batch(shared_cluster(), "avoid");
  batch.write_env(2, 7);
  batch.set_sleep(0.2);
  for (int trait : {2, 3, 4}) {
    batch.plan(trait, {"exit 2", "exit 0"});
  }
  // sinfo names a second node, so that excluding the real one is not every
  // node; sbatch logs its argv and passes it on without --exclude.
  const fs::path wrappers = batch.folder().dir() / "wrappers";
  const fs::path log = batch.folder().dir() / "sbatch-argv.log";
  fs::create_directories(wrappers);
  const fs::path real_bin = shared_cluster().facts().client_bin;
  std::ofstream(wrappers / "sbatch")
      << "#!/bin/sh\n"
      << "printf '%s\\n' \"$*\" >> '" << log.string() << "'\n"
      << "for a do shift; case \"$a\" in --exclude=*) ;; *) set -- \"$@\" \"$a\";; "
         "esac; done\n"
      << "exec '" << (real_bin / "sbatch").string() << "' \"$@\"\n";
  std::ofstream(wrappers / "sinfo") << "#!/bin/sh\nprintf '%s\\n' '" << shared_cluster().facts().node
                                    << "' ghost-node\n";
  for (const char* name : {"sbatch", "sinfo"}) {
    fs::permissions(wrappers / name, fs::perms::owner_all);
  }
  std::string path;
  for (const auto& [key, value] : shared_cluster().environment()) {
    if (key == "PATH") {
      path = value;
    }
  }
  const auto result = batch.traitctl(batch.args("run", with_fast({"--max-concurrent", "1"}), true),
                                     {{"PATH", wrappers.string() + ":" + path}});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string node = shared_cluster().facts().node;
  std::istringstream calls(e2e::read_text(log));
  std::vector<std::string> argv_lines;
  for (std::string line; std::getline(calls, line);) {
    argv_lines.push_back(line);
  }
  ASSERT_GE(argv_lines.size(), 4U);
  EXPECT_EQ(argv_lines.front().find("--exclude="), std::string::npos) << argv_lines.front();
  int excluded = 0;
  for (const std::string& line : argv_lines) {
    excluded += line.find("--exclude=" + node) != std::string::npos ? 1 : 0;
    EXPECT_EQ(line.find("ghost-node"), std::string::npos) << "only suspect nodes are excluded: " << line;
  }
  EXPECT_GE(excluded, 1) << e2e::read_text(log);
  const auto avoided = journaled(batch, "node-avoided");
  ASSERT_FALSE(avoided.empty()) << result.err;
  EXPECT_EQ(avoided[0].at("nodes"), json::array({node}));
  const json nodes = json::parse(result.out).at("nodes");
  ASSERT_EQ(nodes.size(), 1U) << nodes.dump();
  EXPECT_EQ(nodes[0].at("name"), node);
  EXPECT_EQ(nodes[0].at("failures").at("mount"), 3);
}

TEST(SlurmFacts, NoAvoidNodesKeepsSbatchAsItWas) {
  const SlurmBatch batch(shared_cluster(), "noavoid");
  batch.write_env(2, 5);
  batch.set_sleep(0.2);
  for (int trait : {2, 3, 4}) {
    batch.plan(trait, {"exit 2", "exit 0"});
  }
  const auto result =
      batch.traitctl(batch.args("run", with_fast({"--max-concurrent", "1", "--no-avoid-nodes"}), true));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_TRUE(journaled(batch, "node-avoided").empty());
}

}  // namespace
}  // namespace traitctl::slurm_test::e2e_facts_tests
