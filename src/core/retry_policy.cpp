#include "traitctl/core/retry_policy.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace traitctl {
namespace {

struct NamedClass {
  FailureClass failure;
  std::string_view name;
  std::string_view reason;
};

constexpr std::array named_classes{
    NamedClass{FailureClass::MountFailure, "mount-failure", "infrastructure mount failure, retryable"},
    NamedClass{FailureClass::ConfigError, "config-error", "configuration error, manual fix needed"},
    NamedClass{FailureClass::Unknown, "unknown", "could not determine failure reason"},
    NamedClass{FailureClass::LogsUnavailable, "logs-unavailable", "could not retrieve logs"},
    NamedClass{FailureClass::Timeout, "timeout", "stopped for running too long"},
};

const NamedClass& named(FailureClass failure) {
  return *std::find_if(named_classes.begin(), named_classes.end(),
                       [&](const NamedClass& entry) { return entry.failure == failure; });
}

bool contains(const std::vector<int>& codes, int code) {
  return std::find(codes.begin(), codes.end(), code) != codes.end();
}

bool contains_ignoring_case(std::string_view text, std::string_view pattern) {
  const auto lower_equal = [](char a, char b) {
    return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
  };
  return !pattern.empty() &&
         std::search(text.begin(), text.end(), pattern.begin(), pattern.end(), lower_equal) != text.end();
}

bool mentions_any(std::string_view log, const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& pattern) { return contains_ignoring_case(log, pattern); });
}

}  // namespace

std::string_view to_string(FailureClass failure) { return named(failure).name; }

Result<FailureClass> failure_class_from_string(std::string_view name) {
  for (const auto& entry : named_classes) {
    if (entry.name == name) {
      return entry.failure;
    }
  }
  return make_error(ErrorKind::Parse,
                    "unknown failure class '{}': expected mount-failure, config-error, unknown, "
                    "logs-unavailable or timeout",
                    name);
}

bool is_retryable(FailureClass failure) { return failure == FailureClass::MountFailure; }

std::string_view failure_reason(FailureClass failure) { return named(failure).reason; }

FailureClass classify_failure(const FailureEvidence& evidence, const ClassifierPolicy& policy) {
  if (evidence.timed_out) {
    return FailureClass::Timeout;
  }
  if (evidence.exit_code) {
    if (contains(policy.retry_exit_codes, *evidence.exit_code)) {
      return FailureClass::MountFailure;
    }
    if (contains(policy.config_exit_codes, *evidence.exit_code)) {
      return FailureClass::ConfigError;
    }
  }
  if (!evidence.log) {
    return FailureClass::LogsUnavailable;
  }
  if (mentions_any(*evidence.log, policy.mount_failure_patterns)) {
    return FailureClass::MountFailure;
  }
  if (mentions_any(*evidence.log, policy.config_error_patterns)) {
    return FailureClass::ConfigError;
  }
  return FailureClass::Unknown;
}

Duration backoff_before_retry(int retry_number, const RetryPolicy& policy) {
  const Duration cap = std::max(policy.max_delay, Duration::zero());
  Duration delay = std::clamp(policy.retry_delay, Duration::zero(), cap);
  if (retry_number <= 1) {
    return Duration::zero();
  }
  // Doubling stops at the cap (or at zero), so it cannot overflow and runs
  // at most ~40 times for any realistic cap.
  for (int retry = 2; retry < retry_number && delay < cap && delay > Duration::zero(); ++retry) {
    delay = delay > cap / 2 ? cap : delay * 2;
  }
  return delay;
}

}  // namespace traitctl
