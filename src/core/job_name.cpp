#include "traitctl/core/job_name.hpp"

#include <algorithm>
#include <charconv>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

bool is_lower_alnum_or_dash(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; }

}  // namespace

std::string job_name(std::string_view prefix, int trait) { return fmt::format("{}-{}", prefix, trait); }

std::optional<int> batch_trait(std::string_view prefix, std::string_view name) {
  if (name.size() <= prefix.size() + 1 || !name.starts_with(prefix) || name[prefix.size()] != '-') {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(prefix.size() + 1);
  int trait = 0;
  const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), trait);
  if (error != std::errc{} || end != digits.data() + digits.size() || digits.front() == '+' ||
      digits.front() == '-') {
    return std::nullopt;
  }
  return trait;
}

Result<void> validate_job_name(std::string_view name) {
  if (name.empty()) {
    return make_error(ErrorKind::Usage, "job name is empty");
  }
  if (name.size() > max_job_name_length) {
    return make_error(ErrorKind::Usage, "job name '{}' is {} characters long; Run:ai allows at most {}",
                      printable(name), name.size(), max_job_name_length);
  }
  if (name.front() < 'a' || name.front() > 'z') {
    return make_error(ErrorKind::Usage, "job name '{}' must start with a lowercase letter", printable(name));
  }
  if (!std::all_of(name.begin(), name.end(), is_lower_alnum_or_dash)) {
    return make_error(ErrorKind::Usage, "job name '{}' may contain only lowercase letters, digits and '-'",
                      printable(name));
  }
  if (name.back() == '-') {
    return make_error(ErrorKind::Usage, "job name '{}' must not end with '-'", printable(name));
  }
  return {};
}

Result<void> validate_prefix(std::string_view prefix, int highest_trait) {
  if (prefix.empty()) {
    return make_error(ErrorKind::Usage, "the job prefix is empty; set --prefix or JOB_PREFIX");
  }
  const std::string longest = job_name(prefix, highest_trait);
  if (longest.size() > max_job_name_length) {
    return make_error(
        ErrorKind::Usage,
        "prefix '{}' makes job names up to {} characters long ('{}'); Run:ai allows at most {}: "
        "use a prefix of at most {} characters",
        printable(prefix), longest.size(), printable(longest), max_job_name_length,
        max_job_name_length - (longest.size() - prefix.size()));
  }
  if (auto valid = validate_job_name(longest); !valid) {
    return make_error(ErrorKind::Usage, "invalid prefix '{}': {}", printable(prefix), valid.error().message);
  }
  return {};
}

}  // namespace traitctl
