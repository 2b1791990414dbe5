#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "traitctl/config/env_file.hpp"
#include "traitctl/config/job_builder.hpp"

namespace traitctl::job_builder_tests {
namespace {

using ::testing::ElementsAre;
using Environment = std::vector<std::pair<std::string, std::string>>;

Environment script_environment(const std::string& trait, const std::string& cpu, bool with_fdr) {
  Environment environment{{"TRAIT_INDEX", trait},
                          {"DATA_PATH", "/data"},
                          {"OUTPUT_PATH", "/outputs"},
                          {"GENOTYPE_FILE", "/data/genotype/all_chromosomes_binary.hmp.txt"},
                          {"PHENOTYPE_FILE", "/data/phenotype/traits.txt"},
                          {"ACCESSION_IDS_FILE", ""},  // unset: the entrypoint's default
                          {"MODEL", "MLM"},
                          {"PCA_TOTAL", "0"},
                          {"SNP_MAF", "0"},
                          {"SNP_THRESHOLD", "0.05"}};
  if (with_fdr) {
    environment.emplace_back("SNP_FDR", "0.1");
  }
  const Environment rest{{"KINSHIP_ALGORITHM", "Zhang"}, {"SNP_EFFECT", "Add"},
                         {"SNP_IMPUTE", "Middle"},       {"MULTIPLE_ANALYSIS", "TRUE"},
                         {"OPENBLAS_NUM_THREADS", cpu},  {"OMP_NUM_THREADS", cpu}};
  environment.insert(environment.end(), rest.begin(), rest.end());
  return environment;
}

TEST(BuildJobSpec, FillsTheJobFromTheSettings) {
  BatchSettings settings;
  settings.project = "team-a";
  settings.prefix = "run7";
  settings.image = "img:1";
  settings.cpu = "8";
  settings.memory = "64G";
  settings.data_path_host = "/hpi/data";
  settings.output_path_host = "/hpi/out";
  const JobSpec spec = build_job_spec(settings, 42, 1);
  EXPECT_EQ(spec.name, "run7-42");
  EXPECT_EQ(spec.trait, 42);
  EXPECT_EQ(spec.project, "team-a");
  EXPECT_EQ(spec.image, "img:1");
  EXPECT_EQ(spec.cpu, "8");
  EXPECT_EQ(spec.memory, "64G");
  EXPECT_EQ(spec.data_path_host, "/hpi/data");
  EXPECT_EQ(spec.output_path_host, "/hpi/out");
  EXPECT_THAT(spec.command, ElementsAre("/scripts/entrypoint.sh", "run-single-trait"));
}

TEST(BuildJobSpec, EnvironmentInTheScriptsOrderWithoutSnpFdr) {
  BatchSettings settings;
  settings.cpu = "16";
  EXPECT_EQ(build_job_spec(settings, 5, 1).environment, script_environment("5", "16", false));
}

TEST(BuildJobSpec, SnpFdrFollowsSnpThresholdWhenSet) {
  BatchSettings settings;
  settings.gapit.snp_fdr = "0.1";
  EXPECT_EQ(build_job_spec(settings, 5, 1).environment, script_environment("5", "12", true));
}

TEST(BuildJobSpec, LaterAttemptsAddTheAttemptLast) {
  BatchSettings settings;
  Environment expected = script_environment("9", "12", false);
  expected.emplace_back("TRAITCTL_ATTEMPT", "2");
  EXPECT_EQ(build_job_spec(settings, 9, 2).environment, expected);
}

// A value that a shell would split or expand reaches the job as one element,
// from the .env file through to the JobSpec.
TEST(BuildJobSpec, ShellCharactersStayInOneElement) {
  const auto no_environment = [](std::string_view) { return std::optional<std::string>{}; };
  auto values = parse_env_file(
      "MODEL=\"MLM FarmCPU\"\n"
      "GENOTYPE_FILE='/data/my \"genotype\" file.hmp.txt'\n"
      "PHENOTYPE_FILE='/data/$(touch pwned); rm -rf ~ `id`'\n"
      "DATA_PATH_HOST='/hpi/data dir'\n",
      ".env", no_environment);
  ASSERT_TRUE(values.ok()) << values.error().message;
  auto settings = resolve_settings(VariableSource(std::move(*values), no_environment));
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  const JobSpec spec = build_job_spec(*settings, 3, 1);
  EXPECT_EQ(spec.data_path_host, "/hpi/data dir");
  const auto value_of = [&spec](std::string_view name) {
    for (const auto& [key, value] : spec.environment) {
      if (key == name) {
        return value;
      }
    }
    return std::string("<missing>");
  };
  EXPECT_EQ(value_of("MODEL"), "MLM FarmCPU");
  EXPECT_EQ(value_of("GENOTYPE_FILE"), "/data/my \"genotype\" file.hmp.txt");
  EXPECT_EQ(value_of("PHENOTYPE_FILE"), "/data/$(touch pwned); rm -rf ~ `id`");
  EXPECT_EQ(spec.environment.size(), script_environment("3", "12", false).size());
}

}  // namespace
}  // namespace traitctl::job_builder_tests
