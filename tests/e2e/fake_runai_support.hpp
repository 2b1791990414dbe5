// Helpers for the tests of the fake `runai` itself: calling it and reading its
// tables the way FORMATS.md describes them (not through traitctl's parser).
#pragma once

#include <string>
#include <vector>

#include "harness.hpp"

namespace traitctl::e2e {

inline CommandResult runai(const FakeCluster& cluster, std::vector<std::string> args) {
  return run_fake_runai(cluster, std::move(args));
}

// A submission as a user would type it, with an environment variable.
inline CommandResult fake_submit(const FakeCluster& cluster, const std::string& name,
                                 const std::string& project = "p") {
  return runai(cluster,
               {"workspace", "submit", name, "--project", project, "--image", "gapit:1", "--environment",
                "GENOTYPE_FILE=/data/g.hmp.txt", "--command", "--", "/entrypoint.sh"});
}

// Cells of a table line: separated by runs of two or more spaces (FORMATS.md).
inline std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> cells;
  std::size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && line[i] == ' ') {
      ++i;
    }
    if (i == line.size()) {
      break;
    }
    std::size_t end = line.find("  ", i);
    if (end == std::string::npos) {
      end = line.size();
    }
    cells.push_back(line.substr(i, end - i));
    i = end;
  }
  return cells;
}

inline bool is_underline(const std::string& line) {
  if (line.empty() || line.size() % 3 != 0) {
    return false;
  }
  for (std::size_t i = 0; i < line.size(); i += 3) {
    if (line.compare(i, 3, "─") != 0) {
      return false;
    }
  }
  return true;
}

// Rows of a v2 table (header, underline, rows, maybe a `next token:` line).
inline std::vector<std::vector<std::string>> rows_of(const std::string& text) {
  std::vector<std::vector<std::string>> rows;
  const auto lines = lines_of(text);
  for (std::size_t i = 2; i < lines.size(); ++i) {
    if (!lines[i].starts_with("next token: ")) {
      rows.push_back(cells_of(lines[i]));
    }
  }
  return rows;
}

inline std::vector<std::string> names_of(const std::string& table) {
  std::vector<std::string> names;
  for (const auto& row : rows_of(table)) {
    names.push_back(row.at(0));
  }
  return names;
}

inline std::string status_of(const std::string& table, const std::string& name) {
  for (const auto& row : rows_of(table)) {
    if (row.at(0) == name) {
      return row.at(2);
    }
  }
  return "";
}

}  // namespace traitctl::e2e
