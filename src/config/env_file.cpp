#include "traitctl/config/env_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

bool is_blank(char c) { return c == ' ' || c == '\t'; }

bool is_valid_key(std::string_view key) {
  const auto is_letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; };
  const auto is_letter_or_digit = [&is_letter](char c) { return is_letter(c) || (c >= '0' && c <= '9'); };
  return !key.empty() && is_letter(key.front()) && std::all_of(key.begin(), key.end(), is_letter_or_digit);
}

// After a closing quote only blanks or a blank-led `#` comment may follow:
// the shell would glue `'a'b` or `'a'#b` into one word, which we refuse
// rather than guess at.
bool only_comment_follows(std::string_view rest) {
  const std::string_view after = trim_blanks(rest);
  return after.empty() || (after.front() == '#' && is_blank(rest.front()));
}

struct ParsedValue {
  std::string value;
  std::string_view problem;  // empty when the value parsed
};

ParsedValue parse_single_quoted(std::string_view text) {  // text starts after the opening quote
  const std::size_t close = text.find('\'');
  if (close == std::string_view::npos) {
    return {{}, "unterminated single quote"};
  }
  if (!only_comment_follows(text.substr(close + 1))) {
    return {{}, "unexpected text after the closing quote"};
  }
  return {std::string(text.substr(0, close)), {}};
}

ParsedValue parse_double_quoted(std::string_view text) {  // text starts after the opening quote
  std::string value;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '"') {
      if (!only_comment_follows(text.substr(i + 1))) {
        return {{}, "unexpected text after the closing quote"};
      }
      return {std::move(value), {}};
    }
    if (c == '\\' && i + 1 < text.size()) {
      const char next = text[i + 1];
      if (next == '"' || next == '\\' || next == '$') {
        value += next;
        ++i;
        continue;
      }
      if (next == 'n') {
        value += '\n';
        ++i;
        continue;
      }
    }
    // Any other backslash stays, as it does inside double quotes in bash.
    value += c;
  }
  return {{}, "unterminated double quote"};
}

ParsedValue parse_value(std::string_view text) {  // everything after '='
  const std::string_view trimmed = trim_blanks(text);
  if (trimmed.starts_with('\'')) {
    return parse_single_quoted(trimmed.substr(1));
  }
  if (trimmed.starts_with('"')) {
    return parse_double_quoted(trimmed.substr(1));
  }
  // `#` starts a comment only after a blank, as in the shell: `A=x#y` and
  // `A=#y` keep it, `A=x #y` and `A= #y` do not.
  std::size_t comment = std::string_view::npos;
  for (std::size_t i = 1; i < text.size(); ++i) {
    if (text[i] == '#' && is_blank(text[i - 1])) {
      comment = i;
      break;
    }
  }
  return {std::string(trim_blanks(text.substr(0, comment))), {}};
}

}  // namespace

Result<std::map<std::string, std::string>> parse_env_file(std::string_view text, std::string_view file_name) {
  if (text.starts_with(utf8_bom)) {
    text.remove_prefix(utf8_bom.size());
  }
  std::map<std::string, std::string> values;
  std::size_t line_number = 0;
  while (!text.empty()) {
    ++line_number;
    const std::size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }

    const auto fail = [&](std::string_view problem) {
      return make_error(ErrorKind::Config, "{}:{}: {}: {}", printable(file_name), line_number, problem,
                        printable(line));
    };
    // A NUL would end the value early once it becomes a C string (argv):
    // refuse the line rather than pass on a silently shortened value.
    if (const std::size_t nul = line.find('\0'); nul != std::string_view::npos) {
      return fail(
          fmt::format("a NUL byte at column {}; a .env file is text (if it was saved as UTF-16, "
                      "save it as UTF-8)",
                      nul + 1));
    }
    std::string_view body = trim_blanks(line);
    if (body.empty() || body.starts_with('#')) {
      continue;
    }
    if (body.starts_with("export") && body.size() > 6 && is_blank(body[6])) {
      body = trim_blanks(body.substr(6));
    }
    const std::size_t equals = body.find('=');
    if (equals == std::string_view::npos) {
      return fail("expected KEY=VALUE");
    }
    const std::string_view key = trim_blanks(body.substr(0, equals));
    if (!is_valid_key(key)) {
      return fail(
          fmt::format("invalid variable name '{}' (use letters, digits and _, not starting with a digit)",
                      printable(key)));
    }
    auto parsed = parse_value(body.substr(equals + 1));
    if (!parsed.problem.empty()) {
      return fail(parsed.problem);
    }
    values.insert_or_assign(std::string(key), std::move(parsed.value));
  }
  return values;
}

Result<std::map<std::string, std::string>> load_env_file(const std::filesystem::path& path, bool required) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    if (required) {
      return make_error(ErrorKind::Config, "env file '{}' not found; check the --env-file path",
                        printable(path.string()));
    }
    return std::map<std::string, std::string>{};
  }
  if (error) {
    return make_error(ErrorKind::Io, "cannot read env file '{}': {}", printable(path.string()),
                      error.message());
  }
  if (std::filesystem::is_directory(status)) {
    return make_error(ErrorKind::Io, "env file '{}' is a directory; name a file", printable(path.string()));
  }
  // stdio rather than iostreams: ferror reports a failed read, which a
  // stream buffer would turn into a silent early end of file.
  const auto close = [](std::FILE* stream) { std::fclose(stream); };
  const std::unique_ptr<std::FILE, decltype(close)> file(std::fopen(path.c_str(), "rb"), close);
  if (!file) {
    return make_error(ErrorKind::Io, "cannot read env file '{}': {}", printable(path.string()),
                      std::generic_category().message(errno));
  }
  std::string contents;
  std::array<char, 4096> buffer{};
  std::size_t count = 0;
  while ((count = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    contents.append(buffer.data(), count);
  }
  if (std::ferror(file.get()) != 0) {
    return make_error(ErrorKind::Io, "cannot read env file '{}': {}", printable(path.string()),
                      std::generic_category().message(errno));
  }
  return parse_env_file(contents, path.string());
}

}  // namespace traitctl
