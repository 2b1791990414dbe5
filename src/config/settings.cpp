#include "traitctl/config/settings.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <initializer_list>
#include <limits>
#include <utility>

#include "traitctl/core/parse.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

std::string_view origin_text(ValueOrigin origin) {
  switch (origin) {
    case ValueOrigin::Environment: return "the environment";
    case ValueOrigin::EnvFile: return ".env";
    case ValueOrigin::Flag: return "the command line";
    case ValueOrigin::Default: break;
  }
  return "the default";
}

// The first of `names` that is set, as `${NEW:-${LEGACY:-default}}` did:
// each name is looked up in the environment and then the .env file before
// the next name is tried.
void assign(const VariableSource& variables, std::initializer_list<std::string_view> names,
            std::string& target) {
  for (const auto name : names) {
    if (auto value = variables.get(name)) {
      target = std::move(*value);
      return;
    }
  }
}

Result<void> assign_int(const VariableSource& variables, std::string_view name, int& target) {
  const auto text = variables.get(name);
  if (!text) {
    return {};
  }
  auto parsed = parse_int(*text, name);
  if (!parsed) {
    return make_error(ErrorKind::Config,
                      "{}='{}' (from {}) is not a whole number from 0 to {}; fix or unset it", name,
                      printable(*text), origin_text(variables.origin(name)), std::numeric_limits<int>::max());
  }
  target = *parsed;
  return {};
}

// LEARN_MEMORY=false and the like: true/false, yes/no, 1/0 in any case.
Result<void> assign_bool(const VariableSource& variables, std::string_view name, bool& target) {
  const auto text = variables.get(name);
  if (!text) {
    return {};
  }
  std::string lower = *text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "true" || lower == "yes" || lower == "1") {
    target = true;
  } else if (lower == "false" || lower == "no" || lower == "0") {
    target = false;
  } else {
    return make_error(ErrorKind::Config, "{}='{}' (from {}) is not true or false; fix or unset it", name,
                      printable(*text), origin_text(variables.origin(name)));
  }
  return {};
}

// LEARN_MEMORY_SHARE=0.25: a share from 0 to 1.
Result<void> assign_share(const VariableSource& variables, std::string_view name, double& target) {
  const auto text = variables.get(name);
  if (!text) {
    return {};
  }
  auto parsed = parse_share(*text);
  if (!parsed) {
    return make_error(ErrorKind::Config,
                      "{}='{}' (from {}) is not a share from 0 to 1 such as 0.25; fix or unset it", name,
                      printable(*text), origin_text(variables.origin(name)));
  }
  target = *parsed;
  return {};
}

// MEMORY_LADDER=64G,96G,160G and the like; unset leaves `target` empty.
template <typename Parse>
Result<void> assign_ladder(const VariableSource& variables, std::string_view name, Parse parse,
                           std::vector<std::string>& target) {
  const auto text = variables.get(name);
  if (!text) {
    return {};
  }
  auto tiers = parse(*text, name);
  if (!tiers) {
    return make_error(ErrorKind::Config, "{} (from {}); fix or unset it", tiers.error().message,
                      origin_text(variables.origin(name)));
  }
  target = std::move(*tiers);
  return {};
}

}  // namespace

Result<void> check_output_pattern(std::string_view pattern, std::string_view what) {
  if (auto expanded = expand_output_pattern(pattern, 2); !expanded) {
    return make_error(ErrorKind::Config, "{}: {}", what, expanded.error().message);
  }
  return {};
}

VariableSource::VariableSource(std::map<std::string, std::string> env_file_values,
                               EnvironmentLookup environment)
    : env_file_values_(std::move(env_file_values)), environment_(std::move(environment)) {}

std::optional<std::string> VariableSource::get(std::string_view name) const {
  if (auto value = environment_(name); value && !value->empty()) {
    return value;
  }
  if (const auto found = env_file_values_.find(std::string(name));
      found != env_file_values_.end() && !found->second.empty()) {
    return found->second;
  }
  return std::nullopt;
}

std::optional<std::string> VariableSource::get_even_if_empty(std::string_view name) const {
  if (auto value = environment_(name)) {
    return value;
  }
  if (const auto found = env_file_values_.find(std::string(name)); found != env_file_values_.end()) {
    return found->second;
  }
  return std::nullopt;
}

ValueOrigin VariableSource::origin(std::string_view name) const {
  if (auto value = environment_(name); value && !value->empty()) {
    return ValueOrigin::Environment;
  }
  if (const auto found = env_file_values_.find(std::string(name));
      found != env_file_values_.end() && !found->second.empty()) {
    return ValueOrigin::EnvFile;
  }
  return ValueOrigin::Default;
}

Result<std::vector<std::string>> split_slurm_words(std::string_view text, std::string_view what) {
  if (const std::size_t quote = text.find_first_of("'\"\\"); quote != std::string_view::npos) {
    return make_error(ErrorKind::Config,
                      "{} '{}' holds {}, which has no meaning there: its words are split at blanks only; "
                      "pass a word with a blank in it with --slurm-arg",
                      what, printable(text), text[quote] == '\\' ? "a backslash" : "a quote");
  }
  std::vector<std::string> words;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = std::min(text.find_first_of(" \t", start), text.size());
    if (end > start) {
      words.emplace_back(text.substr(start, end - start));
    }
    start = end + 1;
  }
  return words;
}

VariableSource::EnvironmentLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv needs a NUL-terminated name; the caller's view may not be one.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) {
      return std::nullopt;
    }
    return std::string(value);
  };
}

std::optional<double> parse_share(std::string_view text) {
  double value = -1;
  const auto [stop, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || stop != text.data() + text.size() ||
      !(value >= 0 && value <= 1)) {
    return std::nullopt;
  }
  return value;
}

Result<BatchSettings> resolve_settings(const VariableSource& variables) {
  BatchSettings settings;
  assign(variables, {"PROJECT"}, settings.project);
  assign(variables, {"JOB_PREFIX"}, settings.prefix);
  if (auto assigned = assign_int(variables, "START_TRAIT", settings.start_trait); !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_int(variables, "END_TRAIT", settings.end_trait); !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_int(variables, "MAX_CONCURRENT", settings.max_concurrent); !assigned) {
    return assigned.error();
  }
  assign(variables, {"IMAGE"}, settings.image);
  assign(variables, {"CPU"}, settings.cpu);
  assign(variables, {"MEMORY"}, settings.memory);
  assign(variables, {"DATA_PATH_HOST", "DATA_PATH"}, settings.data_path_host);
  assign(variables, {"OUTPUT_PATH_HOST", "OUTPUT_PATH"}, settings.output_path_host);
  assign(variables, {"MAX_CPU"}, settings.max_cpu);
  assign(variables, {"MAX_MEMORY"}, settings.max_memory);
  if (auto pattern = variables.get_even_if_empty("EXPECTED_OUTPUT")) {
    settings.expected_output = std::move(*pattern);
  }
  if (auto valid = check_output_pattern(settings.expected_output, "EXPECTED_OUTPUT"); !valid) {
    return valid.error();
  }
  if (auto assigned = assign_ladder(variables, "MEMORY_LADDER", parse_memory_ladder, settings.memory_ladder);
      !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_ladder(variables, "CPU_LADDER", parse_cpu_ladder, settings.cpu_ladder);
      !assigned) {
    return assigned.error();
  }

  if (auto assigned = assign_bool(variables, "LEARN_MEMORY", settings.learn_memory); !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_int(variables, "LEARN_MEMORY_MIN", settings.learn_memory_min); !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_share(variables, "LEARN_MEMORY_SHARE", settings.learn_memory_share); !assigned) {
    return assigned.error();
  }
  if (auto assigned = assign_bool(variables, "AVOID_NODES", settings.avoid_nodes); !assigned) {
    return assigned.error();
  }

  SlurmSettings& slurm = settings.slurm;
  assign(variables, {"SLURM_PARTITION"}, slurm.partition);
  assign(variables, {"SLURM_ACCOUNT"}, slurm.account);
  assign(variables, {"SLURM_QOS"}, slurm.qos);
  assign(variables, {"SLURM_TIME"}, slurm.time_limit);
  if (auto extra = variables.get("SLURM_EXTRA_ARGS")) {
    auto words = split_slurm_words(*extra, "SLURM_EXTRA_ARGS");
    if (!words) {
      return make_error(ErrorKind::Config, "{} (from {}); fix or unset it", words.error().message,
                        origin_text(variables.origin("SLURM_EXTRA_ARGS")));
    }
    slurm.extra_args = std::move(*words);
  }

  GapitSettings& gapit = settings.gapit;
  assign(variables, {"GENOTYPE_FILE"}, gapit.genotype_file);
  assign(variables, {"PHENOTYPE_FILE"}, gapit.phenotype_file);
  assign(variables, {"ACCESSION_IDS_FILE"}, gapit.accession_ids_file);
  assign(variables, {"MODEL", "MODELS"}, gapit.model);
  assign(variables, {"PCA_TOTAL", "PCA_COMPONENTS"}, gapit.pca_total);
  assign(variables, {"SNP_MAF", "MAF_FILTER"}, gapit.snp_maf);
  assign(variables, {"SNP_THRESHOLD"}, gapit.snp_threshold);
  assign(variables, {"SNP_FDR"}, gapit.snp_fdr);
  assign(variables, {"MULTIPLE_ANALYSIS"}, gapit.multiple_analysis);
  assign(variables, {"KINSHIP_ALGORITHM", "KINSHIP_METHOD"}, gapit.kinship_algorithm);
  assign(variables, {"SNP_EFFECT"}, gapit.snp_effect);
  assign(variables, {"SNP_IMPUTE"}, gapit.snp_impute);
  return settings;
}

}  // namespace traitctl
