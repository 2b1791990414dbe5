#include "text.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>

namespace fake_runai {

namespace {

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

}  // namespace

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

std::string workload_id(std::string_view project, std::string_view name, int attempt) {
  std::uint64_t hash = 0xcbf29ce484222325ULL;
  for (const char c : fmt::format("{}/{}/{}", project, name, attempt)) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ULL;
  }
  return fmt::format("{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}", hash >> 32U, (hash >> 16U) & 0xFFFFU,
                     hash & 0xFFFU, (hash >> 4U) & 0xFFFU, hash & 0xFFFFFFFFFFFFULL);
}

std::string title_kind(std::string_view kind) { return kind == "training" ? "Training" : "Workspace"; }

}  // namespace fake_runai
