#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/config/settings.hpp"

namespace traitctl::settings_tests {
namespace {

using ::testing::HasSubstr;
using Values = std::map<std::string, std::string>;

VariableSource::EnvironmentLookup fake_environment(Values values) {
  return [values = std::move(values)](std::string_view name) -> std::optional<std::string> {
    const auto found = values.find(std::string(name));
    if (found == values.end()) {
      return std::nullopt;
    }
    return found->second;
  };
}

Result<BatchSettings> resolve(Values env_file, Values environment = {}) {
  return resolve_settings(VariableSource(std::move(env_file), fake_environment(std::move(environment))));
}

TEST(VariableSource, EnvironmentBeatsEnvFileAndEmptyCountsAsUnset) {
  const VariableSource variables({{"A", "file"}, {"B", "file"}, {"C", ""}, {"D", "file"}},
                                 fake_environment({{"A", "env"}, {"C", "env"}, {"D", ""}, {"E", ""}}));
  EXPECT_EQ(variables.get("A"), "env");
  EXPECT_EQ(variables.origin("A"), ValueOrigin::Environment);
  EXPECT_EQ(variables.get("B"), "file");
  EXPECT_EQ(variables.origin("B"), ValueOrigin::EnvFile);
  EXPECT_EQ(variables.get("C"), "env");
  EXPECT_EQ(variables.get("D"), "file");  // an empty environment value does not hide the file's
  EXPECT_EQ(variables.origin("D"), ValueOrigin::EnvFile);
  EXPECT_EQ(variables.get("E"), std::nullopt);
  EXPECT_EQ(variables.origin("E"), ValueOrigin::Default);
  EXPECT_EQ(variables.get("F"), std::nullopt);

  // For the settings where empty means off, set-but-empty is a value.
  EXPECT_EQ(variables.get_even_if_empty("A"), "env");
  EXPECT_EQ(variables.get_even_if_empty("C"), "env");
  EXPECT_EQ(variables.get_even_if_empty("D"), "");  // the environment's "" beats the file
  EXPECT_EQ(variables.get_even_if_empty("E"), "");
  EXPECT_EQ(VariableSource({{"G", ""}}, fake_environment({})).get_even_if_empty("G"), "");
  EXPECT_EQ(variables.get_even_if_empty("F"), std::nullopt);
}

TEST(ProcessEnvironment, ReadsTheRealEnvironment) {
  ::setenv("TRAITCTL_TEST_A", "short", 1);
  ::setenv("TRAITCTL_TEST_AB", "long", 1);
  const auto lookup = process_environment();
  EXPECT_EQ(lookup("TRAITCTL_TEST_A"), "short");
  // A view into a longer string: only the viewed characters name the variable.
  const std::string longer = "TRAITCTL_TEST_AB";
  EXPECT_EQ(lookup(std::string_view(longer).substr(0, 15)), "short");
  ::unsetenv("TRAITCTL_TEST_A");
  ::unsetenv("TRAITCTL_TEST_AB");
  EXPECT_EQ(lookup("TRAITCTL_TEST_A"), std::nullopt);
}

TEST(ResolveSettings, DefaultsAreTheScriptsDefaults) {
  auto settings = resolve({});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->project, "talmo-lab");
  EXPECT_EQ(settings->prefix, "gapit3-trait");
  EXPECT_EQ(settings->start_trait, 2);
  EXPECT_EQ(settings->end_trait, 187);
  EXPECT_EQ(settings->max_concurrent, 50);
  EXPECT_EQ(settings->image, "ghcr.io/salk-harnessing-plants-initiative/gapit3-gwas-pipeline:latest");
  EXPECT_EQ(settings->cpu, "12");
  EXPECT_EQ(settings->memory, "32G");
  EXPECT_EQ(settings->data_path_host, "/data");
  EXPECT_EQ(settings->output_path_host, "/outputs");
  EXPECT_EQ(settings->gapit.model, "MLM");
  EXPECT_EQ(settings->gapit.snp_fdr, "");
  EXPECT_EQ(settings->gapit.kinship_algorithm, "Zhang");
  EXPECT_EQ(settings->expected_output, "trait_{trait:03}_*/GAPIT.Association.Filter_GWAS_results.csv");
  EXPECT_TRUE(settings->memory_ladder.empty());
  EXPECT_TRUE(settings->cpu_ladder.empty());
  // Unset, as in the bash script: sent empty, and the entrypoint picks its default.
  EXPECT_EQ(settings->gapit.accession_ids_file, "");
}

TEST(ResolveSettings, ReadsEveryVariable) {
  auto settings = resolve({{"PROJECT", "team-a"},
                           {"JOB_PREFIX", "run7"},
                           {"START_TRAIT", "5"},
                           {"END_TRAIT", "40"},
                           {"MAX_CONCURRENT", "10"},
                           {"IMAGE", "img:1"},
                           {"CPU", "8"},
                           {"MEMORY", "64G"},
                           {"DATA_PATH_HOST", "/hpi/data"},
                           {"OUTPUT_PATH_HOST", "/hpi/out"},
                           {"GENOTYPE_FILE", "/data/g.hmp.txt"},
                           {"PHENOTYPE_FILE", "/data/p.txt"},
                           {"ACCESSION_IDS_FILE", "/data/ids.txt"},
                           {"MODEL", "BLINK,FarmCPU"},
                           {"PCA_TOTAL", "3"},
                           {"SNP_MAF", "0.05"},
                           {"SNP_THRESHOLD", "5e-8"},
                           {"SNP_FDR", "0.1"},
                           {"MULTIPLE_ANALYSIS", "FALSE"},
                           {"KINSHIP_ALGORITHM", "VanRaden"},
                           {"SNP_EFFECT", "Dom"},
                           {"SNP_IMPUTE", "Major"}});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->project, "team-a");
  EXPECT_EQ(settings->prefix, "run7");
  EXPECT_EQ(settings->start_trait, 5);
  EXPECT_EQ(settings->end_trait, 40);
  EXPECT_EQ(settings->max_concurrent, 10);
  EXPECT_EQ(settings->image, "img:1");
  EXPECT_EQ(settings->cpu, "8");
  EXPECT_EQ(settings->memory, "64G");
  EXPECT_EQ(settings->data_path_host, "/hpi/data");
  EXPECT_EQ(settings->output_path_host, "/hpi/out");
  const GapitSettings& gapit = settings->gapit;
  EXPECT_EQ(gapit.genotype_file, "/data/g.hmp.txt");
  EXPECT_EQ(gapit.phenotype_file, "/data/p.txt");
  EXPECT_EQ(gapit.accession_ids_file, "/data/ids.txt");
  EXPECT_EQ(gapit.model, "BLINK,FarmCPU");
  EXPECT_EQ(gapit.pca_total, "3");
  EXPECT_EQ(gapit.snp_maf, "0.05");
  EXPECT_EQ(gapit.snp_threshold, "5e-8");
  EXPECT_EQ(gapit.snp_fdr, "0.1");
  EXPECT_EQ(gapit.multiple_analysis, "FALSE");
  EXPECT_EQ(gapit.kinship_algorithm, "VanRaden");
  EXPECT_EQ(gapit.snp_effect, "Dom");
  EXPECT_EQ(gapit.snp_impute, "Major");
}

TEST(ResolveSettings, EnvironmentBeatsEnvFileBeatsDefault) {
  auto settings = resolve({{"PROJECT", "from-file"}, {"CPU", "4"}, {"MEMORY", "8G"}},
                          {{"PROJECT", "from-env"}, {"MEMORY", ""}});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->project, "from-env");
  EXPECT_EQ(settings->cpu, "4");
  EXPECT_EQ(settings->memory, "8G");  // empty in the environment: unset
  EXPECT_EQ(settings->image, BatchSettings{}.image);
}

TEST(ResolveSettings, LegacyNamesApplyOnlyWhenTheNewNameIsUnset) {
  struct Case {
    Values env_file;
    Values environment;
    std::string model, pca_total, snp_maf, kinship, data, output;
  };
  const std::vector<Case> cases{
      // Legacy names alone.
      {{{"MODELS", "GLM"},
        {"PCA_COMPONENTS", "5"},
        {"MAF_FILTER", "0.01"},
        {"KINSHIP_METHOD", "Loiselle"},
        {"DATA_PATH", "/d"},
        {"OUTPUT_PATH", "/o"}},
       {},
       "GLM",
       "5",
       "0.01",
       "Loiselle",
       "/d",
       "/o"},
      // Both: the new name wins.
      {{{"MODELS", "GLM"},
        {"MODEL", "BLINK"},
        {"PCA_COMPONENTS", "5"},
        {"PCA_TOTAL", "2"},
        {"MAF_FILTER", "0.01"},
        {"SNP_MAF", "0.02"},
        {"KINSHIP_METHOD", "Loiselle"},
        {"KINSHIP_ALGORITHM", "EMMA"},
        {"DATA_PATH", "/d"},
        {"DATA_PATH_HOST", "/dh"},
        {"OUTPUT_PATH", "/o"},
        {"OUTPUT_PATH_HOST", "/oh"}},
       {},
       "BLINK",
       "2",
       "0.02",
       "EMMA",
       "/dh",
       "/oh"},
      // ${NEW:-${LEGACY}}: a new name in .env beats a legacy name in the environment.
      {{{"MODEL", "BLINK"}, {"DATA_PATH_HOST", "/dh"}},
       {{"MODELS", "GLM"}, {"DATA_PATH", "/d"}, {"OUTPUT_PATH", "/o"}},
       "BLINK",
       "0",
       "0",
       "Zhang",
       "/dh",
       "/o"},
      // An empty new name falls through to the legacy one.
      {{{"MODEL", ""}, {"MODELS", "GLM"}, {"DATA_PATH_HOST", ""}, {"DATA_PATH", "/d"}},
       {},
       "GLM",
       "0",
       "0",
       "Zhang",
       "/d",
       "/outputs"},
  };
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    auto settings = resolve(c.env_file, c.environment);
    ASSERT_TRUE(settings.ok()) << settings.error().message;
    EXPECT_EQ(settings->gapit.model, c.model) << "case " << i;
    EXPECT_EQ(settings->gapit.pca_total, c.pca_total) << "case " << i;
    EXPECT_EQ(settings->gapit.snp_maf, c.snp_maf) << "case " << i;
    EXPECT_EQ(settings->gapit.kinship_algorithm, c.kinship) << "case " << i;
    EXPECT_EQ(settings->data_path_host, c.data) << "case " << i;
    EXPECT_EQ(settings->output_path_host, c.output) << "case " << i;
  }
}

TEST(ResolveSettings, NumbersMustParseAndTheErrorNamesVariableValueAndOrigin) {
  auto from_file = resolve({{"START_TRAIT", "abc"}});
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.error().kind, ErrorKind::Config);
  EXPECT_THAT(from_file.error().message, HasSubstr("START_TRAIT='abc' (from .env) is not a whole number"));

  auto from_environment = resolve({{"MAX_CONCURRENT", "10"}}, {{"MAX_CONCURRENT", "ten"}});
  ASSERT_FALSE(from_environment.ok());
  EXPECT_THAT(from_environment.error().message,
              HasSubstr("MAX_CONCURRENT='ten' (from the environment) is not a whole number"));

  for (const std::string bad : {"-1", "+5", " 5", "5 ", "1.5", "187abc", "2147483648", "\x1b[2J"}) {
    auto settings = resolve({{"END_TRAIT", bad}});
    ASSERT_FALSE(settings.ok()) << bad;
    EXPECT_THAT(settings.error().message, HasSubstr("END_TRAIT='")) << bad;
  }
  auto hostile = resolve({{"END_TRAIT", "\x1b[2J"}});
  ASSERT_FALSE(hostile.ok());
  EXPECT_THAT(hostile.error().message, HasSubstr("END_TRAIT='\\x1b[2J'"));
}

TEST(ResolveSettings, ExpectedOutputCanBeSetOrTurnedOff) {
  auto set = resolve({{"EXPECTED_OUTPUT", "trait_{trait}/done.csv"}});
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(set->expected_output, "trait_{trait}/done.csv");
  auto off_in_file = resolve({{"EXPECTED_OUTPUT", ""}});
  ASSERT_TRUE(off_in_file.ok()) << off_in_file.error().message;
  EXPECT_EQ(off_in_file->expected_output, "");
  auto off_in_environment = resolve({{"EXPECTED_OUTPUT", "x_{trait}"}}, {{"EXPECTED_OUTPUT", ""}});
  ASSERT_TRUE(off_in_environment.ok()) << off_in_environment.error().message;
  EXPECT_EQ(off_in_environment->expected_output, "");
}

TEST(ResolveSettings, ABadExpectedOutputNamesTheSettingAndTheFix) {
  auto bad = resolve({{"EXPECTED_OUTPUT", "trait_{trait:3}/x.csv"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().kind, ErrorKind::Config);
  EXPECT_THAT(bad.error().message, HasSubstr("EXPECTED_OUTPUT: the output pattern 'trait_{trait:3}/x.csv'"));
  EXPECT_THAT(bad.error().message, HasSubstr("{trait:03}"));
}

TEST(ResolveSettings, LaddersAreParsedSmallestFirst) {
  auto settings = resolve({{"MEMORY_LADDER", "64G, 96G,160G"}}, {{"CPU_LADDER", "12,16,24"}});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->memory_ladder, (std::vector<std::string>{"64G", "96G", "160G"}));
  EXPECT_EQ(settings->cpu_ladder, (std::vector<std::string>{"12", "16", "24"}));

  auto shrinking = resolve({{"MEMORY_LADDER", "64G,32G"}});
  ASSERT_FALSE(shrinking.ok());
  EXPECT_EQ(shrinking.error().kind, ErrorKind::Config);
  EXPECT_THAT(shrinking.error().message, HasSubstr("MEMORY_LADDER '64G,32G'"));
  EXPECT_THAT(shrinking.error().message, HasSubstr("(from .env); fix or unset it"));

  auto bad_cpu = resolve({}, {{"CPU_LADDER", "12,lots"}});
  ASSERT_FALSE(bad_cpu.ok());
  EXPECT_THAT(bad_cpu.error().message, HasSubstr("CPU_LADDER tier 2 'lots'"));
  EXPECT_THAT(bad_cpu.error().message, HasSubstr("(from the environment)"));
}

TEST(ResolveSettings, RangesAreLeftToValidation) {
  auto settings = resolve({{"START_TRAIT", "0"}, {"END_TRAIT", "2147483647"}, {"MAX_CONCURRENT", "0"}});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->start_trait, 0);
  EXPECT_EQ(settings->end_trait, 2147483647);
  EXPECT_EQ(settings->max_concurrent, 0);
}

TEST(ResolveSettings, ReadsTheSlurmVariables) {
  auto settings = resolve({{"SLURM_PARTITION", "long"},
                           {"SLURM_ACCOUNT", "gwas"},
                           {"SLURM_QOS", "normal"},
                           {"SLURM_EXTRA_ARGS", " --constraint=avx2\t--gres=gpu:1  --exclusive "}},
                          {{"SLURM_TIME", "2-00:00:00"}});
  ASSERT_TRUE(settings.ok()) << settings.error().message;
  EXPECT_EQ(settings->slurm.partition, "long");
  EXPECT_EQ(settings->slurm.account, "gwas");
  EXPECT_EQ(settings->slurm.qos, "normal");
  EXPECT_EQ(settings->slurm.time_limit, "2-00:00:00");
  EXPECT_EQ(settings->slurm.extra_args,
            (std::vector<std::string>{"--constraint=avx2", "--gres=gpu:1", "--exclusive"}));
  auto unset = resolve({});
  ASSERT_TRUE(unset.ok()) << unset.error().message;
  EXPECT_TRUE(unset->slurm.partition.empty());
  EXPECT_TRUE(unset->slurm.extra_args.empty());
}

TEST(SplitSlurmWords, GivesNoMeaningToShellCharacters) {
  const auto words = split_slurm_words("--comment=$HOME *  --mail-type=END,FAIL", "SLURM_EXTRA_ARGS");
  ASSERT_TRUE(words.ok()) << words.error().message;
  EXPECT_EQ(*words, (std::vector<std::string>{"--comment=$HOME", "*", "--mail-type=END,FAIL"}));
  EXPECT_TRUE(split_slurm_words("   ", "X")->empty());
}

TEST(SplitSlurmWords, RefusesQuotesAndBackslashesThatWouldNotQuote) {
  for (const std::string text : {"--comment='a b'", "--comment=\"a b\"", "a\\ b"}) {
    const auto words = split_slurm_words(text, "SLURM_EXTRA_ARGS");
    ASSERT_FALSE(words.ok()) << text;
    EXPECT_EQ(words.error().kind, ErrorKind::Config);
    EXPECT_THAT(words.error().message, HasSubstr("split at blanks only"));
    EXPECT_THAT(words.error().message, HasSubstr("--slurm-arg"));
  }
  auto from_env_file = resolve({{"SLURM_EXTRA_ARGS", "--comment='x y'"}});
  ASSERT_FALSE(from_env_file.ok());
  EXPECT_THAT(from_env_file.error().message, HasSubstr("(from .env); fix or unset it"));
}

}  // namespace
}  // namespace traitctl::settings_tests
