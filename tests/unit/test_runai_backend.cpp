#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "traitctl/adapters/runai_backend.hpp"
#include "traitctl/config/job_builder.hpp"

namespace traitctl::runai_backend_tests {
namespace {

using ::testing::ElementsAreArray;

// What submit-all-traits-runai.sh ran for trait 5 of a typical .env.
TEST(RunaiSubmitArgv, MatchesTheBashScriptWordForWord) {
  BatchSettings settings;
  settings.project = "talmo-lab";
  settings.prefix = "gapit3-trait";
  settings.image = "ghcr.io/salk-harnessing-plants-initiative/gapit3-gwas-pipeline:sha-bc10fc8";
  settings.cpu = "12";
  settings.memory = "32G";
  settings.data_path_host = "/hpi/data dir";
  settings.output_path_host = "/hpi/outputs";
  settings.gapit.snp_fdr = "0.05";
  settings.gapit.accession_ids_file = "/data/phenotype/accession_ids.txt";  // as .env.example sets it
  RunaiOptions options;
  options.project = settings.project;

  const auto argv = runai_submit_argv(options, build_job_spec(settings, 5, 1));
  const std::vector<std::string> expected{
      "runai",
      "workspace",
      "submit",
      "gapit3-trait-5",
      "--project",
      "talmo-lab",
      "--image",
      "ghcr.io/salk-harnessing-plants-initiative/gapit3-gwas-pipeline:sha-bc10fc8",
      "--cpu-core-request",
      "12",
      "--cpu-memory-request",
      "32G",
      "--host-path",
      "path=/hpi/data dir,mount=/data,mount-propagation=HostToContainer",
      "--host-path",
      "path=/hpi/outputs,mount=/outputs,mount-propagation=HostToContainer,readwrite",
      "--environment",
      "TRAIT_INDEX=5",
      "--environment",
      "DATA_PATH=/data",
      "--environment",
      "OUTPUT_PATH=/outputs",
      "--environment",
      "GENOTYPE_FILE=/data/genotype/all_chromosomes_binary.hmp.txt",
      "--environment",
      "PHENOTYPE_FILE=/data/phenotype/traits.txt",
      "--environment",
      "ACCESSION_IDS_FILE=/data/phenotype/accession_ids.txt",
      "--environment",
      "MODEL=MLM",
      "--environment",
      "PCA_TOTAL=0",
      "--environment",
      "SNP_MAF=0",
      "--environment",
      "SNP_THRESHOLD=0.05",
      "--environment",
      "SNP_FDR=0.05",
      "--environment",
      "KINSHIP_ALGORITHM=Zhang",
      "--environment",
      "SNP_EFFECT=Add",
      "--environment",
      "SNP_IMPUTE=Middle",
      "--environment",
      "MULTIPLE_ANALYSIS=TRUE",
      "--environment",
      "OPENBLAS_NUM_THREADS=12",
      "--environment",
      "OMP_NUM_THREADS=12",
      "--command",
      "--",
      "/scripts/entrypoint.sh",
      "run-single-trait"};
  EXPECT_THAT(argv, ElementsAreArray(expected));
}

TEST(RunaiSubmitArgv, ARetryCarriesItsAttemptNumber) {
  BatchSettings settings;
  RunaiOptions options;
  const auto argv = runai_submit_argv(options, build_job_spec(settings, 7, 2));
  const auto command = std::find(argv.begin(), argv.end(), "--command");
  ASSERT_NE(command, argv.end());
  EXPECT_EQ(*(command - 1), "TRAITCTL_ATTEMPT=2");
  EXPECT_EQ(*(command - 2), "--environment");
}

// runai would read the part after the comma as another --host-path field.
TEST(RunaiBackendSubmit, RefusesAHostPathWithACommaWithoutCallingRunai) {
  BatchSettings settings;
  settings.project = "lab";
  settings.prefix = "t";
  settings.data_path_host = "/hpi/data,mount=/etc";
  RunaiOptions options;
  options.executable = "/nonexistent/runai";  // a call would fail with NotFound instead
  RunaiBackend backend(options);
  const auto outcome = backend.submit(build_job_spec(settings, 5, 1));
  ASSERT_FALSE(outcome.ok());
  EXPECT_EQ(outcome.error().kind, ErrorKind::Config);
  EXPECT_THAT(outcome.error().message,
              ::testing::HasSubstr("DATA_PATH_HOST '/hpi/data,mount=/etc' holds a comma"));
}

TEST(RunaiJobArgv, UsesTheLongProjectFlag) {
  RunaiOptions options;
  options.executable = "/opt/runai";
  options.project = "team-a";
  EXPECT_THAT(runai_job_argv(options, "delete", "x-5"),
              ElementsAreArray({"/opt/runai", "workspace", "delete", "x-5", "--project", "team-a"}));
  EXPECT_THAT(runai_list_argv(options),
              ElementsAreArray({"/opt/runai", "workspace", "list", "--project", "team-a"}));
}

TEST(DetectListPaging, ReadsTheFlagsFromHelp) {
  EXPECT_EQ(detect_list_paging("Flags:\n      --limit int32   number of workload in list (default 50)\n"
                               "      --offset int32\n"),
            ListPaging::LimitOffset);
  EXPECT_EQ(detect_list_paging("      --max-items int\n      --next-token string\n      --no-pagination\n"),
            ListPaging::NextToken);
  EXPECT_EQ(detect_list_paging("Flags:\n  -h, --help\n  -p, --project string\n"), ListPaging::None);
}

}  // namespace
}  // namespace traitctl::runai_backend_tests
