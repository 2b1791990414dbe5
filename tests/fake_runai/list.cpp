#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <nlohmann/json.hpp>
#include <optional>
#include <system_error>

#include "commands.hpp"
#include "text.hpp"

namespace fake_runai {

using json = nlohmann::json;

namespace {

struct Row {
  std::string name;
  std::string kind;
  std::string phase;
  std::string project;
  std::string image;
  std::string id;
  std::int64_t created_ms = 0;
  std::string node;  // the NODE cell of a scheduled job
};

int running_pods(std::string_view phase) { return phase == "Running" ? 1 : 0; }

constexpr std::int64_t kOtherWorkloadAgeMs = 86'400'000;

// Other users' workloads first (they were there before the test: the fixed
// ones, then the churning pool oldest first), then ours in creation order,
// except those younger than list_lag_ms; active phases may be replaced by a
// never-seen word. An empty kind (the v1 CLI) lists every kind.
std::vector<Row> listed_rows(Call& call, std::string_view project, std::string_view kind) {
  std::vector<Row> rows;
  const auto wanted = [&](std::string_view row_kind) { return kind.empty() || row_kind == kind; };
  for (const auto& other : call.config.other_workloads) {
    if (other.project != project || !wanted(other.kind)) {
      continue;
    }
    rows.push_back({other.name, other.kind, other.status, other.project, "-",
                    workload_id(other.project, other.name, 0), call.now_ms - kOtherWorkloadAgeMs,
                    "runai-cluster-worker"});
  }
  const OtherChurn& churn = call.config.other_churn;
  if (wanted(churn.kind)) {
    for (std::uint64_t i = churn_first(call, project); i < churn.count; ++i) {
      const std::string name = churn_name(i);
      rows.push_back(
          {name, churn.kind, churn.status, std::string(project), "-", workload_id(project, name, 0),
           call.now_ms - kOtherWorkloadAgeMs + static_cast<std::int64_t>(i), "runai-cluster-worker"});
    }
  }
  for (const auto& w : call.state.history) {
    if (w.project != project || !wanted(w.kind) || call.now_ms - w.created_ms < call.config.list_lag_ms) {
      continue;
    }
    if (auto phase = phase_at(w, call.now_ms)) {
      rows.push_back({w.name, w.kind, *phase, w.project, w.image, workload_id(w.project, w.name, w.attempt),
                      w.created_ms, w.node.empty() ? "runai-cluster-worker" : w.node});
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
                     pending ? "<none>" : row.node, row.image,
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

}  // namespace

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
  ++call.state.list_calls;  // other_churn: the next oldest end before the listing is read
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
    return {.out = garble(text), .answer = "garbage"};
  }
  return {.out = text};
}

}  // namespace fake_runai
