// The pre-flight checks of `traitctl validate`: one row per check and value,
// over a faked filesystem.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <numeric>
#include <ostream>

#include "traitctl/config/checks.hpp"
#include "traitctl/config/sizing_checks.hpp"

namespace traitctl::checks_tests {
namespace {

namespace fs = std::filesystem;

class FakeProbe final : public FileProbe {
 public:
  [[nodiscard]] Kind kind(const fs::path& path) const override {
    const auto found = kinds.find(path);
    return found == kinds.end() ? Kind::Missing : found->second;
  }
  [[nodiscard]] std::optional<std::string> first_line(const fs::path& path) const override {
    const auto found = first_lines.find(path);
    return found == first_lines.end() ? std::nullopt : std::optional<std::string>(found->second);
  }
  [[nodiscard]] Result<TableShape> table_shape(const fs::path& path) const override {
    const auto found = shapes.find(path);
    if (found == shapes.end()) {
      return make_error(ErrorKind::Io, "cannot open {}", path.string());
    }
    return found->second;
  }
  std::map<fs::path, Kind> kinds;
  std::map<fs::path, std::string> first_lines;  // a File without one here is unreadable
  std::map<fs::path, TableShape> shapes;        // nor without one here
};

constexpr const char* data_dir = "/cluster/data";
constexpr const char* genotype_host = "/cluster/data/genotype/all_chromosomes_binary.hmp.txt";
constexpr const char* phenotype_host = "/cluster/data/phenotype/traits.txt";
constexpr const char* accessions_host = "/cluster/data/phenotype/accession_ids.txt";

std::string tab_header(int columns) {
  std::string header = "Taxa";
  for (int column = 2; column <= columns; ++column) {
    header += fmt::format("\ttrait_{}", column);
  }
  return header;
}

// HapMap's 11 fixed columns, then one per sample.
std::string hapmap_header(int samples) {
  std::string header =
      "rs#\talleles\tchrom\tpos\tstrand\tassembly#\tcenter\tprotLSID\tassayLSID\tpanelLSID\tQCcode";
  for (int sample = 1; sample <= samples; ++sample) {
    header += fmt::format("\tacc_{}", sample);
  }
  return header;
}

// 200 samples x 2.64 M SNPs: 29.5 GiB by the lab's estimate.
constexpr int samples = 200;
constexpr std::uint64_t snps = 2'640'000;

std::vector<int> range(int first, int last) {
  std::vector<int> traits(static_cast<std::size_t>(last - first + 1));
  std::iota(traits.begin(), traits.end(), first);
  return traits;
}

// A batch whose every check passes: the defaults, with host folders and
// input files this machine can see.
struct Scenario {
  Scenario() {
    settings.data_path_host = data_dir;
    settings.output_path_host = "/cluster/outputs";
    settings.gapit.accession_ids_file = "/data/phenotype/accession_ids.txt";
    probe.kinds = {{data_dir, FileProbe::Kind::Directory},
                   {"/cluster/outputs", FileProbe::Kind::Directory},
                   {genotype_host, FileProbe::Kind::File},
                   {phenotype_host, FileProbe::Kind::File},
                   {accessions_host, FileProbe::Kind::File}};
    probe.first_lines = {{phenotype_host, tab_header(187)}};
    probe.shapes = {{genotype_host, TableShape{hapmap_header(samples), snps}},
                    {phenotype_host, TableShape{tab_header(187), samples}}};
  }
  BatchSettings settings;
  std::vector<int> traits = range(2, 187);
  FakeProbe probe;
};

using Change = std::function<void(Scenario&)>;

Change set(std::string BatchSettings::*field, std::string value) {
  return [field, value](Scenario& scenario) { scenario.settings.*field = value; };
}
Change set(std::string GapitSettings::*field, std::string value) {
  return [field, value](Scenario& scenario) { scenario.settings.gapit.*field = value; };
}
Change ladder(std::vector<std::string> BatchSettings::*field, std::vector<std::string> tiers) {
  return [field, tiers](Scenario& scenario) { scenario.settings.*field = tiers; };
}
Change genotype(std::uint64_t sample_count, std::uint64_t rows) {
  return [sample_count, rows](Scenario& scenario) {
    scenario.probe.shapes[genotype_host] = TableShape{hapmap_header(static_cast<int>(sample_count)), rows};
  };
}

struct Row {
  std::string label;  // the test's name
  std::string check;  // the Check::name it is about
  Change change;
  CheckStatus expected;
  std::string message_part;  // must appear in the message; "" checks nothing
};

void PrintTo(const Row& row, std::ostream* out) { *out << row.label; }

std::optional<Check> find_check(const std::vector<Check>& checks, std::string_view name) {
  const auto found =
      std::find_if(checks.begin(), checks.end(), [&](const Check& check) { return check.name == name; });
  return found == checks.end() ? std::nullopt : std::optional<Check>(*found);
}

const std::string sha = std::string(64, 'a');

const std::vector<Row> rows{
    {"ProjectValid", "PROJECT", set(&BatchSettings::project, "team-a"), CheckStatus::Ok, ""},
    {"ProjectUppercase", "PROJECT", set(&BatchSettings::project, "Team_A"), CheckStatus::Fail, "--project"},

    {"PrefixShort", "JOB_PREFIX", set(&BatchSettings::prefix, "gwas"), CheckStatus::Ok, "gwas-187"},
    {"PrefixUppercase", "JOB_PREFIX", set(&BatchSettings::prefix, "Gapit"), CheckStatus::Fail, "JOB_PREFIX"},
    {"PrefixEmpty", "JOB_PREFIX", set(&BatchSettings::prefix, ""), CheckStatus::Fail, "empty"},
    {"PrefixStartsWithDigit", "JOB_PREFIX", set(&BatchSettings::prefix, "9gapit"), CheckStatus::Fail,
     "letter"},
    {"PrefixTooLongForHighestTrait", "JOB_PREFIX", set(&BatchSettings::prefix, std::string(60, 'a')),
     CheckStatus::Fail, "at most 59 characters"},

    {"TraitsList", "traits",
     [](Scenario& s) {
       s.traits = {2, 5, 9};
     },
     CheckStatus::Ok, "3 traits"},
    {"TraitsReversed", "traits",
     [](Scenario& s) {
       s.settings.start_trait = 10;
       s.settings.end_trait = 5;
       s.traits.clear();
     },
     CheckStatus::Fail, "swap them"},
    {"TraitsStartAtTaxa", "traits",
     [](Scenario& s) {
       s.settings.start_trait = 1;
       s.traits.clear();
     },
     CheckStatus::Fail, "Taxa"},

    {"MaxConcurrentOne", "MAX_CONCURRENT", [](Scenario& s) { s.settings.max_concurrent = 1; },
     CheckStatus::Ok, ""},
    {"MaxConcurrentZero", "MAX_CONCURRENT", [](Scenario& s) { s.settings.max_concurrent = 0; },
     CheckStatus::Fail, "at least 1"},

    {"ImageShort", "IMAGE", set(&BatchSettings::image, "gapit:1"), CheckStatus::Ok, ""},
    {"ImageUntagged", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3"), CheckStatus::Ok, ""},
    {"ImageRegistryPort", "IMAGE", set(&BatchSettings::image, "localhost:5000/gapit3:latest"),
     CheckStatus::Ok, ""},
    {"ImageSeparators", "IMAGE", set(&BatchSettings::image, "registry.example.com:5000/a/b__c/d-e.f:v1.2_x"),
     CheckStatus::Ok, ""},
    {"ImageRegistryUppercase", "IMAGE", set(&BatchSettings::image, "GHCR.io/org/gapit3:1"), CheckStatus::Ok,
     ""},
    {"ImageDigest", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3@sha256:" + sha), CheckStatus::Ok,
     ""},
    {"ImageTagAndDigest", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3:1.0@sha256:" + sha),
     CheckStatus::Ok, ""},
    {"ImageUppercasePath", "IMAGE", set(&BatchSettings::image, "ghcr.io/Org/gapit3:1"), CheckStatus::Fail,
     "uppercase"},
    {"ImageSpace", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3:1 x"), CheckStatus::Fail,
     "spaces"},
    {"ImageEmpty", "IMAGE", set(&BatchSettings::image, ""), CheckStatus::Fail, "empty"},
    {"ImageEmptyTag", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3:"), CheckStatus::Fail, "tag"},
    {"ImageShortDigest", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/gapit3@sha256:abc"),
     CheckStatus::Fail, "digest"},
    {"ImageDoubleSlash", "IMAGE", set(&BatchSettings::image, "ghcr.io//gapit3"), CheckStatus::Fail,
     "empty path component"},
    {"ImageLeadingDash", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/-gapit3"), CheckStatus::Fail,
     "start and end"},
    {"ImageTripleDot", "IMAGE", set(&BatchSettings::image, "ghcr.io/org/a...b"), CheckStatus::Fail,
     "separator"},
    {"ImageBadHost", "IMAGE", set(&BatchSettings::image, "bad_host.io/org/gapit3"), CheckStatus::Fail,
     "registry host"},

    {"CpuWhole", "CPU", set(&BatchSettings::cpu, "12"), CheckStatus::Ok, ""},
    {"CpuFraction", "CPU", set(&BatchSettings::cpu, "0.5"), CheckStatus::Ok, ""},
    {"CpuZero", "CPU", set(&BatchSettings::cpu, "0"), CheckStatus::Fail, "positive"},
    {"CpuNegative", "CPU", set(&BatchSettings::cpu, "-1"), CheckStatus::Fail, "positive"},
    {"CpuWord", "CPU", set(&BatchSettings::cpu, "twelve"), CheckStatus::Fail, "positive"},
    {"CpuExponent", "CPU", set(&BatchSettings::cpu, "1e2"), CheckStatus::Fail, "positive"},

    {"MemoryG", "MEMORY", set(&BatchSettings::memory, "32G"), CheckStatus::Ok,
     "covers the estimated peak of 29.5 GiB (200 samples x 2,640,000 SNPs)"},
    {"MemoryM", "MEMORY", set(&BatchSettings::memory, "512M"), CheckStatus::Warn, "below"},
    {"MemoryFractionGi", "MEMORY", set(&BatchSettings::memory, "29.6Gi"), CheckStatus::Ok, "covers"},
    {"MemoryMi", "MEMORY", set(&BatchSettings::memory, "30720Mi"), CheckStatus::Ok, "covers"},
    {"MemoryJustBelow", "MEMORY", set(&BatchSettings::memory, "29.4Gi"), CheckStatus::Warn,
     "set MEMORY to at least 30Gi, or add a MEMORY_LADDER"},
    {"MemoryBelowATierCovers", "MEMORY",
     [](Scenario& s) {
       s.settings.memory = "16G";
       s.settings.memory_ladder = {"24G", "48G", "96G"};
     },
     CheckStatus::Warn, "the MEMORY_LADDER tier 48G covers it"},
    {"MemoryBelowNoTierCovers", "MEMORY",
     [](Scenario& s) {
       s.settings.memory = "16G";
       s.settings.memory_ladder = {"24G", "28G"};
     },
     CheckStatus::Warn, "no MEMORY_LADDER tier covers it either: add a tier of at least 30Gi"},
    {"MemoryBiggerDataset", "MEMORY", genotype(1000, 2'640'000), CheckStatus::Warn,
     "147.5 GiB (1,000 samples x 2,640,000 SNPs)"},
    {"MemoryGenotypeNotVisible", "MEMORY",
     [](Scenario& s) {
       s.probe.kinds.erase(data_dir);
       s.probe.kinds.erase(genotype_host);
     },
     CheckStatus::Warn, "not compared with an estimate: GENOTYPE_FILE is not readable on this machine"},
    {"MemoryGenotypeUnreadable", "MEMORY", [](Scenario& s) { s.probe.shapes.erase(genotype_host); },
     CheckStatus::Warn, "GENOTYPE_FILE could not be read: cannot open"},
    {"MemoryGenotypeNotHapMap", "MEMORY",
     [](Scenario& s) {
       s.probe.shapes[genotype_host] = TableShape{"Taxa\tSNP1\tSNP2", 200};
     },
     CheckStatus::Warn, "is not a HapMap file: its header has 3 columns"},
    {"MemoryInvalidStillFails", "MEMORY",
     [](Scenario& s) {
       s.settings.memory = "32";
       s.probe.shapes.erase(genotype_host);
     },
     CheckStatus::Fail, "no unit"},

    {"LadderUnset", "MEMORY_LADDER", ladder(&BatchSettings::memory_ladder, {}), CheckStatus::Ok, "not set"},
    {"LadderEachTier", "MEMORY_LADDER", ladder(&BatchSettings::memory_ladder, {"16G", "32G", "64G"}),
     CheckStatus::Ok, "29.5 GiB (200 samples x 2,640,000 SNPs): 16G too small, 32G covers it, 64G covers it"},
    {"LadderTooSmall", "MEMORY_LADDER", ladder(&BatchSettings::memory_ladder, {"8G", "16G"}),
     CheckStatus::Warn, "add a larger tier, of at least 30Gi"},
    {"LadderWithoutEstimate", "MEMORY_LADDER",
     [](Scenario& s) {
       s.settings.memory_ladder = {"8G", "16G"};
       s.probe.shapes.erase(genotype_host);
     },
     CheckStatus::Ok, "2 tiers"},
    {"CpuLadderUnset", "CPU_LADDER", ladder(&BatchSettings::cpu_ladder, {}), CheckStatus::Ok, "not set"},
    {"CpuLadderSet", "CPU_LADDER", ladder(&BatchSettings::cpu_ladder, {"12", "16"}), CheckStatus::Ok,
     "2 tiers"},

    {"SamplesAgree", "samples", [](Scenario&) {}, CheckStatus::Ok,
     "GENOTYPE_FILE has 200 sample columns, PHENOTYPE_FILE 200 rows"},
    {"SamplesAFewMissing", "samples", genotype(380, 1000), CheckStatus::Ok, "380 sample columns"},
    {"SamplesDisagreeWildly", "samples", genotype(1000, 1000), CheckStatus::Warn, "the same panel"},
    {"SamplesPhenotypeUnread", "samples", [](Scenario& s) { s.probe.shapes.erase(phenotype_host); },
     CheckStatus::Ok, "GENOTYPE_FILE has 200 sample columns"},

    {"ExpectedOutputDefault", "EXPECTED_OUTPUT", [](Scenario&) {}, CheckStatus::Ok,
     "trait 2 is done when /cluster/outputs/trait_002_*/GAPIT.Association.Filter_GWAS_results.csv exists"},
    {"ExpectedOutputFirstTraitListed", "EXPECTED_OUTPUT",
     [](Scenario& s) {
       s.traits = {17, 40};
       s.settings.expected_output = "t{trait}/x_{trait:05}.csv";
     },
     CheckStatus::Ok, "/cluster/outputs/t17/x_00017.csv"},
    {"ExpectedOutputOff", "EXPECTED_OUTPUT", set(&BatchSettings::expected_output, ""), CheckStatus::Ok,
     "exit codes only"},
    {"ExpectedOutputNoTrait", "EXPECTED_OUTPUT", set(&BatchSettings::expected_output, "done.txt"),
     CheckStatus::Warn, "one file would prove every trait done"},
    {"ExpectedOutputFolderNotHere", "EXPECTED_OUTPUT", set(&BatchSettings::output_path_host, "/elsewhere"),
     CheckStatus::Warn, "completion will be judged by exit codes only"},
    {"ExpectedOutputBadPlaceholder", "EXPECTED_OUTPUT", set(&BatchSettings::expected_output, "{trial}.csv"),
     CheckStatus::Fail, "{trait:03}"},
    {"MemoryNoUnit", "MEMORY", set(&BatchSettings::memory, "32"), CheckStatus::Fail, "no unit"},
    {"MemoryLowercaseG", "MEMORY", set(&BatchSettings::memory, "32g"), CheckStatus::Fail, "unit 'g'"},
    {"MemoryMilli", "MEMORY", set(&BatchSettings::memory, "512m"), CheckStatus::Fail, "milli"},
    {"MemoryGB", "MEMORY", set(&BatchSettings::memory, "32GB"), CheckStatus::Fail, "unit 'GB'"},
    {"MemoryZero", "MEMORY", set(&BatchSettings::memory, "0G"), CheckStatus::Fail, "positive"},
    {"MemoryUnitOnly", "MEMORY", set(&BatchSettings::memory, "G"), CheckStatus::Fail, "positive"},

    {"ModelOne", "MODEL", set(&GapitSettings::model, "BLINK"), CheckStatus::Ok, ""},
    {"ModelList", "MODEL", set(&GapitSettings::model, "BLINK,FarmCPU,MLM,MLMM,SUPER,CMLM,GLM"),
     CheckStatus::Ok, ""},
    {"ModelCase", "MODEL", set(&GapitSettings::model, "farmcpu"), CheckStatus::Fail, "written 'FarmCPU'"},
    {"ModelUnknown", "MODEL", set(&GapitSettings::model, "BLINK,Foo"), CheckStatus::Fail, "'Foo'"},
    {"ModelEmpty", "MODEL", set(&GapitSettings::model, ""), CheckStatus::Fail, "empty"},
    {"ModelTrailingComma", "MODEL", set(&GapitSettings::model, "BLINK,"), CheckStatus::Fail, "''"},
    {"ModelSpace", "MODEL", set(&GapitSettings::model, "BLINK, MLM"), CheckStatus::Fail, "without spaces"},

    {"PcaZero", "PCA_TOTAL", set(&GapitSettings::pca_total, "0"), CheckStatus::Ok, ""},
    {"PcaTwenty", "PCA_TOTAL", set(&GapitSettings::pca_total, "20"), CheckStatus::Ok, ""},
    {"PcaTooMany", "PCA_TOTAL", set(&GapitSettings::pca_total, "21"), CheckStatus::Fail, "0 to 20"},
    {"PcaNegative", "PCA_TOTAL", set(&GapitSettings::pca_total, "-1"), CheckStatus::Fail, "0 to 20"},
    {"PcaFraction", "PCA_TOTAL", set(&GapitSettings::pca_total, "3.5"), CheckStatus::Fail, "whole number"},

    {"MafZero", "SNP_MAF", set(&GapitSettings::snp_maf, "0"), CheckStatus::Ok, ""},
    {"MafTypical", "SNP_MAF", set(&GapitSettings::snp_maf, "0.05"), CheckStatus::Ok, ""},
    {"MafHalf", "SNP_MAF", set(&GapitSettings::snp_maf, "0.5"), CheckStatus::Ok, ""},
    {"MafAboveHalf", "SNP_MAF", set(&GapitSettings::snp_maf, "0.6"), CheckStatus::Fail, "0 to 0.5"},
    {"MafNegative", "SNP_MAF", set(&GapitSettings::snp_maf, "-0.1"), CheckStatus::Fail, "0 to 0.5"},
    {"MafWord", "SNP_MAF", set(&GapitSettings::snp_maf, "five"), CheckStatus::Fail, "0 to 0.5"},

    {"ThresholdTypical", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "0.05"), CheckStatus::Ok, ""},
    {"ThresholdOne", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "1"), CheckStatus::Ok, ""},
    {"ThresholdExponent", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "5e-8"), CheckStatus::Ok, ""},
    {"ThresholdZero", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "0"), CheckStatus::Fail,
     "more than 0"},
    {"ThresholdAboveOne", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "1.5"), CheckStatus::Fail,
     "at most 1"},
    {"ThresholdNan", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "nan"), CheckStatus::Fail, ""},
    {"ThresholdInfinity", "SNP_THRESHOLD", set(&GapitSettings::snp_threshold, "inf"), CheckStatus::Fail, ""},

    {"FdrDisabled", "SNP_FDR", set(&GapitSettings::snp_fdr, ""), CheckStatus::Ok, "no FDR filter"},
    {"FdrSet", "SNP_FDR", set(&GapitSettings::snp_fdr, "0.1"), CheckStatus::Ok, ""},
    {"FdrZero", "SNP_FDR", set(&GapitSettings::snp_fdr, "0"), CheckStatus::Fail, "SNP_FDR must be"},
    {"FdrAboveOne", "SNP_FDR", set(&GapitSettings::snp_fdr, "2"), CheckStatus::Fail, "SNP_FDR must be"},

    {"KinshipVanRaden", "KINSHIP_ALGORITHM", set(&GapitSettings::kinship_algorithm, "VanRaden"),
     CheckStatus::Ok, ""},
    {"KinshipLoiselle", "KINSHIP_ALGORITHM", set(&GapitSettings::kinship_algorithm, "Loiselle"),
     CheckStatus::Ok, ""},
    {"KinshipEmma", "KINSHIP_ALGORITHM", set(&GapitSettings::kinship_algorithm, "EMMA"), CheckStatus::Ok, ""},
    {"KinshipCase", "KINSHIP_ALGORITHM", set(&GapitSettings::kinship_algorithm, "vanraden"),
     CheckStatus::Fail, "written 'VanRaden'"},
    {"KinshipUnknown", "KINSHIP_ALGORITHM", set(&GapitSettings::kinship_algorithm, "IBS"), CheckStatus::Fail,
     "VanRaden, Zhang, Loiselle, EMMA"},

    {"EffectDom", "SNP_EFFECT", set(&GapitSettings::snp_effect, "Dom"), CheckStatus::Ok, ""},
    {"EffectUnknown", "SNP_EFFECT", set(&GapitSettings::snp_effect, "Rec"), CheckStatus::Fail, "Add, Dom"},

    {"ImputeMajor", "SNP_IMPUTE", set(&GapitSettings::snp_impute, "Major"), CheckStatus::Ok, ""},
    {"ImputeMinor", "SNP_IMPUTE", set(&GapitSettings::snp_impute, "Minor"), CheckStatus::Ok, ""},
    {"ImputeUnknown", "SNP_IMPUTE", set(&GapitSettings::snp_impute, "Mean"), CheckStatus::Fail,
     "Middle, Major, Minor"},

    {"DataPathNotHere", "DATA_PATH_HOST", [](Scenario& s) { s.probe.kinds.erase(data_dir); },
     CheckStatus::Warn, "cluster nodes"},
    {"DataPathRelative", "DATA_PATH_HOST", set(&BatchSettings::data_path_host, "data"), CheckStatus::Fail,
     "absolute"},
    {"DataPathWithAComma", "DATA_PATH_HOST", set(&BatchSettings::data_path_host, "/hpi/a,mount=/etc"),
     CheckStatus::Fail, "without one"},
    {"DataPathIsAFile", "DATA_PATH_HOST",
     [](Scenario& s) { s.probe.kinds[data_dir] = FileProbe::Kind::File; }, CheckStatus::Fail,
     "needs a folder"},
    {"OutputPathNotHere", "OUTPUT_PATH_HOST", set(&BatchSettings::output_path_host, "/elsewhere"),
     CheckStatus::Warn, "cluster nodes"},
    {"OutputPathEmpty", "OUTPUT_PATH_HOST", set(&BatchSettings::output_path_host, ""), CheckStatus::Fail,
     "absolute"},

    {"GenotypeMissing", "GENOTYPE_FILE", [](Scenario& s) { s.probe.kinds.erase(genotype_host); },
     CheckStatus::Fail, "missing"},
    {"GenotypeIsAFolder", "GENOTYPE_FILE",
     [](Scenario& s) { s.probe.kinds[genotype_host] = FileProbe::Kind::Directory; }, CheckStatus::Fail,
     "a folder"},
    {"GenotypeDataFolderNotHere", "GENOTYPE_FILE",
     [](Scenario& s) {
       s.probe.kinds.erase(data_dir);
       s.probe.kinds.erase(genotype_host);
     },
     CheckStatus::Warn, "not visible"},
    {"GenotypeOutsideData", "GENOTYPE_FILE", set(&GapitSettings::genotype_file, "/outputs/g.hmp.txt"),
     CheckStatus::Warn, "not under /data"},
    {"GenotypeEscapesData", "GENOTYPE_FILE", set(&GapitSettings::genotype_file, "/data/../etc/g.hmp.txt"),
     CheckStatus::Warn, "not under /data"},
    {"GenotypeRelative", "GENOTYPE_FILE", set(&GapitSettings::genotype_file, "genotype/g.hmp.txt"),
     CheckStatus::Warn, "not under /data"},
    {"AccessionsMissing", "ACCESSION_IDS_FILE", [](Scenario& s) { s.probe.kinds.erase(accessions_host); },
     CheckStatus::Fail, accessions_host},
    {"AccessionsUnset", "ACCESSION_IDS_FILE",
     [](Scenario& s) {
       s.settings.gapit.accession_ids_file.clear();
       s.probe.kinds.erase(accessions_host);
     },
     CheckStatus::Ok, "not set: the entrypoint's default is used"},
    {"PhenotypeUnreadable", "PHENOTYPE_FILE", [](Scenario& s) { s.probe.first_lines.clear(); },
     CheckStatus::Warn, "cannot be read"},

    {"ColumnsEnough", "phenotype columns", [](Scenario& s) { s.traits = range(2, 187); }, CheckStatus::Ok,
     "187 columns"},
    {"ColumnsTooFew", "phenotype columns", [](Scenario& s) { s.traits = range(2, 188); }, CheckStatus::Fail,
     "at most 187"},
    {"ColumnsComma", "phenotype columns",
     [](Scenario& s) { s.probe.first_lines[phenotype_host] = "Taxa,a,b,c"; }, CheckStatus::Fail, "4 columns"},
    {"ColumnsBlanksAndCrLf", "phenotype columns",
     [](Scenario& s) {
       s.probe.first_lines[phenotype_host] = "Taxa   a b\tc\r";
       s.traits = {2};
     },
     CheckStatus::Ok, "2 columns"},  // a tab wins: "Taxa   a b" and "c"
    {"ColumnsWhitespace", "phenotype columns",
     [](Scenario& s) {
       s.probe.first_lines[phenotype_host] = "  Taxa   a  b ";
       s.traits = {3};
     },
     CheckStatus::Ok, "3 columns"},
};

class CheckRow : public ::testing::TestWithParam<Row> {};

TEST_P(CheckRow, HasTheExpectedStatus) {
  const Row& row = GetParam();
  Scenario scenario;
  row.change(scenario);
  const auto checks = check_settings(scenario.settings, scenario.traits, scenario.probe);
  const auto check = find_check(checks, row.check);
  ASSERT_TRUE(check.has_value()) << "no check named " << row.check;
  EXPECT_EQ(to_string(check->status), to_string(row.expected)) << check->value << ": " << check->message;
  EXPECT_NE(check->message.find(row.message_part), std::string::npos) << check->message;
}

INSTANTIATE_TEST_SUITE_P(Checks, CheckRow, ::testing::ValuesIn(rows),
                         [](const ::testing::TestParamInfo<Row>& param_info) {
                           return param_info.param.label;
                         });

TEST(CheckSettings, TheGoodSetupPassesEveryCheckOnce) {
  const Scenario scenario;
  const auto checks = check_settings(scenario.settings, scenario.traits, scenario.probe);
  const std::vector<std::string> expected_names{"PROJECT",
                                                "JOB_PREFIX",
                                                "traits",
                                                "MAX_CONCURRENT",
                                                "IMAGE",
                                                "CPU",
                                                "MEMORY",
                                                "MEMORY_LADDER",
                                                "CPU_LADDER",
                                                "MODEL",
                                                "PCA_TOTAL",
                                                "SNP_MAF",
                                                "SNP_THRESHOLD",
                                                "SNP_FDR",
                                                "KINSHIP_ALGORITHM",
                                                "SNP_EFFECT",
                                                "SNP_IMPUTE",
                                                "DATA_PATH_HOST",
                                                "OUTPUT_PATH_HOST",
                                                "EXPECTED_OUTPUT",
                                                "GENOTYPE_FILE",
                                                "ACCESSION_IDS_FILE",
                                                "PHENOTYPE_FILE",
                                                "phenotype columns",
                                                "samples"};
  std::vector<std::string> names;
  for (const auto& check : checks) {
    names.push_back(check.name);
    EXPECT_EQ(check.status, CheckStatus::Ok) << check.name << ": " << check.message;
  }
  EXPECT_EQ(names, expected_names);
  EXPECT_FALSE(any_failed(checks));
}

TEST(CheckSettings, OnlyMemoryCarriesTheEstimate) {
  const Scenario scenario;
  for (const Check& check : check_settings(scenario.settings, scenario.traits, scenario.probe)) {
    if (check.name == "MEMORY") {
      ASSERT_TRUE(check.estimated_gib.has_value());
      EXPECT_DOUBLE_EQ(*check.estimated_gib, 29.5);
    } else {
      EXPECT_FALSE(check.estimated_gib.has_value()) << check.name;
    }
  }
}

TEST(MeasureGenotype, SamplesAfterTheFixedColumnsAndRows) {
  Scenario scenario;
  const MeasuredGenotype measured = measure_genotype(scenario.settings, scenario.probe);
  EXPECT_EQ(measured.size, (DatasetSize{samples, snps}));
  scenario.settings.gapit.genotype_file = "/elsewhere/g.hmp.txt";
  EXPECT_EQ(measure_genotype(scenario.settings, scenario.probe).why_not,
            "GENOTYPE_FILE is not readable on this machine");
}

TEST(CheckSettings, NoSamplesCheckWithoutAMeasuredGenotype) {
  Scenario scenario;
  scenario.probe.shapes.erase(genotype_host);
  EXPECT_FALSE(find_check(check_settings(scenario.settings, scenario.traits, scenario.probe), "samples"));
}

TEST(CheckSettings, ColumnsAreNotCheckedWithoutAReadablePhenotypeFile) {
  Scenario scenario;
  scenario.probe.kinds.erase(data_dir);
  scenario.probe.kinds.erase(phenotype_host);
  const auto checks = check_settings(scenario.settings, scenario.traits, scenario.probe);
  EXPECT_FALSE(find_check(checks, "phenotype columns").has_value());
  EXPECT_FALSE(any_failed(checks)) << "what this machine cannot see is a warning, not a failure";
}

TEST(CheckSettings, TheInputFileMapsFromDataToTheHostFolder) {
  Scenario scenario;
  scenario.settings.data_path_host = "/mnt/gwas/";
  scenario.settings.gapit.genotype_file = "/data/./geno/g.txt";
  scenario.probe.kinds = {{"/mnt/gwas/", FileProbe::Kind::Directory},
                          {"/mnt/gwas/geno/g.txt", FileProbe::Kind::File}};
  const auto check =
      find_check(check_settings(scenario.settings, scenario.traits, scenario.probe), "GENOTYPE_FILE");
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->status, CheckStatus::Ok) << check->message;
  EXPECT_EQ(check->message, "found at /mnt/gwas/geno/g.txt");
}

TEST(CheckSettings, ValuesAndMessagesAreEscaped) {
  Scenario scenario;
  scenario.settings.gapit.model = "BLINK\x1b[31m";
  const auto check = find_check(check_settings(scenario.settings, scenario.traits, scenario.probe), "MODEL");
  ASSERT_TRUE(check.has_value());
  EXPECT_EQ(check->value, "BLINK\\x1b[31m");
  EXPECT_EQ(check->message.find('\x1b'), std::string::npos);
}

TEST(TraitsInRange, ListsTheRangeOrNamesTheFix) {
  BatchSettings settings;
  settings.start_trait = 3;
  settings.end_trait = 5;
  auto traits = traits_in_range(settings);
  ASSERT_TRUE(traits.ok());
  EXPECT_EQ(*traits, (std::vector<int>{3, 4, 5}));
  settings.start_trait = 6;
  traits = traits_in_range(settings);
  ASSERT_FALSE(traits.ok());
  EXPECT_EQ(traits.error().kind, ErrorKind::Config);
  EXPECT_EQ(traits.error().message, "START_TRAIT (6) is greater than END_TRAIT (5); swap them");
}

}  // namespace
}  // namespace traitctl::checks_tests
