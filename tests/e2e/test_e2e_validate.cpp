// `traitctl validate` against the fake runai: every check reported, a FAIL
// makes exit 1, and --json puts one JSON document on stdout and nothing else.
#include <gtest/gtest.h>

#include <fstream>

#include "harness.hpp"

namespace traitctl::e2e::validate_tests {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// A synthetic HapMap genotype file: the 11 fixed columns, `samples` sample
// columns, `snps` rows.
void write_hapmap(const fs::path& path, int samples, int snps) {
  std::ofstream out(path);
  out << "rs#\talleles\tchrom\tpos\tstrand\tassembly#\tcenter\tprotLSID\tassayLSID\tpanelLSID\tQCcode";
  std::string calls;
  for (int sample = 1; sample <= samples; ++sample) {
    out << "\ta" << sample;
    calls += "\tAA";
  }
  out << '\n';
  for (int snp = 1; snp <= snps; ++snp) {
    out << "snp" << snp << "\tA/G\t1\t" << snp << "\t+\tNA\tNA\tNA\tNA\tNA\tNA" << calls << '\n';
  }
}

// A phenotype file of 10 columns (Taxa and traits 2..10), one row per sample.
void write_phenotype(const fs::path& path, int samples) {
  std::ofstream out(path);
  out << "Taxa\tt2\tt3\tt4\tt5\tt6\tt7\tt8\tt9\tt10\n";
  for (int sample = 1; sample <= samples; ++sample) {
    out << 'a' << sample << "\t1\t2\t3\t4\t5\t6\t7\t8\t9\n";
  }
}

// A batch whose data folder exists on this machine: 20 samples x 50,000
// SNPs, 0.06 GiB by the lab's estimate (60 MB).
class Validate : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.write_config({{"other_workloads", json::array({json{{"name", "b-2"}, {"project", "p"}}})}});
    for (const char* folder : {"data/genotype", "data/phenotype", "outputs"}) {
      fs::create_directories(cluster_.dir() / folder);
    }
    write_hapmap(cluster_.dir() / "data/genotype/all_chromosomes_binary.hmp.txt", 20, 50'000);
    std::ofstream(cluster_.dir() / "data/phenotype/accession_ids.txt") << "a1\n";
    write_phenotype(cluster_.dir() / "data/phenotype/traits.txt", 20);
  }

  // The .env: a good batch plus `extra` lines, which win over earlier ones.
  CommandResult validate(const std::string& extra, std::vector<std::string> flags = {}) const {
    const fs::path env = cluster_.dir() / "batch.env";
    std::ofstream(env) << "PROJECT=p\nJOB_PREFIX=b\nSTART_TRAIT=2\nEND_TRAIT=10\n"
                       << "DATA_PATH_HOST=" << (cluster_.dir() / "data").string() << '\n'
                       << "OUTPUT_PATH_HOST=" << (cluster_.dir() / "outputs").string() << '\n'
                       << extra;
    flags.insert(flags.begin(), {"validate", "--env-file", env.string()});
    return run_traitctl(cluster_, flags);
  }

  FakeCluster cluster_;
};

json check_named(const json& report, const std::string& name) {
  for (const auto& check : report.at("checks")) {
    if (check.at("name") == name) {
      return check;
    }
  }
  ADD_FAILURE() << "no check named " << name << " in " << report.dump(2);
  return json::object();
}

TEST_F(Validate, AGoodBatchPasses) {
  const auto result = validate("");
  EXPECT_EQ(result.exit_code, 0) << result.out << result.err;
  EXPECT_NE(result.out.find(" 0 warnings,"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("ok    runai"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("1 workload in the project; 1 job of this batch"), std::string::npos)
      << result.out;
  EXPECT_EQ(result.out.find("FAIL"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find(" 0 failed\n"), std::string::npos) << result.out;
}

// Off a terminal the report is plain; --color=always colours the status
// words (and nothing else), --color=never and NO_COLOR keep them plain.
TEST_F(Validate, ColoursTheStatusWordsOnlyWhenAsked) {
  const auto plain = validate("END_TRAIT=11\n");
  EXPECT_EQ(plain.out.find('\x1b'), std::string::npos) << plain.out;
  const auto coloured = validate("END_TRAIT=11\n", {"--color=always"});
  EXPECT_NE(coloured.out.find("\x1b[32mok  \x1b[0m  runai"), std::string::npos) << coloured.out;
  EXPECT_NE(coloured.out.find("\x1b[31mFAIL\x1b[0m  phenotype columns"), std::string::npos) << coloured.out;
  EXPECT_EQ(lines_of(coloured.out).back().find('\x1b'), std::string::npos) << "the summary line is plain";
  const auto never = validate("END_TRAIT=11\n", {"--color=never"});
  EXPECT_EQ(never.out.find('\x1b'), std::string::npos) << never.out;
  EXPECT_EQ(coloured.exit_code, plain.exit_code);
}

TEST_F(Validate, ABadModelFailsAndJsonIsAllOfStdout) {
  const auto result = validate("MODEL=BLINK,Foo\n", {"--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  json report;
  ASSERT_NO_THROW(report = json::parse(result.out)) << result.out;  // rejects any trailing text
  EXPECT_EQ(report.at("command"), "validate");
  EXPECT_EQ(report.at("ok"), false);
  const json model = check_named(report, "MODEL");
  EXPECT_EQ(model.at("status"), "fail");
  EXPECT_EQ(model.at("value"), "BLINK,Foo");
  EXPECT_NE(model.at("message").get<std::string>().find("'Foo'"), std::string::npos);
  EXPECT_EQ(check_named(report, "runai").at("status"), "ok");
  EXPECT_EQ(check_named(report, "project listing").at("status"), "ok");
  EXPECT_EQ(check_named(report, "phenotype columns").at("status"), "ok");
  for (const auto& check : report.at("checks")) {
    if (check.at("name") != "MODEL") {
      EXPECT_NE(check.at("status"), "fail") << check.dump();
    }
  }
}

TEST_F(Validate, ReportsBadValuesInsteadOfStoppingAtTheFirst) {
  const auto result = validate("START_TRAIT=12\nJOB_PREFIX=Bad_Prefix\nMEMORY=32g\n", {"--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const json report = json::parse(result.out);
  EXPECT_EQ(check_named(report, "traits").at("status"), "fail");
  EXPECT_EQ(check_named(report, "JOB_PREFIX").at("status"), "fail");
  EXPECT_EQ(check_named(report, "MEMORY").at("status"), "fail");
}

TEST_F(Validate, TraitsBeyondThePhenotypeColumnsFail) {
  const auto result = validate("END_TRAIT=11\n");
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.out.find("FAIL  phenotype columns"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("at most 10"), std::string::npos) << result.out;
}

TEST_F(Validate, HostPathsThisMachineCannotSeeAreWarnings) {
  const auto result = validate("DATA_PATH_HOST=/nonexistent/traitctl-data\n", {"--json"});
  EXPECT_EQ(result.exit_code, 0) << result.out;
  const json report = json::parse(result.out);
  EXPECT_EQ(report.at("ok"), true);
  EXPECT_EQ(check_named(report, "DATA_PATH_HOST").at("status"), "warn");
  EXPECT_EQ(check_named(report, "GENOTYPE_FILE").at("status"), "warn");
}

TEST_F(Validate, MemoryBelowTheEstimateIsAWarningThatNamesTheTierThatCoversIt) {
  const auto text = validate("MEMORY=32M\nMEMORY_LADDER=48M,96M\n");
  EXPECT_EQ(text.exit_code, 0) << text.out << text.err;
  EXPECT_NE(text.out.find("warn  MEMORY "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("is below the estimated peak of 0.1 GiB (20 samples x 50,000 SNPs)"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("the MEMORY_LADDER tier 96M covers it"), std::string::npos) << text.out;

  const auto result = validate("MEMORY=32M\nMEMORY_LADDER=48M,96M\n", {"--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json report = json::parse(result.out);
  const json memory = check_named(report, "MEMORY");
  EXPECT_EQ(memory.at("status"), "warn");
  EXPECT_EQ(memory.at("estimated_gib"), 0.06) << memory.dump();
  const json ladder = check_named(report, "MEMORY_LADDER");
  EXPECT_EQ(ladder.at("status"), "ok");
  EXPECT_NE(ladder.at("message").get<std::string>().find("48M too small, 96M covers it"), std::string::npos)
      << ladder.dump();
  EXPECT_EQ(check_named(report, "samples").at("status"), "ok");
}

TEST_F(Validate, MemoryAboveTheEstimateIsOk) {
  const auto result = validate("MEMORY=128M\n", {"--json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  const json memory = check_named(json::parse(result.out), "MEMORY");
  EXPECT_EQ(memory.at("status"), "ok") << memory.dump();
  EXPECT_EQ(memory.at("estimated_gib"), 0.06) << memory.dump();
  EXPECT_NE(memory.at("message").get<std::string>().find("covers the estimated peak"), std::string::npos);
}

TEST_F(Validate, NoEstimateWithoutTheGenotypeFile) {
  const auto result = validate("DATA_PATH_HOST=/nonexistent/traitctl-data\n", {"--json"});
  const json memory = check_named(json::parse(result.out), "MEMORY");
  EXPECT_EQ(memory.at("status"), "warn") << memory.dump();
  EXPECT_FALSE(memory.contains("estimated_gib")) << memory.dump();
}

TEST_F(Validate, TheExpectedOutputIsShownForTheFirstTraitOrTurnedOff) {
  const auto shown = validate("", {"--json"});
  const json pattern = check_named(json::parse(shown.out), "EXPECTED_OUTPUT");
  EXPECT_EQ(pattern.at("status"), "ok");
  EXPECT_EQ(pattern.at("message"), "trait 2 is done when " + (cluster_.dir() / "outputs").string() +
                                       "/trait_002_*/GAPIT.Association.Filter_GWAS_results.csv exists");

  const auto off = validate("", {"--json", "--expected-output", ""});
  EXPECT_EQ(check_named(json::parse(off.out), "EXPECTED_OUTPUT").at("message"),
            "off: completion is judged by exit codes only");
  const auto from_env = validate("EXPECTED_OUTPUT=\n", {"--json"});
  EXPECT_EQ(check_named(json::parse(from_env.out), "EXPECTED_OUTPUT").at("value"), "");

  const auto bad_flag = validate("", {"--expected-output", "trait_{trait:3}/x.csv"});
  EXPECT_EQ(bad_flag.exit_code, 2);
  EXPECT_NE(bad_flag.err.find("--expected-output: the output pattern"), std::string::npos) << bad_flag.err;
}

TEST_F(Validate, ABadLadderIsAConfigurationFailure) {
  const auto result = validate("MEMORY_LADDER=64G,32G\n", {"--json"});
  EXPECT_EQ(result.exit_code, 1) << result.err;
  const json configuration = check_named(json::parse(result.out), "configuration");
  EXPECT_NE(configuration.at("message").get<std::string>().find("MEMORY_LADDER '64G,32G'"), std::string::npos)
      << configuration.dump();
}

// Unset, ACCESSION_IDS_FILE is sent empty and the entrypoint uses its own
// default: nothing to look for, so no warning and no FAIL. A file named
// explicitly must exist.
TEST_F(Validate, AnUnsetAccessionFileLeavesTheEntrypointsDefault) {
  fs::remove(cluster_.dir() / "data/phenotype/accession_ids.txt");
  const auto unset = validate("", {"--json"});
  EXPECT_EQ(unset.exit_code, 0) << unset.out << unset.err;
  const json check = check_named(json::parse(unset.out), "ACCESSION_IDS_FILE");
  EXPECT_EQ(check.at("status"), "ok");
  EXPECT_EQ(check.at("value"), "");
  EXPECT_NE(check.at("message").get<std::string>().find("not set: the entrypoint's default is used"),
            std::string::npos)
      << check.dump();
  const auto named = validate("ACCESSION_IDS_FILE=/data/phenotype/accession_ids.txt\n", {"--json"});
  EXPECT_EQ(named.exit_code, 1);
  EXPECT_EQ(check_named(json::parse(named.out), "ACCESSION_IDS_FILE").at("status"), "fail");
}

TEST_F(Validate, AMissingRunaiFails) {
  const auto result = validate("", {"--runai", (cluster_.dir() / "no-runai").string(), "--json"});
  EXPECT_EQ(result.exit_code, 1);
  const json report = json::parse(result.out);
  EXPECT_EQ(check_named(report, "runai").at("status"), "fail");
  EXPECT_EQ(check_named(report, "project listing").at("status"), "warn");
}

TEST_F(Validate, AnExpiredLoginIsReportedAsSuch) {
  // A runai that answers --help but whose login has expired: the fake for
  // help, a login error for everything else.
  const fs::path expired = cluster_.dir() / "expired-runai";
  std::ofstream(expired) << "#!/bin/sh\n"
                         << "case \"$*\" in *--help*) exec runai \"$@\" ;; esac\n"
                         << "echo 'Error: token is expired, please re-login' >&2\n"
                         << "exit 1\n";
  fs::permissions(expired, fs::perms::owner_all);
  const auto result = validate("", {"--runai", expired.string(), "--json"});
  EXPECT_EQ(result.exit_code, 1);
  const json report = json::parse(result.out);
  EXPECT_EQ(check_named(report, "runai").at("status"), "ok");
  const json listing = check_named(report, "project listing");
  EXPECT_EQ(listing.at("status"), "fail");
  EXPECT_NE(listing.at("message").get<std::string>().find("runai login"), std::string::npos)
      << listing.dump();
}

// The batch's attempt ledger (the batch database, or the JSON ledger of an
// earlier traitctl before it): none yet is fine; one that cannot be read
// (submit, retry and run would stop on it) is a FAIL naming the file and the fix.
TEST_F(Validate, AnUnreadableLedgerFailsAndAMissingOneIsFine) {
  const auto fresh = validate("", {"--json"});
  EXPECT_EQ(fresh.exit_code, 0) << fresh.out << fresh.err;
  EXPECT_EQ(check_named(json::parse(fresh.out), "ledger").at("status"), "ok");

  const fs::path ledger = cluster_.state_dir() / "p" / "b.ledger.json";
  fs::create_directories(ledger.parent_path());
  std::ofstream(ledger) << "{\"version\": 1, \"traits\": ";  // cut short
  const auto corrupt = validate("", {"--json"});
  EXPECT_EQ(corrupt.exit_code, 1) << corrupt.err;
  const json check = check_named(json::parse(corrupt.out), "ledger");
  EXPECT_EQ(check.at("status"), "fail");
  EXPECT_EQ(check.at("value"), ledger.string());
  EXPECT_NE(check.at("message").get<std::string>().find("move it aside"), std::string::npos) << check.dump();

  // The batch database, once there is one, is what counts.
  const fs::path database = cluster_.state_dir() / "p" / "b.db";
  std::ofstream(database) << "not a database";
  const auto damaged = validate("", {"--json"});
  EXPECT_EQ(damaged.exit_code, 1) << damaged.err;
  const json database_check = check_named(json::parse(damaged.out), "ledger");
  EXPECT_EQ(database_check.at("status"), "fail");
  EXPECT_EQ(database_check.at("value"), database.string());
  EXPECT_EQ(read_text(database), "not a database");

  const auto local = validate("", {"--backend", "local"});
  EXPECT_EQ(local.exit_code, 1) << local.err;
  EXPECT_NE(local.out.find("FAIL  ledger"), std::string::npos) << local.out;
  EXPECT_EQ(local.out.find("project listing"), std::string::npos) << "--backend local asks no runai\n"
                                                                  << local.out;
}

}  // namespace
}  // namespace traitctl::e2e::validate_tests
