#include "traitctl/cli/status_table.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>

#include "traitctl/adapters/terminal.hpp"
#include "traitctl/cli/text.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

constexpr std::size_t reason_width = 48;  // the whole evidence is in describe and --json

std::string or_dash(const std::string& text) { return text.empty() ? "-" : text; }

std::string cut(const std::string& text, std::size_t width) {
  if (display_width(text) <= width) {
    return text;
  }
  return fit_to_width(text, width) + "…";
}

std::string reason_of(const TraitRow& row) {
  return printable(row.evidence.empty() ? row.status.reason : row.evidence);
}

std::string title(std::size_t shown, std::size_t total, const RowFilter& filter) {
  if (!filter.states.empty()) {
    return fmt::format("In state {}: {} of {}", fmt::join(filter.states, ", "), shown,
                       plural(total, "trait"));
  }
  if (filter.all) {
    return fmt::format("Every trait ({}):", total);
  }
  if (shown == 0) {
    return fmt::format("Need attention: none of {}", plural(total, "trait"));
  }
  return fmt::format("Need attention: {} of {} (`traitctl status --all` lists every trait)", shown,
                     plural(total, "trait"));
}

constexpr std::size_t column_count = 9;
using Cells = std::array<std::string, column_count>;

Cells cells_of(const TraitRow& row, const AdviceContext& advice, TimePoint now) {
  const TraitStatus& status = row.status;
  const bool submitted = status.state != TraitState::NotSubmitted;
  std::string klass = class_cell(row);
  if (row.classified_by == ClassifiedBy::Status) {
    klass += "*";
  }
  return {std::to_string(status.trait),
          or_dash(printable(status.job)),
          submitted ? printable(status.status) : "not submitted",
          klass,
          or_dash(cut(reason_of(row), reason_width)),
          submitted ? std::to_string(status.attempts) : "-",
          or_dash(printable(row.memory)),
          row.exit_code ? std::to_string(*row.exit_code) : "-",
          or_dash(next_step(row, advice, now))};
}

std::string line_of(const Cells& cells, const std::array<std::size_t, column_count>& widths) {
  std::string line = " ";
  for (std::size_t column = 0; column < column_count; ++column) {
    line += ' ';
    line += cells[column];
    if (column + 1 < column_count) {
      line.append(widths[column] - display_width(cells[column]) + 1, ' ');
    }
  }
  return line;
}

}  // namespace

std::string class_cell(const TraitRow& row) {
  if (row.status.failure) {
    return std::string(to_string(*row.status.failure));
  }
  return row.status.state == TraitState::Failed ? "unclassified" : "-";
}

std::vector<const TraitRow*> select_rows(const std::vector<TraitRow>& rows, const RowFilter& filter) {
  std::vector<const TraitRow*> shown;
  for (const TraitRow& row : rows) {
    const bool wanted = !filter.states.empty()
                            ? std::any_of(filter.states.begin(), filter.states.end(),
                                          [&row](const std::string& word) { return row_in_state(row, word); })
                            : filter.all || row.attention != Attention::None;
    if (wanted) {
      shown.push_back(&row);
    }
  }
  return shown;
}

std::vector<std::string> row_table(const std::vector<const TraitRow*>& shown, std::size_t total,
                                   const RowFilter& filter, const AdviceContext& advice, TimePoint now) {
  std::vector<std::string> lines{title(shown.size(), total, filter)};
  if (shown.empty()) {
    return lines;
  }
  std::vector<Cells> table{
      Cells{"TRAIT", "JOB", "STATUS", "CLASS", "REASON", "ATTEMPTS", "MEMORY", "EXIT", "NEXT STEP"}};
  bool classified_here = false;
  for (const TraitRow* row : shown) {
    table.push_back(cells_of(*row, advice, now));
    classified_here = classified_here || row->classified_by == ClassifiedBy::Status;
  }
  std::array<std::size_t, column_count> widths{};
  for (const Cells& cells : table) {
    for (std::size_t column = 0; column < column_count; ++column) {
      widths[column] = std::max(widths[column], display_width(cells[column]));
    }
  }
  for (const Cells& cells : table) {
    lines.push_back(line_of(cells, widths));
  }
  if (classified_here) {
    lines.emplace_back(
        "  * classified by status from the job's exit code and log, not recorded: `traitctl retry` "
        "records it");
  }
  return lines;
}

nlohmann::json row_json(const TraitRow& row, const AdviceContext& advice, TimePoint now) {
  const TraitStatus& status = row.status;
  const bool submitted = status.state != TraitState::NotSubmitted;
  const auto text_or_null = [](const std::string& text) {
    return text.empty() ? nlohmann::json(nullptr) : nlohmann::json(text);
  };
  nlohmann::json json{
      {"trait", status.trait},
      {"job", text_or_null(status.job)},
      {"status", text_or_null(status.status)},
      {"state", to_string(status.state)},
      {"attention",
       row.attention == Attention::None ? nlohmann::json(nullptr) : nlohmann::json(to_string(row.attention))},
      {"class", status.failure ? nlohmann::json(to_string(*status.failure)) : nlohmann::json(nullptr)},
      {"classified_by", text_or_null(std::string(to_string(row.classified_by)))},
      {"reason", text_or_null(row.evidence.empty() ? status.reason : row.evidence)},
      {"attempts", submitted ? nlohmann::json(status.attempts) : nlohmann::json(nullptr)},
      {"memory", text_or_null(row.memory)},
      {"exit_code", row.exit_code ? nlohmann::json(*row.exit_code) : nlohmann::json(nullptr)},
      {"retries", status.failure ? nlohmann::json{{"used", row.retries_used}, {"budget", row.retry_budget}}
                                 : nlohmann::json(nullptr)},
      {"eligible_at",
       row.planned ? nlohmann::json(format_utc(row.planned->eligible_at)) : nlohmann::json(nullptr)},
      {"next_step", text_or_null(next_step(row, advice, now))}};
  return json;
}

}  // namespace traitctl
