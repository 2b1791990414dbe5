// Value-or-error results for the low layers; only the CLI layer turns an
// Error into a message and an exit code.
#pragma once

#include <fmt/format.h>

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace traitctl {

enum class ErrorKind {
  Usage,        // a bad flag or argument value
  Config,       // a bad .env or configuration value
  NotFound,     // an executable or file that does not exist
  Process,      // a child process could not be started or failed
  Timeout,      // a call ran past its deadline
  Transient,    // a call got no answer (network, cluster hiccup): it may have taken effect
  Parse,        // output or a file that could not be understood
  Io,           // reading or writing a file failed
  Locked,       // another traitctl holds the lock
  Backend,      // the cluster CLI answered with an error
  Interrupted,  // SIGINT/SIGTERM arrived
};

struct Error {
  ErrorKind kind;
  std::string message;
};

template <typename... Args>
[[nodiscard]] Error make_error(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  return Error{kind, fmt::format(format, std::forward<Args>(args)...)};
}

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  [[nodiscard]] const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

// Success with no value, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  [[nodiscard]] bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  [[nodiscard]] const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

}  // namespace traitctl
