// The batch configuration, with the bash scripts' variable names and defaults.
// Precedence: command-line flags > environment variables > .env file > defaults.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/config/env_file.hpp"
#include "traitctl/core/output_pattern.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

// GAPIT parameters, passed to the container as environment variables.
struct GapitSettings {
  std::string genotype_file = "/data/genotype/all_chromosomes_binary.hmp.txt";
  std::string phenotype_file = "/data/phenotype/traits.txt";
  // Empty: sent empty, as the bash script did; the entrypoint then uses its
  // own default, $DATA_PATH/phenotype/accession_ids.txt, if that file exists.
  std::string accession_ids_file;
  std::string model = "MLM";               // MODEL, legacy MODELS
  std::string pca_total = "0";             // PCA_TOTAL, legacy PCA_COMPONENTS
  std::string snp_maf = "0";               // SNP_MAF, legacy MAF_FILTER
  std::string snp_threshold = "0.05";      // SNP_THRESHOLD
  std::string snp_fdr;                     // SNP_FDR; empty: not passed
  std::string multiple_analysis = "TRUE";  // MULTIPLE_ANALYSIS
  std::string kinship_algorithm = "Zhang";
  std::string snp_effect = "Add";
  std::string snp_impute = "Middle";
};

// Where a Slurm job runs (--backend slurm); empty leaves Slurm's defaults.
struct SlurmSettings {
  std::string partition;                // SLURM_PARTITION
  std::string account;                  // SLURM_ACCOUNT
  std::string qos;                      // SLURM_QOS
  std::string time_limit;               // SLURM_TIME: 90, 4:00:00, 2-00:00:00
  std::vector<std::string> extra_args;  // SLURM_EXTRA_ARGS, split by split_slurm_words
};

struct BatchSettings {
  std::string project = "talmo-lab";
  std::string prefix = "gapit3-trait";  // JOB_PREFIX
  int start_trait = 2;
  int end_trait = 187;
  int max_concurrent = 50;
  std::string image = "ghcr.io/salk-harnessing-plants-initiative/gapit3-gwas-pipeline:latest";
  std::string cpu = "12";
  std::string memory = "32G";
  std::string data_path_host = "/data";       // DATA_PATH_HOST, else DATA_PATH
  std::string output_path_host = "/outputs";  // OUTPUT_PATH_HOST, else OUTPUT_PATH
  // EXPECTED_OUTPUT: the glob under OUTPUT_PATH_HOST that proves a trait done
  // (core/output_pattern.hpp); "" (EXPECTED_OUTPUT= set empty) turns the
  // check off, leaving exit codes to judge.
  std::string expected_output{default_expected_output};
  // MEMORY_LADDER, CPU_LADDER: the requests of later attempts after an
  // out-of-memory failure, smallest first (parse_memory_ladder,
  // parse_cpu_ladder); empty when unset.
  std::vector<std::string> memory_ladder;
  std::vector<std::string> cpu_ladder;
  // MAX_CPU, MAX_MEMORY: what the batch's active jobs may ask for together,
  // besides MAX_CONCURRENT; empty: no budget (core/concurrency.hpp).
  std::string max_cpu;
  std::string max_memory;
  // LEARN_MEMORY (true/false), LEARN_MEMORY_MIN, LEARN_MEMORY_SHARE: the batch
  // learns its starting memory tier (core/memory_learning.hpp).
  bool learn_memory = true;
  int learn_memory_min = 3;
  double learn_memory_share = 0.25;
  // AVOID_NODES (true/false): new Slurm jobs exclude the suspect nodes.
  bool avoid_nodes = true;
  GapitSettings gapit;
  SlurmSettings slurm;
};

// Where a variable's value came from, for messages and `validate`.
enum class ValueOrigin { Default, EnvFile, Environment, Flag };

// Variables from the .env file and the process environment, environment first.
class VariableSource {
 public:
  using EnvironmentLookup = traitctl::EnvironmentLookup;

  VariableSource(std::map<std::string, std::string> env_file_values, EnvironmentLookup environment);

  // The process environment's value, else the .env file's, else nullopt.
  // An empty value counts as unset, as `${VAR:-default}` did in the scripts.
  [[nodiscard]] std::optional<std::string> get(std::string_view name) const;
  // The same, except that a variable set to "" is "": for the settings
  // where empty means off, as `${VAR-default}` reads them.
  [[nodiscard]] std::optional<std::string> get_even_if_empty(std::string_view name) const;
  [[nodiscard]] ValueOrigin origin(std::string_view name) const;

 private:
  std::map<std::string, std::string> env_file_values_;
  EnvironmentLookup environment_;
};

// An EXPECTED_OUTPUT value or --expected-output flag (`what`) that
// expand_output_pattern accepts; Config error naming `what` and the fix.
[[nodiscard]] Result<void> check_output_pattern(std::string_view pattern, std::string_view what);

// SLURM_EXTRA_ARGS's words: split at spaces and tabs, and nothing else has a
// meaning (no quotes, escapes, variables or globs). Config error naming
// `what` for a quote or backslash, which would not do what a shell does:
// a word with a blank in it is passed with --slurm-arg instead.
[[nodiscard]] Result<std::vector<std::string>> split_slurm_words(std::string_view text,
                                                                 std::string_view what);

// A share from 0 to 1 ("0.25"); nullopt for anything else.
[[nodiscard]] std::optional<double> parse_share(std::string_view text);

// Reads the real process environment (getenv).
[[nodiscard]] VariableSource::EnvironmentLookup process_environment();

// Applies the variables over the defaults. Config error naming the variable
// and its value when a number does not parse (START_TRAIT=abc), a ladder
// does not (MEMORY_LADDER=64G,32G) or EXPECTED_OUTPUT has a bad placeholder.
[[nodiscard]] Result<BatchSettings> resolve_settings(const VariableSource& variables);

}  // namespace traitctl
