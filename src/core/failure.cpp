#include "traitctl/core/failure.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// The signal the kernel's OOM killer (and the cgroup's) sends.
constexpr int sigkill = 9;
// A log line kept as evidence is cut here: one line of R can be megabytes.
constexpr std::size_t max_evidence_line_bytes = 240;

struct NamedClass {
  FailureClass failure;
  std::string_view name;
  std::string_view reason;
};

constexpr std::array named_classes{
    NamedClass{FailureClass::Mount, "mount", "infrastructure mount failure"},
    NamedClass{FailureClass::Config, "config", "configuration error, manual fix needed"},
    NamedClass{FailureClass::Oom, "oom", "out of memory"},
    NamedClass{FailureClass::Timeout, "timeout", "stopped for running too long"},
    NamedClass{FailureClass::Incomplete, "incomplete", "exited without the expected outputs"},
    NamedClass{FailureClass::Infrastructure, "infrastructure", "node failure, preemption or eviction"},
    NamedClass{FailureClass::Unknown, "unknown", "could not determine failure reason"},
};

// Ledger version 1's names that changed; "timeout" and "unknown" did not.
constexpr std::array<std::pair<std::string_view, FailureClass>, 3> version_1_names{{
    {"mount-failure", FailureClass::Mount},
    {"config-error", FailureClass::Config},
    {"logs-unavailable", FailureClass::Unknown},
}};

const NamedClass& named(FailureClass failure) {
  return *std::find_if(named_classes.begin(), named_classes.end(),
                       [&](const NamedClass& entry) { return entry.failure == failure; });
}

bool lower_equal(char a, char b) {
  return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
}

bool equal_ignoring_case(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), lower_equal);
}

bool contains_ignoring_case(std::string_view text, std::string_view pattern) {
  return !pattern.empty() &&
         std::search(text.begin(), text.end(), pattern.begin(), pattern.end(), lower_equal) != text.end();
}

bool contains(const std::vector<int>& codes, int code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool is_word_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; }

// Whether one of `words` is a whole word of `text`: "OOMKilled" is in
// "OOMKilled" and in "DisruptionTarget: OOMKilled", not in "NotOOMKilled".
bool names_any(std::string_view text, const std::vector<std::string>& words) {
  for (std::size_t start = 0; start < text.size();) {
    if (!is_word_char(text[start])) {
      ++start;
      continue;
    }
    std::size_t end = start;
    while (end < text.size() && is_word_char(text[end])) {
      ++end;
    }
    const std::string_view word = text.substr(start, end - start);
    if (std::any_of(words.begin(), words.end(),
                    [&](const std::string& known) { return equal_ignoring_case(word, known); })) {
      return true;
    }
    start = end;
  }
  return false;
}

std::string_view trimmed(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
    line.remove_suffix(1);
  }
  return trim_blanks(line);
}

// The first line of `log` that `matches`, trimmed; nullopt when none does.
std::optional<std::string_view> first_line(std::string_view log,
                                           const std::function<bool(std::string_view)>& matches) {
  for (std::size_t start = 0; start < log.size();) {
    const std::size_t end = std::min(log.find('\n', start), log.size());
    const std::string_view line = trimmed(log.substr(start, end - start));
    if (matches(line)) {
      return line;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::optional<std::string_view> line_mentioning(std::string_view log,
                                                const std::vector<std::string>& patterns) {
  return first_line(log, [&](std::string_view line) {
    return std::any_of(patterns.begin(), patterns.end(),
                       [&](const std::string& pattern) { return contains_ignoring_case(line, pattern); });
  });
}

// At most max_evidence_line_bytes, cut before a UTF-8 continuation byte.
std::string shortened(std::string_view line) {
  if (line.size() <= max_evidence_line_bytes) {
    return std::string(line);
  }
  std::size_t cut = max_evidence_line_bytes;
  while (cut > 0 && (static_cast<unsigned char>(line[cut]) & 0xC0U) == 0x80U) {
    --cut;
  }
  return std::string(line.substr(0, cut)) + "...";
}

// "exit code 137, signal 9 (OOMKilled)", "reason Evicted", or "" when the
// evidence has none of the three.
std::string known_facts(const FailureEvidence& evidence) {
  std::string facts;
  if (evidence.exit_code) {
    facts = fmt::format("exit code {}", *evidence.exit_code);
  }
  if (evidence.signal) {
    facts += fmt::format("{}signal {}", facts.empty() ? "" : ", ", *evidence.signal);
  }
  if (evidence.reason) {
    facts += facts.empty() ? fmt::format("reason {}", printable(*evidence.reason))
                           : fmt::format(" ({})", printable(*evidence.reason));
  }
  return facts;
}

std::optional<FailureClass> class_of_reason(std::string_view reason, const ClassifierPolicy& policy) {
  if (names_any(reason, policy.oom_reasons)) {
    return FailureClass::Oom;
  }
  if (names_any(reason, policy.timeout_reasons)) {
    return FailureClass::Timeout;
  }
  if (names_any(reason, policy.infrastructure_reasons)) {
    return FailureClass::Infrastructure;
  }
  if (names_any(reason, policy.config_reasons)) {
    return FailureClass::Config;
  }
  return std::nullopt;
}

FailureClass class_of_codes(const FailureEvidence& evidence, const ClassifierPolicy& policy) {
  if (evidence.exit_code) {
    const int code = *evidence.exit_code;
    if (contains(policy.mount_exit_codes, code)) {
      return FailureClass::Mount;
    }
    if (contains(policy.config_exit_codes, code)) {
      return FailureClass::Config;
    }
    if (contains(policy.oom_exit_codes, code)) {
      return FailureClass::Oom;
    }
  }
  return evidence.signal == sigkill ? FailureClass::Oom : FailureClass::Unknown;
}

// The log's verdict and the line that gave it.
std::optional<std::pair<FailureClass, std::string_view>> class_of_log(std::string_view log,
                                                                      const ClassifierPolicy& policy) {
  if (auto line = line_mentioning(log, policy.mount_patterns)) {
    return std::pair{FailureClass::Mount, *line};
  }
  const auto oom_line = first_line(log, [&](std::string_view line) {
    const auto whole = [&](const std::string& known) { return equal_ignoring_case(line, known); };
    const auto part = [&](const std::string& pattern) { return contains_ignoring_case(line, pattern); };
    return std::any_of(policy.oom_lines.begin(), policy.oom_lines.end(), whole) ||
           std::any_of(policy.oom_patterns.begin(), policy.oom_patterns.end(), part);
  });
  if (oom_line) {
    return std::pair{FailureClass::Oom, *oom_line};
  }
  if (auto line = line_mentioning(log, policy.config_patterns)) {
    return std::pair{FailureClass::Config, *line};
  }
  return std::nullopt;
}

// The log line that says what the exit code already decided, for people
// (a configuration error's "Missing required files ..."); nullopt when none does.
std::optional<std::string_view> line_agreeing(std::string_view log, FailureClass failure,
                                              const ClassifierPolicy& policy) {
  const auto decided = class_of_log(log, policy);
  if (decided && decided->first == failure) {
    return decided->second;
  }
  if (failure == FailureClass::Config) {  // class_of_log puts mount and memory markers first
    return line_mentioning(log, policy.config_patterns);
  }
  return std::nullopt;
}

}  // namespace

std::string_view to_string(FailureClass failure) { return named(failure).name; }

Result<FailureClass> failure_class_from_string(std::string_view name) {
  for (const auto& entry : named_classes) {
    if (entry.name == name) {
      return entry.failure;
    }
  }
  for (const auto& [old_name, failure] : version_1_names) {
    if (old_name == name) {
      return failure;
    }
  }
  return make_error(ErrorKind::Parse,
                    "unknown failure class '{}': expected mount, config, oom, timeout, incomplete, "
                    "infrastructure or unknown",
                    printable(name));
}

std::string_view failure_reason(FailureClass failure) { return named(failure).reason; }

void ClassifierPolicy::add_mount_exit_code(int code) {
  if (!contains(mount_exit_codes, code)) {
    mount_exit_codes.push_back(code);
  }
}

void ClassifierPolicy::add_mount_pattern(std::string pattern) {
  const bool known =
      std::any_of(mount_patterns.begin(), mount_patterns.end(),
                  [&](const std::string& existing) { return equal_ignoring_case(existing, pattern); });
  if (!pattern.empty() && !known) {
    mount_patterns.push_back(std::move(pattern));
  }
}

Classification classify_failure(const FailureEvidence& evidence, const ClassifierPolicy& policy) {
  Classification result;
  result.exit_code = evidence.exit_code;
  result.reason = evidence.reason;
  const std::string facts = known_facts(evidence);
  if (evidence.timed_out) {
    result.failure = FailureClass::Timeout;
    result.evidence =
        facts.empty() ? "stopped for running too long" : "stopped for running too long; " + facts;
    return result;
  }
  if (evidence.reason) {
    if (auto failure = class_of_reason(*evidence.reason, policy)) {
      result.failure = *failure;
      result.evidence = facts;
      return result;
    }
  }
  // A known code decides alone: a mount marker in the log of a job the OOM
  // killer ended (exit 137) says nothing about why it died.
  if (evidence.exit_code || evidence.signal) {
    result.failure = class_of_codes(evidence, policy);
    result.evidence = facts;
    if (const auto line =
            evidence.log ? line_agreeing(*evidence.log, result.failure, policy) : std::nullopt) {
      result.matched_line = shortened(*line);
      result.evidence += "; log: " + printable(*result.matched_line);
    }
    return result;
  }
  const std::string reason_prefix =
      evidence.reason ? fmt::format("reason {}, ", printable(*evidence.reason)) : std::string();
  if (!evidence.log) {
    result.evidence = reason_prefix + "no exit code and no log";
    return result;
  }
  if (auto decided = class_of_log(*evidence.log, policy)) {
    result.failure = decided->first;
    result.matched_line = shortened(decided->second);
    result.evidence = "log: " + printable(*result.matched_line);
    return result;
  }
  result.evidence = reason_prefix + "no exit code and no known marker in the log";
  return result;
}

}  // namespace traitctl
