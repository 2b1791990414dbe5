// A fake `runai` CLI for end-to-end tests. It prints the shapes documented in
// /work/shared/runai/FORMATS.md (never traitctl's own view of them) and keeps a
// simulated cluster in $FAKE_RUNAI_DIR:
//   config.json  written by tests, every key optional (see load_config)
//   state.json   every workload ever created, plus the call counter
//   state.lock   flock'ed for each call's read-modify-write of state.json
//   calls.jsonl  one line per call: {"t_ms", "argv" (after the program name),
//                "argv_hex" (the same, each byte as two hex digits: lossless where
//                argv is not UTF-8), "exit"}
// It deliberately shares no code with traitctl_core, so a parser bug in
// traitctl cannot be mirrored here and go unnoticed.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// A user-facing error of the emulated CLI: printed to stderr verbatim, exit 1.
class CliError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A broken test setup (bad config.json, unwritable dir): "fake runai: ..." and exit 1.
class SetupError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct Outcome {
  std::string out;
  std::string err;
  int exit_code = 0;
};

constexpr std::string_view kNetworkError =
    "Error: Something went wrong: dial tcp 10.0.0.1:443: i/o timeout\n";

// ---------------------------------------------------------------- config ---

struct OtherWorkload {
  std::string name;
  std::string project;
  std::string status;
  std::string kind;
};

struct Faults {
  std::uint64_t seed = 0;
  double transient_rate = 0;
  double ghost_submit_rate = 0;
  double hang_rate = 0;
  double unknown_status_rate = 0;
  double garbage_rate = 0;
};

struct Config {
  std::string version = "2.20";
  std::int64_t pending_ms = 100;
  std::int64_t running_ms = 300;
  std::int64_t deleting_ms = 0;
  std::int64_t latency_ms = 0;
  std::map<std::string, std::vector<int>> plans;
  int default_exit_code = 0;
  bool describe_reveals_exit_code = true;
  bool ansi = false;
  std::vector<OtherWorkload> other_workloads;
  std::set<std::string> logs_unavailable;
  Faults faults;

  [[nodiscard]] bool v1() const { return version == "v1"; }
  [[nodiscard]] bool v225() const { return version == "2.25"; }
};

Config load_config(const fs::path& path) {
  Config config;
  std::ifstream in(path);
  if (!in) {
    return config;  // no config.json: all defaults
  }
  try {
    const json j = json::parse(in);
    config.version = j.value("version", config.version);
    if (config.version != "2.18" && config.version != "2.20" && config.version != "2.25" &&
        config.version != "v1") {
      throw SetupError(
          fmt::format("config.json: version \"{}\" is not one of 2.18, 2.20, 2.25, v1", config.version));
    }
    config.pending_ms = j.value("pending_ms", config.pending_ms);
    config.running_ms = j.value("running_ms", config.running_ms);
    config.deleting_ms = j.value("deleting_ms", config.deleting_ms);
    config.latency_ms = j.value("latency_ms", config.latency_ms);
    config.default_exit_code = j.value("default_exit_code", config.default_exit_code);
    config.describe_reveals_exit_code = j.value("describe_reveals_exit_code", true);
    config.ansi = j.value("ansi", false);
    if (j.contains("plans")) {
      for (const auto& [name, codes] : j.at("plans").items()) {
        config.plans[name] = codes.get<std::vector<int>>();
        if (config.plans[name].empty()) {
          throw SetupError(fmt::format("config.json: plan for {} is empty", name));
        }
      }
    }
    for (const auto& w : j.value("other_workloads", json::array())) {
      config.other_workloads.push_back({w.at("name").get<std::string>(), w.at("project").get<std::string>(),
                                        w.value("status", "Running"), w.value("kind", "workspace")});
    }
    for (const auto& name : j.value("logs_unavailable", json::array())) {
      config.logs_unavailable.insert(name.get<std::string>());
    }
    const json faults = j.value("faults", json::object());
    config.faults.seed = faults.value("seed", std::uint64_t{0});
    config.faults.transient_rate = faults.value("transient_rate", 0.0);
    config.faults.ghost_submit_rate = faults.value("ghost_submit_rate", 0.0);
    config.faults.hang_rate = faults.value("hang_rate", 0.0);
    config.faults.unknown_status_rate = faults.value("unknown_status_rate", 0.0);
    config.faults.garbage_rate = faults.value("garbage_rate", 0.0);
  } catch (const json::exception& e) {
    throw SetupError(fmt::format("config.json in {}: {}", path.parent_path().string(), e.what()));
  }
  return config;
}

// ------------------------------------------------------------ workloads ---

struct Workload {
  std::string name;
  std::string project;
  std::string kind;  // "workspace" or "training"
  int attempt = 1;
  std::int64_t created_ms = 0;
  std::int64_t running_from_ms = 0;
  std::int64_t end_ms = 0;
  std::optional<std::int64_t> deleted_ms;
  std::optional<std::int64_t> gone_ms;  // no longer listed from here on
  int exit_code = 0;
  std::string image;
  std::vector<std::string> argv;
  std::map<std::string, std::string> environment;
};

json optional_ms(const std::optional<std::int64_t>& ms) { return ms ? json(*ms) : json(nullptr); }

void to_json(json& j, const Workload& w) {
  j = json{{"name", w.name},
           {"project", w.project},
           {"kind", w.kind},
           {"attempt", w.attempt},
           {"created_ms", w.created_ms},
           {"running_from_ms", w.running_from_ms},
           {"end_ms", w.end_ms},
           {"deleted_ms", optional_ms(w.deleted_ms)},
           {"gone_ms", optional_ms(w.gone_ms)},
           {"exit_code", w.exit_code},
           {"image", w.image},
           {"argv", w.argv},
           {"environment", w.environment}};
}

void from_json(const json& j, Workload& w) {
  j.at("name").get_to(w.name);
  j.at("project").get_to(w.project);
  j.at("kind").get_to(w.kind);
  j.at("attempt").get_to(w.attempt);
  j.at("created_ms").get_to(w.created_ms);
  j.at("running_from_ms").get_to(w.running_from_ms);
  j.at("end_ms").get_to(w.end_ms);
  if (!j.at("deleted_ms").is_null()) {
    w.deleted_ms = j.at("deleted_ms").get<std::int64_t>();
  }
  if (!j.at("gone_ms").is_null()) {
    w.gone_ms = j.at("gone_ms").get<std::int64_t>();
  }
  j.at("exit_code").get_to(w.exit_code);
  j.at("image").get_to(w.image);
  j.at("argv").get_to(w.argv);
  j.at("environment").get_to(w.environment);
}

// The workload's phase at `now_ms`, or nullopt once a deletion has finished.
std::optional<std::string> phase_at(const Workload& w, std::int64_t now_ms) {
  if (w.deleted_ms) {
    if (now_ms >= *w.gone_ms) {
      return std::nullopt;
    }
    return "Deleting";
  }
  if (now_ms < w.running_from_ms) {
    return "Pending";
  }
  if (now_ms < w.end_ms) {
    return "Running";
  }
  return w.exit_code == 0 ? "Completed" : "Failed";
}

bool is_terminal(std::string_view phase) { return phase == "Completed" || phase == "Failed"; }

struct Call {
  const Config& config;
  std::vector<Workload>& history;
  std::int64_t now_ms;
  std::uint64_t call_number;
};

// The listed (not yet gone) workload with this name in the project, any kind.
Workload* find_present(Call& call, std::string_view name, std::string_view project) {
  for (auto it = call.history.rbegin(); it != call.history.rend(); ++it) {
    if (it->name == name && it->project == project && phase_at(*it, call.now_ms)) {
      return &*it;
    }
  }
  return nullptr;
}

// --------------------------------------------------------------- faults ---

// Reproducible draws in [0, 1) from the seed, the call number and a salt that
// separates the independent decisions of one call (splitmix64).
double draw(const Call& call, std::uint64_t salt) {
  std::uint64_t x = call.config.faults.seed * 0x9E3779B97F4A7C15ULL +
                    call.call_number * 0xBF58476D1CE4E5B9ULL + salt * 0x94D049BB133111EBULL;
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  x ^= x >> 31;
  return static_cast<double>(x >> 11) * 0x1.0p-53;
}

enum Salt : std::uint64_t { kHang = 1, kTransient, kGhost, kGarbage, kFirstRow = 1000 };

// ------------------------------------------------------------- flags -------

struct FlagSpec {
  std::string_view name;
  char shorthand;               // '\0' when there is none
  std::string_view value_type;  // empty for a boolean flag
  std::string_view usage;
};

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::vector<std::string>, std::less<>> values;
  bool help = false;

  [[nodiscard]] bool has(std::string_view name) const { return values.find(name) != values.end(); }
  [[nodiscard]] std::optional<std::string> last(std::string_view name) const {
    const auto it = values.find(name);
    if (it == values.end()) {
      return std::nullopt;
    }
    return it->second.back();
  }
};

constexpr FlagSpec kHelpFlag{"help", 'h', "", "help for this command"};
constexpr FlagSpec kProjectFlag{"project", 'p', "string",
                                "Specify the project to which the command applies. By default, commands "
                                "apply to the default project."};

// Cobra/pflag-like parsing: --name value, --name=value, -x value; unknown
// flags fail the way the real CLI does.
// The spec named by `key` (the text after - or --, before any '='), or the
// error pflag gives for an unknown flag.
const FlagSpec& find_flag(std::span<const FlagSpec> specs, bool is_long, std::string_view key,
                          const std::string& arg) {
  const auto matches = [&](const FlagSpec& spec) {
    return is_long ? spec.name == key : key.size() == 1 && spec.shorthand == key[0];
  };
  if (matches(kHelpFlag)) {
    return kHelpFlag;
  }
  const auto found = std::find_if(specs.begin(), specs.end(), matches);
  if (found == specs.end()) {
    throw CliError(is_long ? fmt::format("Error: unknown flag: --{}", key)
                           : fmt::format("Error: unknown shorthand flag: '{}' in {}", key.substr(0, 1), arg));
  }
  return *found;
}

ParsedArgs parse_flags(std::span<const std::string> args, std::span<const FlagSpec> specs) {
  ParsedArgs parsed;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      break;  // the container's command: kept only in the stored argv
    }
    if (arg.size() < 2 || arg[0] != '-') {
      parsed.positional.push_back(arg);
      continue;
    }
    const bool is_long = arg.starts_with("--");
    const std::string_view body = std::string_view(arg).substr(is_long ? 2 : 1);
    const std::size_t equals = body.find('=');
    const std::string_view key = body.substr(0, equals);
    const FlagSpec& spec = find_flag(specs, is_long, key, arg);
    if (&spec == &kHelpFlag) {
      parsed.help = true;
      continue;
    }
    std::string value = "true";
    if (equals != std::string_view::npos) {
      value = std::string(body.substr(equals + 1));
    } else if (!spec.value_type.empty()) {
      if (i + 1 >= args.size()) {
        throw CliError(fmt::format("Error: flag needs an argument: {}", arg));
      }
      value = args[++i];
    }
    parsed.values[std::string(spec.name)].push_back(std::move(value));
  }
  return parsed;
}

std::optional<std::int64_t> int_flag(const ParsedArgs& parsed, std::string_view name) {
  const auto text = parsed.last(name);
  if (!text) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    throw CliError(
        fmt::format("Error: invalid argument \"{}\" for \"--{}\" flag: strconv.ParseInt: parsing "
                    "\"{}\": invalid syntax",
                    *text, name, *text));
  }
  return value;
}

std::string help_text(std::string_view description, std::string_view usage, std::span<const FlagSpec> specs) {
  std::vector<std::pair<std::string, std::string_view>> lines;
  std::vector<FlagSpec> all(specs.begin(), specs.end());
  all.push_back(kHelpFlag);
  std::sort(all.begin(), all.end(), [](const FlagSpec& a, const FlagSpec& b) { return a.name < b.name; });
  std::size_t width = 0;
  for (const auto& spec : all) {
    std::string left = spec.shorthand != '\0' ? fmt::format("  -{}, --{}", spec.shorthand, spec.name)
                                              : fmt::format("      --{}", spec.name);
    if (!spec.value_type.empty()) {
      left += fmt::format(" {}", spec.value_type);
    }
    width = std::max(width, left.size());
    lines.emplace_back(std::move(left), spec.usage);
  }
  std::string text = fmt::format("{}\n\nUsage:\n  {}\n\nFlags:\n", description, usage);
  for (const auto& [left, flag_usage] : lines) {
    text += fmt::format("{:<{}}   {}\n", left, width, flag_usage);
  }
  return text;
}

std::string require_project(const ParsedArgs& parsed) {
  auto project = parsed.last("project");
  if (!project || project->empty()) {
    throw CliError("Error: no project was specified and no default project is configured; use --project");
  }
  return *project;
}

std::string single_name(const ParsedArgs& parsed, std::string_view command) {
  if (parsed.positional.size() != 1) {
    throw CliError(fmt::format("Error: {} accepts 1 arg(s), received {}", command, parsed.positional.size()));
  }
  return parsed.positional.front();
}

// ------------------------------------------------------------- tables ------

// Columns are as wide as their widest visible cell: UTF-8 code points, with
// ANSI colour sequences not counted (what a terminal shows).
std::size_t visible_width(std::string_view text) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\x1b') {
      while (i < text.size() && text[i] != 'm') {
        ++i;
      }
      continue;
    }
    if ((static_cast<unsigned char>(text[i]) & 0xC0U) != 0x80U) {
      ++width;
    }
  }
  return width;
}

// Tabwriter-style: every cell but the last of a row padded to its column's
// width plus `padding` spaces.
std::string render_table(const std::vector<std::vector<std::string>>& rows, std::size_t padding,
                         bool underline_header) {
  std::vector<std::size_t> widths;
  for (const auto& row : rows) {
    widths.resize(std::max(widths.size(), row.size()));
    for (std::size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], visible_width(row[c]));
    }
  }
  std::string text;
  for (std::size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    for (std::size_t c = 0; c < row.size(); ++c) {
      text += row[c];
      if (c + 1 < row.size()) {
        text.append(widths[c] - visible_width(row[c]) + padding, ' ');
      }
    }
    text += '\n';
    if (r == 0 && underline_header) {
      std::size_t total = 0;
      for (const auto w : widths) {
        total += w + padding;
      }
      for (std::size_t i = 0; i + padding < total; ++i) {
        text += "─";
      }
      text += '\n';
    }
  }
  return text;
}

std::string colour(const Config& config, const std::string& status) {
  if (!config.ansi) {
    return status;
  }
  std::string_view code = "0";
  if (status == "Running" || status == "Completed" || status == "Succeeded") {
    code = "32";
  }
  if (status == "Pending") {
    code = "33";
  }
  if (status == "Failed") {
    code = "31";
  }
  return fmt::format("\x1b[{}m{}\x1b[0m", code, status);
}

std::string iso8601(std::int64_t ms) {
  const auto seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  std::array<char, 32> buffer{};
  const std::size_t n = std::strftime(buffer.data(), buffer.size(), "%Y-%m-%dT%H:%M:%S", &tm);
  return fmt::format("{}.{:03}Z", std::string_view(buffer.data(), n), ms % 1000);
}

std::string age(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(ms / 1000, 0);
  if (s < 60) {
    return fmt::format("{}s", s);
  }
  if (s < 3600) {
    return fmt::format("{}m", s / 60);
  }
  if (s < 86400) {
    return fmt::format("{}h", s / 3600);
  }
  return fmt::format("{}d", s / 86400);
}

// A stable UUID-shaped id (FNV-1a of project/name/attempt).
std::string workload_id(std::string_view project, std::string_view name, int attempt) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : fmt::format("{}/{}/{}", project, name, attempt)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", hash >> 32U, (hash >> 16U) & 0xFFFFU,
                     hash & 0xFFFU, (hash >> 4U) & 0xFFFU, hash & 0xFFFFFFFFFFFFULL);
}

std::string title_kind(std::string_view kind) { return kind == "training" ? "Training" : "Workspace"; }

// ------------------------------------------------------------- list --------

struct Row {
  std::string name;
  std::string kind;
  std::string phase;
  std::string project;
  std::string image;
  std::string id;
  std::int64_t created_ms = 0;
};

int running_pods(std::string_view phase) { return phase == "Running" ? 1 : 0; }

constexpr std::int64_t kOtherWorkloadAgeMs = 86'400'000;

// Other users' workloads first (they were there before the test), then ours
// in creation order; active phases may be replaced by a never-seen word. An
// empty kind (the v1 CLI) lists every kind.
std::vector<Row> listed_rows(Call& call, std::string_view project, std::string_view kind) {
  std::vector<Row> rows;
  const auto wanted = [&](std::string_view row_kind) { return kind.empty() || row_kind == kind; };
  for (const auto& other : call.config.other_workloads) {
    if (other.project != project || !wanted(other.kind)) {
      continue;
    }
    rows.push_back({other.name, other.kind, other.status, other.project, "-",
                    workload_id(other.project, other.name, 0), call.now_ms - kOtherWorkloadAgeMs});
  }
  for (const auto& w : call.history) {
    if (w.project != project || !wanted(w.kind)) {
      continue;
    }
    if (auto phase = phase_at(w, call.now_ms)) {
      rows.push_back({w.name, w.kind, *phase, w.project, w.image, workload_id(w.project, w.name, w.attempt),
                      w.created_ms});
    }
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const bool active = rows[i].phase == "Pending" || rows[i].phase == "Running";
    if (active && draw(call, kFirstRow + i) < call.config.faults.unknown_status_rate) {
      rows[i].phase = "Throttled";
    }
  }
  return rows;
}

constexpr std::array kListFlags220{
    FlagSpec{"json", '\0', "", "Output structure JSON"},
    FlagSpec{"limit", '\0', "int32", "number of workload in list (default 50)"},
    FlagSpec{"no-headers", '\0', "", "Output structure table without headers"},
    FlagSpec{"offset", '\0', "int32", "offset number of limit, default 0 (first offset)"},
    kProjectFlag,
};

constexpr std::array kListFlags225{
    FlagSpec{"json", '\0', "", "Output structure JSON"},
    FlagSpec{"max-items", '\0', "int32", "the maximum number of workloads to list (default: all)"},
    FlagSpec{"next-token", '\0', "string", "continue a listing from the token printed by --no-pagination"},
    FlagSpec{"no-headers", '\0', "", "Output structure table without headers"},
    FlagSpec{"no-pagination", '\0', "", "print one page, then a 'next token' line when more remain"},
    FlagSpec{"page-size", '\0', "int32", "the number of workloads per page, at most 500 (default 100)"},
    kProjectFlag,
};

constexpr std::array kListFlagsV1{kProjectFlag};

std::string next_token(std::size_t offset) { return fmt::format("pg{:08x}", offset); }

std::size_t parse_token(const std::string& token) {
  std::size_t offset = 0;
  const char* end = token.data() + token.size();
  if (token.size() == 10 && token.starts_with("pg")) {
    const auto [stop, ec] = std::from_chars(token.data() + 2, end, offset, 16);
    if (ec == std::errc{} && stop == end) {
      return offset;
    }
  }
  throw CliError(fmt::format("Error: invalid next token \"{}\"", token));
}

struct Page {
  std::size_t begin = 0;
  std::size_t end = 0;
  std::optional<std::size_t> next;  // where the following page starts, when there is one
};

std::size_t non_negative(std::optional<std::int64_t> value, std::string_view flag, std::size_t fallback) {
  if (!value) {
    return fallback;
  }
  if (*value < 0) {
    throw CliError(fmt::format("Error: --{} must not be negative", flag));
  }
  return static_cast<std::size_t>(*value);
}

// 2.18/2.20: --limit (default 50) from --offset; this silent cap is what the
// fake exists to reproduce. 2.25: everything unless --no-pagination.
Page select_page(const Call& call, const ParsedArgs& parsed, std::size_t total) {
  Page page;
  if (!call.config.v225()) {
    page.begin = std::min(non_negative(int_flag(parsed, "offset"), "offset", 0), total);
    page.end = std::min(page.begin + non_negative(int_flag(parsed, "limit"), "limit", 50), total);
    if (page.end < total) {
      page.next = page.end;
    }
    return page;
  }
  page.begin = std::min(parsed.has("next-token") ? parse_token(*parsed.last("next-token")) : 0, total);
  const std::size_t last =
      std::min(page.begin + non_negative(int_flag(parsed, "max-items"), "max-items", total), total);
  page.end = last;
  if (parsed.has("no-pagination")) {
    const std::size_t page_size = non_negative(int_flag(parsed, "page-size"), "page-size", 100);
    if (page_size == 0 || page_size > 500) {
      throw CliError("Error: --page-size must be between 1 and 500");
    }
    page.end = std::min(page.begin + page_size, last);
    if (page.end < last) {
      page.next = page.end;
    }
  }
  return page;
}

// 2.20 reports the next offset like the REST API; 2.25 an opaque token.
std::string list_json(const Call& call, const std::vector<Row>& rows, const Page& page) {
  json workloads = json::array();
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const Row& row = rows[i];
    workloads.push_back({{"name", row.name},
                         {"id", row.id},
                         {"type", title_kind(row.kind)},
                         {"phase", row.phase},
                         {"projectName", row.project},
                         {"createdAt", iso8601(row.created_ms)},
                         {"runningPods", running_pods(row.phase)},
                         {"requestedPods", 1}});
  }
  json result{{"workloads", workloads}};
  if (page.next && call.config.v225()) {
    result["nextToken"] = next_token(*page.next);
  } else if (page.next) {
    result["next"] = *page.next;
  }
  return result.dump(2) + "\n";
}

std::string list_table_v2(const Call& call, const std::vector<Row>& rows, const Page& page, bool headers) {
  std::vector<std::vector<std::string>> cells;
  if (headers) {
    cells.push_back(call.config.v225()
                        ? std::vector<std::string>{"Workload", "Type", "Status", "Project",
                                                   "Running/Req.Pods", "GPU Alloc."}
                        : std::vector<std::string>{"Workload", "Type", "Status", "Project", "Preemptible",
                                                   "Running/Requested Pods", "GPU Allocation"});
  }
  for (std::size_t i = page.begin; i < page.end; ++i) {
    const Row& row = rows[i];
    std::vector<std::string> line{row.name, title_kind(row.kind), colour(call.config, row.phase),
                                  row.project};
    if (!call.config.v225()) {
      line.emplace_back(row.kind == "training" ? "Yes" : "No");
    }
    line.push_back(fmt::format("{}/1", running_pods(row.phase)));
    line.emplace_back("0.00");
    cells.push_back(std::move(line));
  }
  std::string text = render_table(cells, 3, headers);
  if (page.next && call.config.v225()) {  // 2.20 says nothing about the rows it left out
    text += fmt::format("next token: {}\n", next_token(*page.next));
  }
  return text;
}

std::string v1_status(const std::string& phase) {
  if (phase == "Completed") {
    return "Succeeded";
  }
  if (phase == "Deleting") {
    return "Terminating";
  }
  return phase;
}

std::string list_table_v1(const Call& call, const std::vector<Row>& rows) {
  std::vector<std::vector<std::string>> cells{{"NAME", "STATUS", "AGE", "NODE", "IMAGE", "TYPE", "PROJECT",
                                               "USER", "GPUs Allocated (Requested)", "PODs Running (Pending)",
                                               "SERVICE URL(S)"}};
  for (const Row& row : rows) {
    const bool pending = row.phase == "Pending";
    cells.push_back({row.name, colour(call.config, v1_status(row.phase)), age(call.now_ms - row.created_ms),
                     pending ? "<none>" : "runai-cluster-worker", row.image,
                     row.kind == "training" ? "Train" : "Interactive", row.project, "fake-user",
                     "0.00 (0.00)", fmt::format("{} ({})", running_pods(row.phase), pending ? 1 : 0), ""});
  }
  return render_table(cells, 2, false);
}

// Half the output, cut inside a line (but on a UTF-8 boundary).
std::string garble(const std::string& text) {
  std::size_t cut = text.size() / 2;
  while (cut > 0 && (text[cut - 1] == '\n' || (static_cast<unsigned char>(text[cut]) & 0xC0U) == 0x80U)) {
    --cut;
  }
  return text.substr(0, cut);
}

Outcome list(Call& call, std::string_view kind, std::span<const std::string> args) {
  const bool v1 = call.config.v1();
  const std::span<const FlagSpec> specs =
      v1 ? std::span<const FlagSpec>(kListFlagsV1)
         : (call.config.v225() ? std::span<const FlagSpec>(kListFlags225)
                               : std::span<const FlagSpec>(kListFlags220));
  const ParsedArgs parsed = parse_flags(args, specs);
  if (parsed.help) {
    return {help_text(v1 ? "list all jobs" : fmt::format("list {}", kind),
                      v1 ? "runai list jobs [flags]" : fmt::format("runai {} list [flags]", kind), specs),
            "", 0};
  }
  const std::string project = require_project(parsed);
  const std::vector<Row> rows = listed_rows(call, project, kind);
  std::string text;
  if (v1) {
    text = fmt::format("Showing jobs for project {}\n", project);
    text += rows.empty() ? "No workloads found\n" : list_table_v1(call, rows);
  } else {
    const Page page = select_page(call, parsed, rows.size());
    if (parsed.has("json")) {
      text = list_json(call, rows, page);
    } else if (page.begin == page.end) {
      text = "No workloads found\n";
    } else {
      text = list_table_v2(call, rows, page, !parsed.has("no-headers"));
    }
  }
  if (draw(call, kGarbage) < call.config.faults.garbage_rate) {
    text = garble(text);
  }
  return {text, "", 0};
}

// ------------------------------------------------------------ submit -------

constexpr std::array kSubmitFlags{
    FlagSpec{"annotation", '\0', "stringArray",
             "Set of annotations to populate into the container running the workspace"},
    FlagSpec{"command", '\0', "",
             "If true, override the image's entrypoint with the command supplied after '--'"},
    FlagSpec{"cpu-core-limit", '\0', "float", "CPU core limit (e.g. 0.5, 1)"},
    FlagSpec{"cpu-core-request", '\0', "float", "CPU core request (e.g. 0.5, 1)"},
    FlagSpec{"cpu-memory-limit", '\0', "string", "CPU memory limit (e.g. 1G, 500M)"},
    FlagSpec{"cpu-memory-request", '\0', "string", "CPU memory request (e.g. 1G, 500M)"},
    FlagSpec{"environment", 'e', "stringArray", "Set environment variables in the container (KEY=VALUE)"},
    FlagSpec{"existing-pvc", '\0', "stringArray", "Mount an existing persistent volume claim"},
    FlagSpec{"gpu-devices-request", 'g', "int32", "GPU units to allocate for the workload"},
    FlagSpec{"gpu-portion-request", '\0', "float", "GPU portion to allocate for the workload"},
    FlagSpec{"host-path", '\0', "stringArray", "Volumes to mount into the container (path=...,mount=...)"},
    FlagSpec{"image", 'i', "string", "The image for the workload"},
    FlagSpec{"image-pull-policy", '\0', "string", "Image pull policy: Always, IfNotPresent, Never"},
    FlagSpec{"label", '\0', "stringArray",
             "Set of labels to populate into the container running the workspace"},
    FlagSpec{"node-pools", '\0', "stringArray", "List of node pools to use for scheduling the job"},
    FlagSpec{"preemptible", '\0', "",
             "Workspace preemptible workloads can be scheduled above guaranteed quota"},
    kProjectFlag,
    FlagSpec{"working-dir", '\0', "string", "The directory the command runs in"},
};

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z' || name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

int planned_exit_code(const Config& config, const std::string& name, int attempt) {
  const auto plan = config.plans.find(name);
  if (plan == config.plans.end()) {
    return config.default_exit_code;
  }
  const auto index = std::min(static_cast<std::size_t>(attempt - 1), plan->second.size() - 1);
  return plan->second[index];
}

Outcome submit(Call& call, std::string_view kind, std::span<const std::string> args,
               const std::vector<std::string>& argv) {
  const ParsedArgs parsed = parse_flags(args, kSubmitFlags);
  if (parsed.help) {
    return {help_text(fmt::format("submit {}", kind), fmt::format("runai {} submit [name] [flags]", kind),
                      kSubmitFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "submit");
  const std::string project = require_project(parsed);
  if (!valid_name(name)) {
    throw CliError(
        fmt::format("Error: invalid workload name \"{}\": it must consist of lower case alphanumeric "
                    "characters or '-', start with a letter and be at most 63 characters",
                    name));
  }
  const bool taken_by_other =
      std::any_of(call.config.other_workloads.begin(), call.config.other_workloads.end(),
                  [&](const OtherWorkload& other) { return other.name == name && other.project == project; });
  if (taken_by_other || find_present(call, name, project) != nullptr) {
    throw CliError(fmt::format("workload with name '{}' already exists in this project", name));
  }
  Workload w;
  w.name = name;
  w.project = project;
  w.kind = std::string(kind);
  w.attempt =
      1 + static_cast<int>(std::count_if(call.history.begin(), call.history.end(), [&](const Workload& h) {
        return h.name == name && h.project == project;
      }));
  w.created_ms = call.now_ms;
  w.running_from_ms = w.created_ms + call.config.pending_ms;
  w.end_ms = w.running_from_ms + call.config.running_ms;
  w.exit_code = planned_exit_code(call.config, name, w.attempt);
  w.image = parsed.last("image").value_or("-");
  w.argv = argv;
  if (const auto it = parsed.values.find("environment"); it != parsed.values.end()) {
    for (const auto& pair : it->second) {
      const auto equals = pair.find('=');
      if (equals == std::string::npos) {
        throw CliError(fmt::format("Error: invalid environment variable \"{}\": expected KEY=VALUE", pair));
      }
      w.environment[pair.substr(0, equals)] = pair.substr(equals + 1);
    }
  }
  call.history.push_back(std::move(w));
  if (draw(call, kGhost) < call.config.faults.ghost_submit_rate) {
    return {"", std::string(kNetworkError), 1};
  }
  return {
      fmt::format("Creating {} {}...\nTo know the status of the workload use: runai {} describe {} -p {}\n",
                  kind, name, kind, name, project),
      "", 0};
}

// --------------------------------------------- delete, describe, logs ------

constexpr std::array kDeleteFlags{kProjectFlag};
constexpr std::array kDescribeFlags{
    FlagSpec{"output", 'o', "string", "output format: table|json (default \"table\")"}, kProjectFlag};
constexpr std::array kLogsFlags{
    kProjectFlag, FlagSpec{"tail", '\0', "int", "lines of recent log file to display (default -1: all)"}};

// The named workload of this kind, or the error the real CLI gives.
Workload& find_or_throw(Call& call, std::string_view kind, std::string_view name, std::string_view project,
                        std::string_view missing_message) {
  Workload* w = find_present(call, name, project);
  if (w == nullptr || w->kind != kind) {
    throw CliError(std::string(missing_message));
  }
  return *w;
}

Outcome delete_workload(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kDeleteFlags);
  if (parsed.help) {
    return {help_text(fmt::format("delete {}", kind), fmt::format("runai {} delete [name] [flags]", kind),
                      kDeleteFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "delete");
  const std::string project = require_project(parsed);
  Workload& w = find_or_throw(call, kind, name, project, "no workload was found");
  if (!w.deleted_ms) {  // deleting a workload that is already Deleting changes nothing
    w.deleted_ms = call.now_ms;
    w.gone_ms = call.now_ms + call.config.deleting_ms;
  }
  return {fmt::format("Successfully deleted {} {}\n", kind, name), "", 0};
}

std::string not_found(std::string_view kind, std::string_view name, std::string_view project) {
  return fmt::format("Error: {} \"{}\" not found in project \"{}\"", kind, name, project);
}

std::string pod_phase(std::string_view phase) {
  if (phase == "Completed") {
    return "Succeeded";
  }
  if (phase == "Failed" || phase == "Running" || phase == "Pending") {
    return std::string(phase);
  }
  return "Unknown";
}

Outcome describe(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kDescribeFlags);
  if (parsed.help) {
    return {help_text(fmt::format("describe {}", kind), fmt::format("runai {} describe [name] [flags]", kind),
                      kDescribeFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "describe");
  const std::string project = require_project(parsed);
  const std::string output = parsed.last("output").value_or("table");
  if (output != "table" && output != "json") {
    throw CliError(fmt::format("Error: invalid output format \"{}\"", output));
  }
  const Workload& w = find_or_throw(call, kind, name, project, not_found(kind, name, project));
  const std::string phase = *phase_at(w, call.now_ms);
  if (output == "table") {
    return {
        fmt::format("Name:     {}\nType:     {}\nStatus:   {}\nProject:  {}\nCreated:  {}\nImage:    {}\n",
                    w.name, title_kind(w.kind), phase, w.project, iso8601(w.created_ms), w.image),
        "", 0};
  }
  json container{{"name", w.name}, {"image", w.image}};
  if (is_terminal(phase) && call.config.describe_reveals_exit_code) {
    container["exitCode"] = w.exit_code;
  }
  const json described{{"name", w.name},
                       {"id", workload_id(w.project, w.name, w.attempt)},
                       {"type", title_kind(w.kind)},
                       {"phase", phase},
                       {"projectName", w.project},
                       {"createdAt", iso8601(w.created_ms)},
                       {"pods", json::array({json{{"name", fmt::format("{}-0-0", w.name)},
                                                  {"phase", pod_phase(phase)},
                                                  {"containers", json::array({container})}}})}};
  return {described.dump(2) + "\n", "", 0};
}

// What the GAPIT entrypoint would have printed, consistent with the exit code
// (the job contract in FORMATS.md); a running job has printed the first lines.
std::vector<std::string> log_lines(const Workload& w, bool finished) {
  std::vector<std::string> lines{fmt::format("[INFO] GAPIT entrypoint starting for workload {}", w.name),
                                 "[INFO] Checking inputs and mounts"};
  if (!finished) {
    lines.emplace_back("[INFO] Loading genotype and phenotype data");
    return lines;
  }
  const auto env = [&](const std::string& key, std::string_view fallback) {
    const auto it = w.environment.find(key);
    return it != w.environment.end() ? it->second : std::string(fallback);
  };
  switch (w.exit_code) {
    case 0:
      lines.emplace_back("[INFO] Loading genotype and phenotype data");
      lines.emplace_back("[INFO] Running GWAS models");
      lines.emplace_back("[INFO] Results written to /outputs");
      lines.emplace_back("[INFO] Done");
      break;
    case 1:
      lines.emplace_back("[ERROR] Missing required files or directories:");
      lines.push_back(
          fmt::format("  - GENOTYPE_FILE={}", env("GENOTYPE_FILE", "/data/genotype/missing.hmp.txt")));
      lines.emplace_back("[ERROR] Configuration error: fix the inputs above; a retry cannot succeed");
      break;
    case 2:
      lines.emplace_back("[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point");
      lines.emplace_back("[ERROR] INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)");
      lines.emplace_back("[ERROR] Exiting with code 2");
      break;
    default:
      lines.emplace_back("[INFO] Loading genotype and phenotype data");
      lines.emplace_back("[INFO] Running GWAS models");
      lines.emplace_back("Killed");
      break;
  }
  return lines;
}

Outcome logs(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kLogsFlags);
  if (parsed.help) {
    return {help_text(fmt::format("logs {}", kind), fmt::format("runai {} logs [name] [flags]", kind),
                      kLogsFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "logs");
  const std::string project = require_project(parsed);
  const Workload& w = find_or_throw(call, kind, name, project, not_found(kind, name, project));
  const std::string phase = *phase_at(w, call.now_ms);
  const std::string pod = fmt::format("{}-0-0", name);
  if (call.config.logs_unavailable.contains(name) || phase == "Deleting") {
    throw CliError(fmt::format("Error: failed to get logs: pods \"{}\" not found", pod));
  }
  if (phase == "Pending") {
    throw CliError(
        fmt::format("Error: failed to get logs: container \"{}\" in pod \"{}\" is waiting to start: "
                    "ContainerCreating",
                    name, pod));
  }
  const std::vector<std::string> lines = log_lines(w, is_terminal(phase));
  const std::size_t tail = non_negative(int_flag(parsed, "tail"), "tail", lines.size());
  std::string text;
  for (std::size_t i = lines.size() - std::min(tail, lines.size()); i < lines.size(); ++i) {
    text += lines[i] + "\n";
  }
  return {text, "", 0};
}

// ---------------------------------------------------------- dispatch -------

Outcome dispatch(Call& call, const std::vector<std::string>& argv) {
  const std::span<const std::string> args(argv);
  if (call.config.v1()) {
    if (!args.empty() && args[0] == "list") {
      const std::size_t skip = args.size() > 1 && args[1] == "jobs" ? 2 : 1;
      return list(call, "", args.subspan(skip));
    }
  } else if (args.size() >= 2 && (args[0] == "workspace" || args[0] == "training")) {
    const std::string_view kind = args[0];
    const std::string_view command = args[1];
    const auto rest = args.subspan(2);
    if (command == "list") {
      return list(call, kind, rest);
    }
    if (command == "submit") {
      return submit(call, kind, rest, argv);
    }
    if (command == "delete") {
      return delete_workload(call, kind, rest);
    }
    if (command == "describe") {
      return describe(call, kind, rest);
    }
    if (command == "logs") {
      return logs(call, kind, rest);
    }
    throw CliError(fmt::format("Error: unknown command \"{}\" for \"runai {}\"", command, kind));
  }
  throw CliError(fmt::format("Error: unknown command \"{}\" for \"runai\"", args.empty() ? "" : args[0]));
}

// ------------------------------------------------------------- files -------

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw SetupError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Readers (the test harness) never take the lock, so replace the file whole.
void write_atomically(const fs::path& path, std::string_view data) {
  const fs::path temp = path.string() + fmt::format(".tmp.{}", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  write_all(fd, data, temp);
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    throw SetupError(fmt::format("cannot rename {} to {}: {}", temp.string(), path.string(), ec.message()));
  }
}

void append_line(const fs::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  write_all(fd, line + "\n", path);
  ::close(fd);
}

class ExclusiveLock {
 public:
  explicit ExclusiveLock(const fs::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) {
      throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw SetupError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
      }
    }
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;
  ExclusiveLock(ExclusiveLock&&) = delete;
  ExclusiveLock& operator=(ExclusiveLock&&) = delete;
  ~ExclusiveLock() { ::close(fd_); }  // closing releases the flock

 private:
  int fd_;
};

// Each string as lowercase hex, two digits per byte.
std::vector<std::string> hex_strings(const std::vector<std::string>& strings) {
  std::vector<std::string> hex;
  hex.reserve(strings.size());
  for (const auto& text : strings) {
    std::string digits;
    digits.reserve(text.size() * 2);
    for (const char c : text) {
      digits += fmt::format("{:02x}", static_cast<unsigned char>(c));
    }
    hex.push_back(std::move(digits));
  }
  return hex;
}

int run(const std::vector<std::string>& argv) {
  const char* dir_env = std::getenv("FAKE_RUNAI_DIR");
  if (dir_env == nullptr || *dir_env == '\0') {
    throw SetupError("FAKE_RUNAI_DIR is not set; point it at the fake cluster's state directory");
  }
  const fs::path dir(dir_env);
  const Config config = load_config(dir / "config.json");
  // Latency is spent outside the lock so that concurrent calls overlap.
  std::this_thread::sleep_for(std::chrono::milliseconds(config.latency_ms));

  Outcome outcome;
  bool hang = false;
  {
    const ExclusiveLock lock(dir / "state.lock");
    json state = json::object();
    if (std::ifstream in(dir / "state.json"); in) {
      try {
        state = json::parse(in);
      } catch (const json::exception& e) {
        throw SetupError(fmt::format("state.json in {}: {}", dir.string(), e.what()));
      }
    }
    std::vector<Workload> history = state.value("history", json::array()).get<std::vector<Workload>>();
    Call call{config, history, now_ms(), state.value("call_count", std::uint64_t{0}) + 1};
    if (draw(call, kHang) < config.faults.hang_rate) {
      hang = true;
    } else if (draw(call, kTransient) < config.faults.transient_rate) {
      outcome = {"", std::string(kNetworkError), 1};
    } else {
      try {
        outcome = dispatch(call, argv);
      } catch (const CliError& e) {
        outcome = {"", fmt::format("{}\n", e.what()), 1};
      }
    }
    // JSON holds only UTF-8: other bytes become U+FFFD here, and argv_hex
    // keeps every argument byte for byte.
    write_atomically(dir / "state.json", json{{"call_count", call.call_number}, {"history", history}}.dump(
                                             1, ' ', false, json::error_handler_t::replace) +
                                             "\n");
    append_line(dir / "calls.jsonl", json{{"t_ms", call.now_ms},
                                          {"argv", argv},
                                          {"argv_hex", hex_strings(argv)},
                                          {"exit", hang ? json(nullptr) : json(outcome.exit_code)}}
                                         .dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (hang) {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::hours(1));  // until the caller kills us
    }
  }
  fmt::print(stdout, "{}", outcome.out);
  fmt::print(stderr, "{}", outcome.err);
  return outcome.exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    fmt::print(stderr, "fake runai: {}\n", e.what());
    return 1;
  }
}
