#include "traitctl/config/env_file.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <string_view>
#include <system_error>
#include <utility>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

constexpr std::string_view command_substitution =
    "a command substitution, which traitctl never runs: write the value itself, or single-quote it to keep "
    "the text as it is";

bool is_name_start(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_'; }
bool is_name_char(char c) { return is_name_start(c) || (c >= '0' && c <= '9'); }

bool is_valid_key(std::string_view key) {
  return !key.empty() && is_name_start(key.front()) && std::all_of(key.begin(), key.end(), is_name_char);
}

// What a character means depends on where it is, as in bash.
enum class Quoting {
  None,          // the value itself
  Double,        // inside "..."
  Word,          // the default of an unquoted ${NAME:-default}
  WordInDouble,  // the default of a ${NAME:-default} inside "..."
};

// A NUL would end the value early once it becomes a C string (argv): the
// file is refused rather than a value silently shortened.
std::optional<Error> find_nul(std::string_view text, std::string_view file_name) {
  const std::size_t nul = text.find('\0');
  if (nul == std::string_view::npos) {
    return std::nullopt;
  }
  const std::size_t line_start = text.rfind('\n', nul) + 1;  // npos + 1 == 0: the first line
  std::string_view line = text.substr(line_start, text.find('\n', nul) - line_start);
  if (line.ends_with('\r')) {
    line.remove_suffix(1);
  }
  return make_error(ErrorKind::Config,
                    "{}:{}: a NUL byte at column {}; a .env file is text (if it was saved as UTF-16, save it "
                    "as UTF-8): {}",
                    printable(file_name),
                    std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(nul), '\n') + 1,
                    nul - line_start + 1, printable(line));
}

// CRLF line ends become LF, as the bash script's `sed 's/\r$//'` made them.
std::string without_carriage_returns(std::string_view text) {
  std::string result;
  result.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\r' || (i + 1 < text.size() && text[i + 1] != '\n')) {
      result += text[i];
    }
  }
  return result;
}

// Reads statements one by one, expanding as it goes: a name refers to what
// an earlier line set, else to the process environment, as with `source`.
// Every reading function returns false once error_ is set.
class EnvParser {
 public:
  EnvParser(std::string text, std::string_view file_name, const EnvironmentLookup& environment)
      : text_(std::move(text)), file_name_(file_name), environment_(environment) {}

  Result<std::map<std::string, std::string>> parse() {
    while (!at_end()) {
      if (!statement()) {
        return *error_;
      }
    }
    return std::move(values_);
  }

 private:
  [[nodiscard]] bool at_end() const { return pos_ >= text_.size(); }
  // '\0' past the end: the text has no NUL (find_nul refused it).
  [[nodiscard]] char peek(std::size_t ahead = 0) const {
    return pos_ + ahead < text_.size() ? text_[pos_ + ahead] : '\0';
  }
  char take() {
    const char c = text_[pos_++];
    line_ += c == '\n' ? 1 : 0;
    return c;
  }
  void skip_to_line_end() {
    while (!at_end() && peek() != '\n') {
      ++pos_;
    }
  }

  bool fail(std::string_view problem) { return fail_at(line_, problem); }
  bool fail_at(std::size_t line, std::string_view problem) {
    std::size_t start = 0;
    for (std::size_t n = 1; n < line; ++n) {
      start = text_.find('\n', start) + 1;
    }
    const std::size_t end = std::min(text_.find('\n', start), text_.size());
    error_ = make_error(ErrorKind::Config, "{}:{}: {}: {}", printable(file_name_), line, problem,
                        printable(std::string_view(text_).substr(start, end - start)));
    return false;
  }

  bool statement();
  bool value(std::string& out);
  bool unquoted_part(std::string& out, Quoting quoting, bool& tilde_may_start);
  bool single_quoted(std::string& out);
  bool double_quoted(std::string& out);
  bool dollar(std::string& out, Quoting quoting);
  bool braced(std::string& out, Quoting quoting);
  bool default_word(std::string& out, Quoting quoting, std::size_t open_line);
  bool tilde(std::string& out, Quoting quoting);
  bool expand(std::string_view name, std::string& out);

  [[nodiscard]] std::optional<std::string> lookup(std::string_view name) const {
    if (const auto found = values_.find(std::string(name)); found != values_.end()) {
      return found->second;
    }
    return environment_(name);
  }

  std::string text_;
  std::string_view file_name_;
  const EnvironmentLookup& environment_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;  // the line of pos_
  std::map<std::string, std::string> values_;
  std::optional<Error> error_;
};

bool EnvParser::statement() {
  while (is_blank(peek())) {
    ++pos_;
  }
  if (at_end()) {
    return true;
  }
  if (peek() == '\n' || peek() == '#') {
    skip_to_line_end();
    if (!at_end()) {
      take();
    }
    return true;
  }
  // The key is what comes before the first '=' of the line.
  const std::size_t line_end = std::min(text_.find('\n', pos_), text_.size());
  std::string_view body = std::string_view(text_).substr(pos_, line_end - pos_);
  if (body.starts_with("export") && body.size() > 6 && is_blank(body[6])) {
    body = trim_blanks(body.substr(6));
  }
  const std::size_t equals = body.find('=');
  if (equals == std::string_view::npos) {
    return fail("expected KEY=VALUE");
  }
  const std::string key(trim_blanks(body.substr(0, equals)));
  if (!is_valid_key(key)) {
    return fail(fmt::format(
        "invalid variable name '{}' (use letters, digits and _, not starting with a digit)", printable(key)));
  }
  pos_ = static_cast<std::size_t>(body.data() - text_.data()) + equals + 1;
  std::string parsed;
  if (!value(parsed)) {
    return false;
  }
  values_.insert_or_assign(key, std::move(parsed));
  if (!at_end()) {
    take();  // the line's end
  }
  return true;
}

// Blanks inside an unquoted value are kept (bash would end the assignment
// there and run the rest as a command); leading and trailing ones are not.
// `#` after a blank starts a comment.
bool EnvParser::value(std::string& out) {
  bool blank_before = false;
  while (is_blank(peek())) {
    ++pos_;
    blank_before = true;
  }
  std::string blanks;
  bool tilde_may_start = true;  // bash expands `~` at the start and after each ':'
  while (!at_end() && peek() != '\n') {
    if (is_blank(peek())) {
      blanks += take();
      blank_before = true;
      continue;
    }
    if (peek() == '#' && blank_before) {
      skip_to_line_end();
      break;
    }
    out += blanks;
    blanks.clear();
    blank_before = false;
    if (!unquoted_part(out, Quoting::None, tilde_may_start)) {
      return false;
    }
  }
  return true;
}

// One character or quoted part of unquoted text (the value, or the default
// of an unquoted ${NAME:-default}), as bash reads it.
bool EnvParser::unquoted_part(std::string& out, Quoting quoting, bool& tilde_may_start) {
  const bool tilde_here = std::exchange(tilde_may_start, false);
  switch (peek()) {
    case '\'': take(); return single_quoted(out);
    case '"': take(); return double_quoted(out);
    case '\\':
      take();
      if (peek() == '\n') {
        take();  // a line continuation
      } else {
        out += at_end() ? '\\' : take();  // one at the very end stays, as in bash
      }
      return true;
    case '$': return dollar(out, quoting);
    case '`': return fail(fmt::format("`...` is {}", command_substitution));
    case '~':
      if (tilde_here) {
        return tilde(out, quoting);
      }
      break;
    case ':': tilde_may_start = true; break;
    default: break;
  }
  out += take();
  return true;
}

bool EnvParser::single_quoted(std::string& out) {  // after the opening quote
  const std::size_t open_line = line_;
  while (!at_end()) {
    const char c = take();
    if (c == '\'') {
      return true;
    }
    out += c;
  }
  return fail_at(open_line, "unterminated single quote");
}

// Inside double quotes a backslash escapes only $ ` " \ and a line end, as in bash.
bool EnvParser::double_quoted(std::string& out) {  // after the opening quote
  const std::size_t open_line = line_;
  while (!at_end()) {
    const char c = peek();
    if (c == '"') {
      take();
      return true;
    }
    if (c == '\\') {
      take();
      const char next = peek();
      if (next == '\n') {
        take();
      } else if (next == '$' || next == '`' || next == '"' || next == '\\') {
        out += take();
      } else {
        out += '\\';
      }
      continue;
    }
    if (c == '$') {
      if (!dollar(out, Quoting::Double)) {
        return false;
      }
      continue;
    }
    if (c == '`') {
      return fail(fmt::format("`...` is {}", command_substitution));
    }
    out += take();
  }
  return fail_at(open_line, "unterminated double quote");
}

bool EnvParser::dollar(std::string& out, Quoting quoting) {  // at '$'
  const char next = peek(1);
  if (is_name_start(next)) {
    const std::size_t start = ++pos_;
    while (is_name_char(peek())) {
      ++pos_;
    }
    return expand(std::string_view(text_).substr(start, pos_ - start), out);
  }
  if (next == '{') {
    return braced(out, quoting);
  }
  if (next == '(') {
    return fail(fmt::format("$(...) is {}", command_substitution));
  }
  if (next == '[') {
    return fail("$[...] is arithmetic, which traitctl does not evaluate: write the number itself");
  }
  if ((next >= '0' && next <= '9') || std::string_view("@*#?-$!").find(next) != std::string_view::npos) {
    return fail(fmt::format(
        "${} is a special parameter of the shell, which a .env file cannot use: write \\$ for a literal "
        "dollar sign",
        next));
  }
  if ((next == '\'' || next == '"') && quoting != Quoting::Double) {
    return fail(fmt::format("${}...{} quoting is not supported: use '...' or \"...\"", next, next));
  }
  out += take();  // a '$' before anything else stays, as in bash
  return true;
}

bool EnvParser::braced(std::string& out, Quoting quoting) {  // at "${"
  const std::size_t open = pos_;
  const std::size_t open_line = line_;
  pos_ += 2;
  const std::size_t name_start = pos_;
  if (is_name_start(peek())) {
    while (is_name_char(peek())) {
      ++pos_;
    }
  }
  const std::string name = text_.substr(name_start, pos_ - name_start);
  if (!name.empty() && peek() == '}') {
    take();
    return expand(name, out);
  }
  const bool colon = !name.empty() && peek() == ':' && peek(1) == '-';
  if (name.empty() || (!colon && peek() != '-')) {
    const std::size_t close = text_.find_first_of("}\n", pos_);
    const std::size_t shown_end = close != std::string::npos && text_[close] == '}' ? close + 1 : close;
    return fail(fmt::format(
        "{} is not supported: only ${{NAME}}, ${{NAME:-default}} and ${{NAME-default}} expand (write \\$ for "
        "a "
        "literal dollar sign)",
        printable(std::string_view(text_).substr(open, std::min(shown_end, text_.size()) - open))));
  }
  pos_ += colon ? 2 : 1;
  std::string fallback;
  const bool in_double = quoting == Quoting::Double || quoting == Quoting::WordInDouble;
  if (!default_word(fallback, in_double ? Quoting::WordInDouble : Quoting::Word, open_line)) {
    return false;
  }
  const auto value = lookup(name);
  out += !value || (colon && value->empty()) ? fallback : *value;
  return true;
}

// The default of ${NAME:-default}, up to its closing brace: unquoted, it is
// read like a value (quotes removed, `~` expanded); inside double quotes,
// like double-quoted text in which '...' only shields a '}' and stays.
bool EnvParser::default_word(std::string& out, Quoting quoting, std::size_t open_line) {
  bool in_single = false;
  bool tilde_may_start = true;
  while (!at_end()) {
    const char c = peek();
    if (c == '}' && !in_single) {
      take();
      return true;
    }
    bool ok = true;
    if (quoting == Quoting::Word) {
      ok = unquoted_part(out, quoting, tilde_may_start);
    } else if (c == '\'') {
      out += take();
      in_single = !in_single;
    } else if (c == '"') {
      take();
      ok = double_quoted(out);
    } else if (c == '\\') {
      take();
      const char next = peek();
      if (next == '\n') {
        take();
      } else if (std::string_view("$`\"\\}").find(next) != std::string_view::npos && !at_end()) {
        out += take();
      } else {
        out += '\\';
        if (next == '\'') {
          out += take();  // an escaped quote shields nothing
        }
      }
    } else if (c == '$') {
      ok = dollar(out, quoting);
    } else if (c == '`') {
      return fail(fmt::format("`...` is {}", command_substitution));
    } else {
      out += take();
    }
    if (!ok) {
      return false;
    }
  }
  return fail_at(open_line, "unterminated ${...}: no closing }");
}

// At an unquoted `~` where bash expands it: a lone `~` (up to '/', ':' or
// the end of the word) is $HOME; `~name` is refused; a prefix that is
// quoted or expanded stays as it is, as in bash.
bool EnvParser::tilde(std::string& out, Quoting quoting) {
  const auto ends_prefix = [quoting](char c) {
    return c == '/' || c == ':' || c == '\n' || c == '\0' || is_blank(c) ||
           (quoting == Quoting::Word && c == '}');
  };
  std::size_t end = pos_ + 1;
  while (end < text_.size() && !ends_prefix(text_[end]) &&
         std::string_view("'\"\\$`").find(text_[end]) == std::string_view::npos) {
    ++end;
  }
  if (!ends_prefix(end < text_.size() ? text_[end] : '\0')) {
    out += take();
    return true;
  }
  if (end > pos_ + 1) {
    return fail(fmt::format("{} is not expanded (only a lone ~ is, to $HOME): write the folder out",
                            printable(std::string_view(text_).substr(pos_, end - pos_))));
  }
  const auto home = lookup("HOME");
  if (!home) {
    return fail("~ stands for $HOME, which is not set: set HOME or write the folder out");
  }
  take();
  out += *home;
  return true;
}

bool EnvParser::expand(std::string_view name, std::string& out) {
  const auto value = lookup(name);
  if (!value) {
    return fail(fmt::format(
        "${} is not set, neither on an earlier line nor in the environment (the bash scripts stopped here "
        "with \"unbound variable\"): set it, or write ${{{}:-}} for an empty value",
        name, name));
  }
  out += *value;
  return true;
}

}  // namespace

Result<std::map<std::string, std::string>> parse_env_file(std::string_view text, std::string_view file_name,
                                                          const EnvironmentLookup& environment) {
  if (text.starts_with(utf8_bom)) {
    text.remove_prefix(utf8_bom.size());
  }
  if (auto nul = find_nul(text, file_name)) {
    return *nul;
  }
  return EnvParser(without_carriage_returns(text), file_name, environment).parse();
}

Result<std::map<std::string, std::string>> load_env_file(const std::filesystem::path& path, bool required,
                                                         const EnvironmentLookup& environment) {
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
  return parse_env_file(contents, path.string(), environment);
}

}  // namespace traitctl
