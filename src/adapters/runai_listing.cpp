#include "traitctl/adapters/runai_listing.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <utility>

namespace traitctl {
namespace {

struct KnownStatus {
  std::string_view word;  // lowercase
  JobState state;
};

// From ../shared/runai/FORMATS.md: v2 phases and v1 pod/job states.
constexpr std::array known_statuses{
    KnownStatus{"completed", JobState::Succeeded},
    KnownStatus{"succeeded", JobState::Succeeded},
    KnownStatus{"failed", JobState::Failed},
    KnownStatus{"timedout", JobState::Failed},
    KnownStatus{"preempted", JobState::Failed},
    KnownStatus{"deleted", JobState::Failed},
    KnownStatus{"stopped", JobState::Stopped},
    KnownStatus{"pending", JobState::Pending},
    KnownStatus{"creating", JobState::Pending},
    KnownStatus{"initializing", JobState::Pending},
    KnownStatus{"containercreating", JobState::Pending},
    KnownStatus{"podinitializing", JobState::Pending},
    KnownStatus{"running", JobState::Running},
    KnownStatus{"deleting", JobState::Deleting},
    KnownStatus{"terminating", JobState::Deleting},
    KnownStatus{"resuming", JobState::OtherActive},
    KnownStatus{"updating", JobState::OtherActive},
    KnownStatus{"stopping", JobState::OtherActive},
    KnownStatus{"suspending", JobState::OtherActive},
    KnownStatus{"degraded", JobState::OtherActive},
    // Pods that keep failing to start or restarting are not done yet.
    KnownStatus{"containercannotrun", JobState::OtherActive},
    KnownStatus{"error", JobState::OtherActive},
    KnownStatus{"crashloopbackoff", JobState::OtherActive},
    KnownStatus{"errimagepull", JobState::OtherActive},
    KnownStatus{"imagepullbackoff", JobState::OtherActive},
    // v2 lists Unknown as a phase (not terminal); v1 as an end state. It
    // holds its slot: a slot is never freed on a guess.
    KnownStatus{"unknown", JobState::Unknown},
};

// v1 init containers: "Init:0/1", "Init:Error".
constexpr KnownStatus init_containers{"init:", JobState::Pending};

const KnownStatus* find_status(std::string_view word) {
  std::string lowered(word);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lowered.starts_with(init_containers.word)) {
    return &init_containers;
  }
  const auto* found = std::find_if(known_statuses.begin(), known_statuses.end(),
                                   [&](const KnownStatus& known) { return known.word == lowered; });
  return found == known_statuses.end() ? nullptr : found;
}

}  // namespace

JobState runai_job_state(std::string_view word) {
  const KnownStatus* known = find_status(word);
  return known == nullptr ? JobState::Unknown : known->state;
}

bool is_known_runai_status(std::string_view word) { return find_status(word) != nullptr; }

namespace {

Workload runai_workload(std::string_view name, std::string_view status) {
  return Workload{std::string(name), runai_job_state(status), std::string(status), "", ""};
}

constexpr char escape = '\x1b';
constexpr std::size_t excerpt_limit = 100;

bool is_cell_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }
bool is_ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_cell_space(s.front())) {
    s.remove_prefix(1);
  }
  while (!s.empty() && is_cell_space(s.back())) {
    s.remove_suffix(1);
  }
  return s;
}

bool has_space(std::string_view s) { return std::any_of(s.begin(), s.end(), is_cell_space); }

// `lowered` must be lowercase already.
bool istarts_with(std::string_view s, std::string_view lowered) {
  return s.size() >= lowered.size() && std::equal(lowered.begin(), lowered.end(), s.begin(),
                                                  [](char l, char c) { return l == ascii_lower(c); });
}

bool iequals(std::string_view s, std::string_view lowered) {
  return s.size() == lowered.size() && istarts_with(s, lowered);
}

bool icontains(std::string_view s, std::string_view lowered) {
  return std::search(s.begin(), s.end(), lowered.begin(), lowered.end(),
                     [](char c, char l) { return ascii_lower(c) == l; }) != s.end();
}

std::string excerpt(std::string_view s) {
  s = trim(s);
  if (s.size() <= excerpt_limit) {
    return std::string(s);
  }
  return fmt::format("{}...", s.substr(0, excerpt_limit));
}

// ---- ANSI escape sequences ------------------------------------------------

bool in_range(char c, unsigned char low, unsigned char high) {
  const auto u = static_cast<unsigned char>(c);
  return u >= low && u <= high;
}

// OSC, DCS, SOS, PM and APC run to BEL or ST (ESC \). An unterminated one
// stops at the end of its line: swallowing the rest of the text could turn a
// listing into an empty one.
std::size_t string_sequence_end(std::string_view text, std::size_t i) {
  for (; i < text.size() && text[i] != '\n'; ++i) {
    if (text[i] == '\a') {
      return i + 1;
    }
    if (text[i] == escape && i + 1 < text.size() && text[i + 1] == '\\') {
      return i + 2;
    }
  }
  return i;
}

// Where the escape sequence starting at text[at] (an ESC) ends. A malformed
// one loses only its introducer and parameters, never the text after it.
std::size_t escape_end(std::string_view text, std::size_t at) {
  std::size_t i = at + 1;
  if (i == text.size()) {
    return i;
  }
  const char kind = text[i++];
  if (kind == '[') {  // CSI: parameters, intermediates, one final byte
    while (i < text.size() && in_range(text[i], 0x20, 0x3f)) {
      ++i;
    }
    return i < text.size() && in_range(text[i], 0x40, 0x7e) ? i + 1 : i;
  }
  if (kind == ']' || kind == 'P' || kind == 'X' || kind == '^' || kind == '_') {
    return string_sequence_end(text, i);
  }
  if (in_range(kind, 0x20, 0x2f)) {  // nF, e.g. ESC ( B: intermediates then a final byte
    while (i < text.size() && in_range(text[i], 0x20, 0x2f)) {
      ++i;
    }
    return i < text.size() && in_range(text[i], 0x30, 0x7e) ? i + 1 : i;
  }
  return in_range(kind, 0x30, 0x7e) ? i : at + 1;  // two-byte sequences such as ESC 7
}

// The text without escape sequences; `storage` holds it only when one was found.
std::string_view strip_ansi(std::string_view text, std::string& storage) {
  std::size_t at = text.find(escape);
  if (at == std::string_view::npos) {
    return text;
  }
  storage.reserve(text.size());
  std::size_t from = 0;
  while (at != std::string_view::npos) {
    storage.append(text.substr(from, at - from));
    from = escape_end(text, at);
    at = text.find(escape, from);
  }
  storage.append(text.substr(from));
  return storage;
}

// ---- tables ----------------------------------------------------------------

// Cells are separated by two or more blanks (a tab counts as a separator on
// its own); single spaces stay inside a cell, as in "GPU Allocation".
void split_cells(std::string_view line, std::vector<std::string_view>& cells) {
  cells.clear();
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_cell_space(line[i])) {
      ++i;
    }
    const std::size_t begin = i;
    while (i < line.size() &&
           !(line[i] == '\t' || (is_cell_space(line[i]) && i + 1 < line.size() && is_cell_space(line[i + 1])))) {
      ++i;
    }
    const std::string_view cell = trim(line.substr(begin, i - begin));
    if (!cell.empty()) {
      cells.push_back(cell);
    }
  }
}

std::size_t count_words(std::string_view line) {
  std::size_t words = 0;
  bool in_word = false;
  for (const char c : line) {
    if (is_cell_space(c)) {
      in_word = false;
    } else if (!in_word) {
      in_word = true;
      ++words;
    }
  }
  return words;
}

std::string_view word_at(std::string_view line, std::size_t index) {
  std::size_t words = 0;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && is_cell_space(line[i])) {
      ++i;
    }
    const std::size_t begin = i;
    while (i < line.size() && !is_cell_space(line[i])) {
      ++i;
    }
    if (begin < i && words++ == index) {
      return line.substr(begin, i - begin);
    }
  }
  return {};
}

// An underline or border: box-drawing characters (U+2500..U+257F), ASCII
// dashes or equals signs, and blanks.
bool is_rule(std::string_view line) {
  bool any = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (c == '-' || c == '=') {
      any = true;
    } else if (c == '\xe2' && i + 2 < line.size() && (line[i + 1] == '\x94' || line[i + 1] == '\x95') &&
               in_range(line[i + 2], 0x80, 0xbf)) {
      any = true;
      i += 2;
    } else if (!is_cell_space(c)) {
      return false;
    }
  }
  return any;
}

// The v1 preamble, "Showing jobs for project P".
bool is_preamble(std::string_view line) {
  return istarts_with(line, "showing ") && icontains(line, " for project");
}

std::string_view skip_separators(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '-' || s.front() == '_')) {
    s.remove_prefix(1);
  }
  return s;
}

// The v2.25 `--no-pagination` trailer. Its exact wording is undocumented, so
// this takes "next[ page] token" in any case and with ' ', '-' or '_' between
// the words, then ':', '=' or blanks, then exactly one word.
std::optional<std::string> next_token_of(std::string_view line) {
  if (!istarts_with(line, "next")) {
    return std::nullopt;
  }
  std::string_view rest = skip_separators(line.substr(4));
  if (istarts_with(rest, "page")) {
    rest = skip_separators(rest.substr(4));
  }
  if (!istarts_with(rest, "token")) {
    return std::nullopt;
  }
  rest.remove_prefix(5);
  const std::string_view after_word = trim(rest);
  if (after_word.size() == rest.size() && !(rest.starts_with(':') || rest.starts_with('='))) {
    return std::nullopt;  // "tokenx": not the word "token"
  }
  rest = after_word;
  if (rest.starts_with(':') || rest.starts_with('=')) {
    rest = trim(rest.substr(1));
  }
  if (rest.size() >= 2 && (rest.front() == '"' || rest.front() == '\'') && rest.back() == rest.front()) {
    rest = rest.substr(1, rest.size() - 2);
  }
  if (rest.empty() || has_space(rest)) {
    return std::nullopt;
  }
  return std::string(rest);
}

// Kubernetes object names, which Run:ai workload names are: lowercase
// alphanumerics, '-' and '.', starting and ending alphanumeric. A hint line
// read as a row ("Use --limit ...") fails this instead of becoming a workload.
bool is_workload_name(std::string_view name) {
  const auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  return !name.empty() && name.size() <= 253 && alnum(name.front()) && alnum(name.back()) &&
         std::all_of(name.begin(), name.end(), [&](char c) { return alnum(c) || c == '-' || c == '.'; });
}

// Status words are single words starting with a letter ("Running", "Init:0/1");
// anything else means the columns were misread.
bool is_status_word(std::string_view status) {
  return !status.empty() && is_ascii_alpha(status.front()) && !has_space(status);
}

struct Header {
  std::size_t columns = 0;
  std::size_t name = 0;
  std::size_t status = 0;
  // Every column up to name and status holds one word (Workload, NAME, Type,
  // Status), so a row's leading words can be read even when a later cell is
  // empty or holds spaces (v1 "team-a (old)", "0.50 (0.50)").
  bool single_word_prefix = false;
  // A row indented this far has an empty name cell (the name column is first).
  std::optional<std::size_t> second_column;
};

std::optional<Header> read_header(std::string_view line, std::vector<std::string_view>& cells) {
  split_cells(line, cells);
  const auto find = [&](std::initializer_list<std::string_view> names) -> std::optional<std::size_t> {
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (std::any_of(names.begin(), names.end(), [&](std::string_view n) { return iequals(cells[i], n); })) {
        return i;
      }
    }
    return std::nullopt;
  };
  const auto name = find({"workload", "name"});
  const auto status = find({"status"});
  if (!name || !status) {
    return std::nullopt;
  }
  Header header;
  header.columns = cells.size();
  header.name = *name;
  header.status = *status;
  const std::size_t last = std::max(*name, *status);
  header.single_word_prefix = std::all_of(
      cells.begin(), cells.begin() + static_cast<std::ptrdiff_t>(last) + 1, [](std::string_view cell) {
        return iequals(cell, "workload") || iequals(cell, "name") || iequals(cell, "type") ||
               iequals(cell, "status");
      });
  if (*name == 0 && cells.size() > 1) {
    header.second_column = static_cast<std::size_t>(cells[1].data() - line.data());
  }
  return header;
}

struct Line {
  std::string_view text;  // without its line break
  std::size_t number = 0;
  bool terminated = false;  // followed by a line break; the last line of cut-off output is not
};

class TableReader {
 public:
  std::optional<Error> feed(const Line& line) {
    const std::string_view body = trim(line.text);
    if (body.empty()) {
      if (stage_ == Stage::Rows && !page_.workloads.empty()) {
        stage_ = Stage::AfterRows;
      }
      return std::nullopt;
    }
    content_ = true;
    if (is_rule(body)) {
      return std::nullopt;
    }
    if (auto token = next_token_of(body)) {
      return take_next_token(line, std::move(*token));
    }
    if (icontains(body, "no workloads found")) {
      none_found_ = true;
      return std::nullopt;
    }
    // v2.25 without --no-pagination fetches page after page; should it print
    // each page under its own header, the repeats are headers, not rows.
    if (stage_ != Stage::BeforeHeader && icontains(body, "status")) {
      if (auto header = read_header(line.text, cells_)) {
        header_ = *header;
        stage_ = Stage::Rows;
        return std::nullopt;
      }
    }
    switch (stage_) {
      case Stage::BeforeHeader: return before_header(line, body);
      case Stage::Rows: return read_row(line, body);
      case Stage::AfterRows: break;
    }
    return make_error(ErrorKind::Parse,
                      "line {}: unexpected text after the table's rows: '{}'; a listing that is not fully "
                      "understood is not used",
                      line.number, excerpt(body));
  }

  Result<ListingPage> finish() && {
    if (stage_ == Stage::BeforeHeader && content_ && !none_found_) {
      return make_error(ErrorKind::Parse,
                        "no table header (a line with Workload or NAME and Status columns) in the listing");
    }
    if (none_found_ && !page_.workloads.empty()) {
      return make_error(ErrorKind::Parse, "the listing says 'No workloads found' but also lists {} workloads",
                        page_.workloads.size());
    }
    return std::move(page_);
  }

 private:
  enum class Stage { BeforeHeader, Rows, AfterRows };

  std::optional<Error> take_next_token(const Line& line, std::string token) {
    if (page_.next_token && *page_.next_token != token) {
      return make_error(ErrorKind::Parse, "line {}: a second, different next token '{}' (the first was '{}')",
                        line.number, token, *page_.next_token);
    }
    page_.next_token = std::move(token);
    if (stage_ == Stage::Rows && !page_.workloads.empty()) {
      stage_ = Stage::AfterRows;
    }
    return std::nullopt;
  }

  std::optional<Error> before_header(const Line& line, std::string_view body) {
    if (auto header = read_header(line.text, cells_)) {
      header_ = *header;
      stage_ = Stage::Rows;
      return std::nullopt;
    }
    if (is_preamble(body)) {
      return std::nullopt;
    }
    return make_error(ErrorKind::Parse,
                      "line {}: expected a runai table header (a line with Workload or NAME and Status "
                      "columns), found '{}'",
                      line.number, excerpt(body));
  }

  std::optional<Error> read_row(const Line& line, std::string_view body) {
    const std::size_t indent = line.text.find_first_not_of(" \t");
    if (header_.second_column && indent >= *header_.second_column) {
      return std::nullopt;  // empty name cell: a continuation line, nothing to account for
    }
    split_cells(body, cells_);
    if (!line.terminated && cells_.size() != header_.columns) {
      return make_error(ErrorKind::Parse, "line {}: the listing ends in the middle of a row: '{}'",
                        line.number, excerpt(body));
    }
    std::string_view name;
    std::string_view status;
    if (cells_.size() == header_.columns || (header_.single_word_prefix && leading_cells_are_words())) {
      name = cells_[header_.name];
      status = cells_[header_.status];
    } else if (count_words(body) == header_.columns) {
      name = word_at(body, header_.name);
      status = word_at(body, header_.status);
    } else {
      return make_error(ErrorKind::Parse,
                        "line {}: {} cells where the header has {}, and the name and status cannot be told "
                        "apart: '{}'",
                        line.number, cells_.size(), header_.columns, excerpt(body));
    }
    if (!is_workload_name(name) || !is_status_word(status)) {
      return make_error(ErrorKind::Parse,
                        "line {}: '{}' and '{}' do not read as a workload name and a status: '{}'",
                        line.number, excerpt(name), excerpt(status), excerpt(body));
    }
    page_.workloads.push_back(runai_workload(name, status));
    return std::nullopt;
  }

  [[nodiscard]] bool leading_cells_are_words() const {
    const std::size_t last = std::max(header_.name, header_.status);
    return cells_.size() > last &&
           std::none_of(cells_.begin(), cells_.begin() + static_cast<std::ptrdiff_t>(last) + 1, has_space);
  }

  Stage stage_ = Stage::BeforeHeader;
  Header header_;
  ListingPage page_;
  std::vector<std::string_view> cells_;  // reused across lines
  bool content_ = false;                 // a non-blank line was seen
  bool none_found_ = false;              // "No workloads found"
};

// ---- JSON ------------------------------------------------------------------

using nlohmann::json;

const std::string* string_field(const json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get_ptr<const std::string*>() : nullptr;
}

const std::string* name_of(const json& entry) {
  for (const char* key : {"name", "workloadName"}) {
    if (const std::string* name = string_field(entry, key); name != nullptr && !name->empty()) {
      return name;
    }
  }
  const auto metadata = entry.find("metadata");
  if (metadata != entry.end() && metadata->is_object()) {
    const std::string* name = string_field(*metadata, "name");
    return name != nullptr && !name->empty() ? name : nullptr;
  }
  return nullptr;
}

// "status" as a string or as an object holding "phase", else "phase".
const std::string* status_of(const json& entry) {
  const auto status = entry.find("status");
  if (status != entry.end() && status->is_string()) {
    return status->get_ptr<const std::string*>();
  }
  if (status != entry.end() && status->is_object()) {
    if (const std::string* phase = string_field(*status, "phase")) {
      return phase;
    }
  }
  return string_field(entry, "phase");
}

Result<Workload> read_entry(const json& entry, std::size_t index) {
  if (!entry.is_object()) {
    return make_error(ErrorKind::Parse, "workload #{} of the JSON listing is a {}, not an object", index + 1,
                      entry.type_name());
  }
  const std::string* name = name_of(entry);
  if (name == nullptr) {
    return make_error(ErrorKind::Parse,
                      "workload #{} of the JSON listing has no name (looked for name, workloadName, "
                      "metadata.name)",
                      index + 1);
  }
  const std::string* status = status_of(entry);
  if (status == nullptr) {
    return make_error(ErrorKind::Parse, "workload '{}' of the JSON listing has no status or phase", *name);
  }
  return runai_workload(*name, *status);
}

// "next" as in the REST API (an offset), "nextToken"/"next_token" as a token.
Result<std::optional<std::string>> next_of(const json& object) {
  for (const char* key : {"next", "nextToken", "next_token"}) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null() ||
        (it->is_string() && it->get_ref<const std::string&>().empty())) {
      continue;
    }
    if (it->is_string()) {
      return std::optional<std::string>(it->get<std::string>());
    }
    if (it->is_number_integer()) {
      return std::optional<std::string>(it->dump());
    }
    return make_error(ErrorKind::Parse, "'{}' in the JSON listing is a {}, not a string or an integer", key,
                      it->type_name());
  }
  return std::optional<std::string>();
}

struct Located {
  const json* items = nullptr;       // an array, or null for none
  std::vector<const json*> holders;  // objects that may carry the next token, innermost first
};

// A top-level array, or one under workloads/items/data, or under
// data.workloads/data.items.
std::optional<Located> locate(const json& doc) {
  if (doc.is_array()) {
    return Located{&doc, {}};
  }
  if (!doc.is_object()) {
    return std::nullopt;
  }
  for (const char* key : {"workloads", "items", "data"}) {
    const auto it = doc.find(key);
    if (it == doc.end()) {
      continue;
    }
    if (it->is_array() || it->is_null()) {  // Go encodes an empty slice as null
      return Located{&*it, {&doc}};
    }
    if (std::string_view(key) == "data" && it->is_object()) {
      for (const char* inner : {"workloads", "items"}) {
        const auto nested = it->find(inner);
        if (nested != it->end() && (nested->is_array() || nested->is_null())) {
          return Located{&*nested, {&*it, &doc}};
        }
      }
    }
  }
  return std::nullopt;
}

Result<ListingPage> read_document(const json& doc) {
  const auto located = locate(doc);
  if (!located) {
    return make_error(ErrorKind::Parse,
                      "the JSON listing is a {} without a workloads array (looked for a top-level array and "
                      "for workloads, items, data)",
                      doc.type_name());
  }
  ListingPage page;
  if (located->items->is_array()) {
    page.workloads.reserve(located->items->size());
    for (std::size_t i = 0; i < located->items->size(); ++i) {
      auto workload = read_entry((*located->items)[i], i);
      if (!workload) {
        return workload.error();
      }
      page.workloads.push_back(std::move(*workload));
    }
  }
  for (const json* holder : located->holders) {
    auto next = next_of(*holder);
    if (!next) {
      return next.error();
    }
    if (*next) {
      page.next_token = std::move(*next);
      break;
    }
  }
  return page;
}

}  // namespace

Result<ListingPage> parse_listing_table(std::string_view text) {
  std::string storage;
  text = strip_ansi(text, storage);
  TableReader reader;
  std::size_t number = 1;
  for (std::size_t begin = 0; begin < text.size(); ++number) {
    const std::size_t end = std::min(text.find('\n', begin), text.size());
    const Line line{text.substr(begin, end - begin), number, end < text.size()};
    if (auto error = reader.feed(line)) {
      return *std::move(error);
    }
    begin = end + 1;
  }
  return std::move(reader).finish();
}

Result<ListingPage> parse_listing_json(std::string_view text) {
  std::string storage;
  text = strip_ansi(text, storage);
  try {
    return read_document(json::parse(text.begin(), text.end()));
  } catch (const json::exception& e) {
    return make_error(ErrorKind::Parse, "the listing is not valid JSON ({}); it starts with '{}'", e.what(),
                      excerpt(text));
  }
}

Result<ListingPage> parse_listing(std::string_view text) {
  std::string storage;
  text = strip_ansi(text, storage);
  const std::size_t first = text.find_first_not_of(" \t\r\n\v\f");
  if (first != std::string_view::npos && (text[first] == '[' || text[first] == '{')) {
    return parse_listing_json(text);
  }
  return parse_listing_table(text);
}

}  // namespace traitctl
