#include "traitctl/config/checks.hpp"

#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <fstream>
#include <system_error>

#include "traitctl/config/sizing_checks.hpp"
#include "traitctl/core/job_name.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;

// Where the job sees DATA_PATH_HOST; the input files are paths under it.
constexpr std::string_view container_data_dir = "/data";
// A header longer than this is not a phenotype header; stop reading.
constexpr std::size_t max_phenotype_header_bytes = std::size_t{1} << 20;
constexpr int max_pca_total = 20;
constexpr double max_snp_maf = 0.5;
constexpr std::size_t max_image_name_length = 255;
constexpr std::size_t max_tag_length = 128;
constexpr std::size_t sha256_hex_digits = 64;

constexpr std::array gapit_models{"BLINK", "FarmCPU", "MLM", "MLMM", "SUPER", "CMLM", "GLM"};
constexpr std::array kinship_algorithms{"VanRaden", "Zhang", "Loiselle", "EMMA"};
constexpr std::array snp_effects{"Add", "Dom"};
constexpr std::array snp_imputes{"Middle", "Major", "Minor"};

Check ok(std::string_view name, std::string_view value, std::string_view message = {}) {
  return make_check(name, CheckStatus::Ok, value, message);
}
Check warn(std::string_view name, std::string_view value, std::string_view message) {
  return make_check(name, CheckStatus::Warn, value, message);
}
Check fail(std::string_view name, std::string_view value, std::string_view message) {
  return make_check(name, CheckStatus::Fail, value, message);
}

bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower_alnum(char c) { return is_lower(c) || is_ascii_digit(c); }
bool is_alnum(char c) { return is_lower_alnum(c) || is_upper(c); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'; }

bool all_of(std::string_view text, bool (*predicate)(char)) {
  return std::all_of(text.begin(), text.end(), predicate);
}

// A finite decimal such as "0.05" or "5e-8" (GWAS thresholds are often
// written so); no sign other than '-', no surrounding blanks.
std::optional<double> parse_number(std::string_view text) {
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc{} || end != text.data() + text.size() || !std::isfinite(value)) {
    return std::nullopt;
  }
  return value;
}

// --- image references (the distribution/reference grammar) ---

// path-component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := "." | "_" | "__" | "-"+
std::optional<std::string> path_component_problem(std::string_view component) {
  if (component.empty()) {
    return std::string("has an empty path component (a doubled, leading or trailing '/')");
  }
  if (std::any_of(component.begin(), component.end(), is_upper)) {
    return fmt::format("has uppercase letters in its repository path '{}': repository paths are lowercase",
                       component);
  }
  if (!is_lower_alnum(component.front()) || !is_lower_alnum(component.back())) {
    return fmt::format("path component '{}' must start and end with a lowercase letter or digit", component);
  }
  for (std::size_t i = 0; i < component.size();) {
    if (is_lower_alnum(component[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < component.size() && std::string_view("._-").find(component[end]) != std::string_view::npos) {
      ++end;
    }
    const std::string_view separator = component.substr(i, end - i);
    if (separator.empty()) {
      return fmt::format(
          "has '{}' in path component '{}': only lowercase letters, digits, '.', '_' and '-' "
          "are allowed",
          component[i], component);
    }
    const bool dashes = all_of(separator, [](char c) { return c == '-'; });
    if (!dashes && separator != "." && separator != "_" && separator != "__") {
      return fmt::format("has the separator '{}' in path component '{}'; use one '.', one or two '_', or '-'",
                         separator, component);
    }
    i = end;
  }
  return std::nullopt;
}

// domain := component ("." component)* [":" port], component := [a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?
std::optional<std::string> domain_problem(std::string_view domain) {
  const std::size_t colon = domain.find(':');
  const std::string_view host = domain.substr(0, colon);
  if (colon != std::string_view::npos) {
    const std::string_view port = domain.substr(colon + 1);
    if (port.empty() || !all_of(port, is_ascii_digit)) {
      return fmt::format("has the registry '{}' whose port '{}' is not a number", domain, port);
    }
  }
  for (std::size_t start = 0; start <= host.size();) {
    const std::size_t dot = std::min(host.find('.', start), host.size());
    const std::string_view label = host.substr(start, dot - start);
    const bool valid = !label.empty() && is_alnum(label.front()) && is_alnum(label.back()) &&
                       all_of(label, [](char c) { return is_alnum(c) || c == '-'; });
    if (!valid) {
      return fmt::format("has an invalid registry host '{}'", host);
    }
    start = dot + 1;
  }
  return std::nullopt;
}

std::optional<std::string> digest_problem(std::string_view digest) {
  constexpr std::string_view algorithm = "sha256:";
  const std::string_view hex = digest.substr(std::min(digest.size(), algorithm.size()));
  if (!digest.starts_with(algorithm) || hex.size() != sha256_hex_digits ||
      !all_of(hex, [](char c) { return is_ascii_digit(c) || (c >= 'a' && c <= 'f'); })) {
    return fmt::format("has the digest '{}'; a digest is sha256: and 64 lowercase hex digits", digest);
  }
  return std::nullopt;
}

// tag := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
std::optional<std::string> tag_problem(std::string_view tag) {
  const bool valid = !tag.empty() && tag.size() <= max_tag_length &&
                     (is_alnum(tag.front()) || tag.front() == '_') &&
                     all_of(tag, [](char c) { return is_alnum(c) || c == '_' || c == '.' || c == '-'; });
  if (!valid) {
    return fmt::format(
        "has the tag '{}'; a tag is up to 128 letters, digits, '_', '.' and '-', not starting with '.' or "
        "'-'",
        tag);
  }
  return std::nullopt;
}

std::optional<std::string> image_problem(std::string_view image) {
  if (image.empty()) {
    return std::string("is empty");
  }
  if (std::any_of(image.begin(), image.end(),
                  [](char c) { return is_space(c) || static_cast<unsigned char>(c) < 0x20; })) {
    return std::string("contains spaces or control characters");
  }
  std::string_view rest = image;
  if (const std::size_t at = rest.find('@'); at != std::string_view::npos) {
    if (auto problem = digest_problem(rest.substr(at + 1))) {
      return problem;
    }
    rest = rest.substr(0, at);
  }
  const std::size_t last_slash = rest.rfind('/');
  if (const std::size_t colon = rest.find(':', last_slash == std::string_view::npos ? 0 : last_slash + 1);
      colon != std::string_view::npos) {
    if (auto problem = tag_problem(rest.substr(colon + 1))) {
      return problem;
    }
    rest = rest.substr(0, colon);
  }
  if (rest.size() > max_image_name_length) {
    return fmt::format("has a name of {} characters; at most {} are allowed", rest.size(),
                       max_image_name_length);
  }
  std::vector<std::string_view> components;
  for (std::size_t start = 0; start <= rest.size();) {
    const std::size_t slash = std::min(rest.find('/', start), rest.size());
    components.push_back(rest.substr(start, slash - start));
    start = slash + 1;
  }
  // As docker decides: the first component names a registry when it looks like a host.
  const std::string_view first = components.front();
  std::size_t path_start = 0;
  if (components.size() > 1 &&
      (first.find_first_of(".:") != std::string_view::npos || first == "localhost")) {
    if (auto problem = domain_problem(first)) {
      return problem;
    }
    path_start = 1;
  }
  for (std::size_t i = path_start; i < components.size(); ++i) {
    if (auto problem = path_component_problem(components[i])) {
      return problem;
    }
  }
  return std::nullopt;
}

Check check_image(const std::string& image) {
  if (auto problem = image_problem(image)) {
    return fail("IMAGE", image,
                fmt::format("the image reference {}; use registry/path:tag or registry/path@sha256:<digest>, "
                            "e.g. ghcr.io/org/gapit3:1.2",
                            *problem));
  }
  return ok("IMAGE", image);
}

// --- resources ---

Check check_cpu(const std::string& cpu) {
  const auto cores = parse_number(cpu);
  if (!cores || *cores <= 0 || cpu.find_first_of("eE") != std::string::npos) {
    return fail("CPU", cpu, "CPU must be a positive number of cores, e.g. 12 or 0.5");
  }
  return ok("CPU", cpu);
}

// --- GAPIT parameters ---

template <std::size_t N>
std::string one_of_problem(std::string_view value, const std::array<const char*, N>& choices) {
  if (std::find(choices.begin(), choices.end(), value) != choices.end()) {
    return {};
  }
  const auto same_letters = std::find_if(choices.begin(), choices.end(), [&](const char* choice) {
    return lowercase_ascii(choice) == lowercase_ascii(value);
  });
  if (same_letters != choices.end()) {
    return fmt::format("'{}' must be written '{}' (GAPIT compares case-sensitively)", value, *same_letters);
  }
  return fmt::format("'{}' is not one of {}", value, fmt::join(choices, ", "));
}

template <std::size_t N>
Check check_one_of(std::string_view name, const std::string& value,
                   const std::array<const char*, N>& choices) {
  const std::string problem = one_of_problem(value, choices);
  if (!problem.empty()) {
    return fail(name, value, fmt::format("{}: set {} to one of {}", problem, name, fmt::join(choices, ", ")));
  }
  return ok(name, value);
}

Check check_model(const std::string& model) {
  const std::string fix = fmt::format("set MODEL to one or more of {}, separated by commas without spaces",
                                      fmt::join(gapit_models, ", "));
  if (model.empty()) {
    return fail("MODEL", model, fmt::format("MODEL is empty: {}", fix));
  }
  for (std::size_t start = 0; start <= model.size();) {
    const std::size_t comma = std::min(model.find(',', start), model.size());
    const std::string problem =
        one_of_problem(std::string_view(model).substr(start, comma - start), gapit_models);
    if (!problem.empty()) {
      return fail("MODEL", model, fmt::format("{}: {}", problem, fix));
    }
    start = comma + 1;
  }
  return ok("MODEL", model);
}

Check check_pca_total(const std::string& pca_total) {
  const auto components = parse_int(pca_total, "PCA_TOTAL");
  if (!components || *components > max_pca_total) {
    return fail(
        "PCA_TOTAL", pca_total,
        fmt::format("PCA_TOTAL must be a whole number from 0 to {} (principal components as covariates)",
                    max_pca_total));
  }
  return ok("PCA_TOTAL", pca_total);
}

Check check_snp_maf(const std::string& maf) {
  const auto value = parse_number(maf);
  if (!value || *value < 0 || *value > max_snp_maf) {
    return fail("SNP_MAF", maf,
                "SNP_MAF must be a minor allele frequency from 0 to 0.5, e.g. 0.05 (0: no filter)");
  }
  return ok("SNP_MAF", maf);
}

// SNP_THRESHOLD and SNP_FDR: a p-value or rate in (0, 1].
Check check_probability(std::string_view name, const std::string& text) {
  const auto value = parse_number(text);
  if (!value || *value <= 0 || *value > 1) {
    return fail(name, text, fmt::format("{} must be more than 0 and at most 1, e.g. 0.05 or 5e-8", name));
  }
  return ok(name, text);
}

Check check_snp_fdr(const std::string& fdr) {
  if (fdr.empty()) {
    return ok("SNP_FDR", fdr, "not set: no FDR filter");
  }
  return check_probability("SNP_FDR", fdr);
}

// --- paths ---

std::string_view kind_text(FileProbe::Kind kind) {
  switch (kind) {
    case FileProbe::Kind::File: return "a file";
    case FileProbe::Kind::Directory: return "a folder";
    case FileProbe::Kind::Other: return "neither a file nor a folder";
    case FileProbe::Kind::Missing: break;
  }
  return "missing";
}

Check check_host_folder(std::string_view name, const std::string& path, const FileProbe& probe) {
  if (path.empty() || !fs::path(path).is_absolute()) {
    return fail(name, path,
                fmt::format("{} must be an absolute path of a folder on the cluster nodes", name));
  }
  if (path.find(',') != std::string::npos) {
    return fail(name, path,
                "runai's --host-path separates its fields with ',': use a path (or a symlink) without one");
  }
  const FileProbe::Kind kind = probe.kind(path);
  if (kind == FileProbe::Kind::Missing) {
    return warn(name, path,
                "not found on this machine; it may exist only on the cluster nodes: check it there");
  }
  if (kind != FileProbe::Kind::Directory) {
    return fail(
        name, path,
        fmt::format("is {} here, but a host-path mount needs a folder: fix {}", kind_text(kind), name));
  }
  return ok(name, path, "folder found on this machine");
}

struct InputFile {
  Check check;
  std::optional<fs::path> readable_here;  // the host path when it is a file here
};

InputFile check_input_file(std::string_view name, const std::string& container_path,
                           const BatchSettings& settings, const FileProbe& probe) {
  const auto host = host_path_of(container_path, settings.data_path_host);
  if (!host) {
    return {
        warn(name, container_path,
             fmt::format("not under {}, where DATA_PATH_HOST is mounted: the job sees it only if the image "
                         "has it; set {} to a path under {}",
                         container_data_dir, name, container_data_dir)),
        std::nullopt};
  }
  if (!fs::path(settings.data_path_host).is_absolute()) {
    return {warn(name, container_path, "not checked: DATA_PATH_HOST is not an absolute path"), std::nullopt};
  }
  const FileProbe::Kind kind = probe.kind(*host);
  if (kind == FileProbe::Kind::File) {
    return {ok(name, container_path, fmt::format("found at {}", host->string())), host};
  }
  if (kind == FileProbe::Kind::Missing && probe.kind(settings.data_path_host) != FileProbe::Kind::Directory) {
    return {
        warn(name, container_path,
             fmt::format("not checked: DATA_PATH_HOST {} is not visible on this machine; check {} on a node",
                         settings.data_path_host, host->string())),
        std::nullopt};
  }
  return {fail(name, container_path,
               fmt::format(
                   "{} is {}; the job would stop with a configuration error: put the file there or fix {}",
                   host->string(), kind == FileProbe::Kind::Missing ? "missing" : kind_text(kind), name)),
          std::nullopt};
}

Check check_phenotype_columns(const fs::path& phenotype, const std::string& header, int highest_trait) {
  const std::size_t columns = count_columns(header);
  const std::string value = fmt::format("highest trait {}", highest_trait);
  if (static_cast<std::size_t>(highest_trait) > columns) {
    return fail("phenotype columns", value,
                fmt::format("{} has {} columns (1 is Taxa), so there is no trait column {}: set END_TRAIT "
                            "(or --traits) to at most {}",
                            phenotype.string(), columns, highest_trait, columns));
  }
  return ok("phenotype columns", value, fmt::format("{} has {} columns", phenotype.string(), columns));
}

Check check_traits(const BatchSettings& settings, const std::vector<int>& traits) {
  if (traits.empty()) {
    auto range = traits_in_range(settings);
    return fail(
        "traits", fmt::format("{}-{}", settings.start_trait, settings.end_trait),
        range ? std::string("no traits to act on: set START_TRAIT and END_TRAIT") : range.error().message);
  }
  const bool contiguous = static_cast<std::size_t>(traits.back() - traits.front()) + 1 == traits.size();
  return ok("traits",
            contiguous ? fmt::format("{}-{}", traits.front(), traits.back())
                       : fmt::format("{}..{}", traits.front(), traits.back()),
            fmt::format("{} traits", traits.size()));
}

Check check_prefix(const std::string& prefix, int highest_trait) {
  if (auto valid = validate_prefix(prefix, highest_trait); !valid) {
    return fail("JOB_PREFIX", prefix, fmt::format("{}: set --prefix or JOB_PREFIX", valid.error().message));
  }
  const std::string longest = job_name(prefix, highest_trait);
  return ok(
      "JOB_PREFIX", prefix,
      fmt::format("longest job name {} ({} of {} characters)", longest, longest.size(), max_job_name_length));
}

}  // namespace

std::optional<fs::path> host_path_of(const std::string& container_path, const std::string& data_path_host) {
  const fs::path normal = fs::path(container_path).lexically_normal();
  const fs::path relative = normal.lexically_relative(container_data_dir);
  if (!normal.is_absolute() || relative.empty() || relative == "." || *relative.begin() == "..") {
    return std::nullopt;
  }
  return fs::path(data_path_host) / relative;
}

Check make_check(std::string_view name, CheckStatus status, std::string_view value,
                 std::string_view message) {
  return Check{std::string(name), status, printable(value), printable(message), std::nullopt};
}

std::string_view to_string(CheckStatus status) {
  switch (status) {
    case CheckStatus::Ok: return "ok";
    case CheckStatus::Warn: return "warn";
    case CheckStatus::Fail: break;
  }
  return "fail";
}

bool any_failed(const std::vector<Check>& checks) {
  return std::any_of(checks.begin(), checks.end(),
                     [](const Check& check) { return check.status == CheckStatus::Fail; });
}

FileProbe::Kind LocalFileProbe::kind(const fs::path& path) const {
  std::error_code error;
  switch (fs::status(path, error).type()) {
    case fs::file_type::regular: return Kind::File;
    case fs::file_type::directory: return Kind::Directory;
    case fs::file_type::none:  // could not be examined, e.g. a folder we may not enter
    case fs::file_type::not_found: return Kind::Missing;
    default: return Kind::Other;
  }
}

std::optional<std::string> LocalFileProbe::first_line(const fs::path& path) const {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return std::nullopt;
  }
  std::string line;
  for (char c = 0; line.size() < max_phenotype_header_bytes && in.get(c) && c != '\n';) {
    line.push_back(c);
  }
  if (in.bad()) {
    return std::nullopt;
  }
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

Result<TableShape> LocalFileProbe::table_shape(const fs::path& path) const { return read_table_shape(path); }

Result<std::vector<int>> traits_in_range(const BatchSettings& settings) {
  if (settings.start_trait > settings.end_trait) {
    return make_error(ErrorKind::Config, "START_TRAIT ({}) is greater than END_TRAIT ({}); swap them",
                      settings.start_trait, settings.end_trait);
  }
  auto traits = parse_trait_spec(fmt::format("{}-{}", settings.start_trait, settings.end_trait));
  if (!traits) {
    return make_error(ErrorKind::Config, "START_TRAIT..END_TRAIT: {}", traits.error().message);
  }
  return traits;
}

std::vector<Check> check_settings(const BatchSettings& settings, const std::vector<int>& traits,
                                  const FileProbe& probe) {
  const int highest_trait =
      traits.empty() ? std::max(settings.start_trait, settings.end_trait) : traits.back();
  std::vector<Check> checks;
  if (validate_job_name(settings.project)) {
    checks.push_back(ok("PROJECT", settings.project));
  } else {
    checks.push_back(
        fail("PROJECT", settings.project,
             "a Run:ai project name is lowercase letters, digits and '-', starting with a letter: set "
             "--project or PROJECT"));
  }
  checks.push_back(check_prefix(settings.prefix, highest_trait));
  checks.push_back(check_traits(settings, traits));
  if (settings.max_concurrent >= 1) {
    checks.push_back(ok("MAX_CONCURRENT", std::to_string(settings.max_concurrent)));
  } else {
    checks.push_back(fail("MAX_CONCURRENT", std::to_string(settings.max_concurrent),
                          "set MAX_CONCURRENT to at least 1: the most jobs of this batch active at once"));
  }
  checks.push_back(check_image(settings.image));
  checks.push_back(check_cpu(settings.cpu));
  const GapitSettings& gapit = settings.gapit;
  const MeasuredGenotype measured = measure_genotype(settings, probe);
  checks.push_back(check_memory(settings, measured.size, measured.why_not));
  checks.push_back(check_memory_ladder(settings, measured.size));
  checks.push_back(check_cpu_ladder(settings));

  checks.push_back(check_model(gapit.model));
  checks.push_back(check_pca_total(gapit.pca_total));
  checks.push_back(check_snp_maf(gapit.snp_maf));
  checks.push_back(check_probability("SNP_THRESHOLD", gapit.snp_threshold));
  checks.push_back(check_snp_fdr(gapit.snp_fdr));
  checks.push_back(check_one_of("KINSHIP_ALGORITHM", gapit.kinship_algorithm, kinship_algorithms));
  checks.push_back(check_one_of("SNP_EFFECT", gapit.snp_effect, snp_effects));
  checks.push_back(check_one_of("SNP_IMPUTE", gapit.snp_impute, snp_imputes));

  checks.push_back(check_host_folder("DATA_PATH_HOST", settings.data_path_host, probe));
  checks.push_back(check_host_folder("OUTPUT_PATH_HOST", settings.output_path_host, probe));
  checks.push_back(check_expected_output(settings, traits, probe));
  checks.push_back(check_input_file("GENOTYPE_FILE", gapit.genotype_file, settings, probe).check);
  if (gapit.accession_ids_file.empty()) {
    // Sent empty, as the bash script did; the entrypoint treats the file as optional.
    checks.push_back(ok("ACCESSION_IDS_FILE", "",
                        "not set: the entrypoint's default is used, /data/phenotype/accession_ids.txt "
                        "when that file exists, else no accession filter"));
  } else {
    checks.push_back(check_input_file("ACCESSION_IDS_FILE", gapit.accession_ids_file, settings, probe).check);
  }
  auto phenotype = check_input_file("PHENOTYPE_FILE", gapit.phenotype_file, settings, probe);
  const std::optional<std::string> header =
      phenotype.readable_here ? probe.first_line(*phenotype.readable_here) : std::nullopt;
  if (phenotype.readable_here && !header) {
    phenotype.check = warn("PHENOTYPE_FILE", gapit.phenotype_file,
                           fmt::format("{} exists but cannot be read here; its columns were not checked",
                                       phenotype.readable_here->string()));
  }
  checks.push_back(std::move(phenotype.check));
  if (header) {
    checks.push_back(check_phenotype_columns(*phenotype.readable_here, *header, highest_trait));
  }
  if (measured.size) {
    std::optional<std::uint64_t> phenotype_rows;
    if (header) {
      auto shape = probe.table_shape(*phenotype.readable_here);
      phenotype_rows = shape ? std::optional{shape->rows} : std::nullopt;
    }
    checks.push_back(check_samples(*measured.size, phenotype_rows));
  }
  return checks;
}

}  // namespace traitctl
