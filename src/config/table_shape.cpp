#include "traitctl/config/table_shape.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <vector>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// Large enough that a read costs little next to the counting, small enough
// to stay in the CPU's cache.
constexpr std::size_t block_bytes = std::size_t{1} << 20;
constexpr std::size_t max_header_bytes = std::size_t{16} << 20;

bool is_cell_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// Counts the lines of the data after the header, across blocks.
class RowCounter {
 public:
  void scan(const char* begin, const char* end) {
    while (begin < end) {
      const auto* newline =
          static_cast<const char*>(std::memchr(begin, '\n', static_cast<std::size_t>(end - begin)));
      const char* stop = newline != nullptr ? newline : end;
      // Usually decided by the line's first byte: no per-byte work on the rest.
      line_has_content_ = line_has_content_ || std::any_of(begin, stop, [](char c) { return !is_cell_blank(c); });
      if (newline == nullptr) {
        return;
      }
      rows_ += line_has_content_ ? 1 : 0;
      line_has_content_ = false;
      begin = newline + 1;
    }
  }
  // The last line may have no newline.
  [[nodiscard]] std::uint64_t rows() const { return rows_ + (line_has_content_ ? 1 : 0); }

 private:
  std::uint64_t rows_ = 0;
  bool line_has_content_ = false;
};

}  // namespace

Result<TableShape> read_table_shape(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return make_error(ErrorKind::Io, "cannot open {}: {}", printable(path.string()), std::strerror(errno));
  }
  TableShape shape;
  RowCounter counter;
  bool in_header = true;
  std::vector<char> block(block_bytes);
  while (in) {
    in.read(block.data(), static_cast<std::streamsize>(block.size()));
    const auto got = static_cast<std::size_t>(in.gcount());
    const char* begin = block.data();
    const char* end = begin + got;
    if (in_header) {
      const char* newline = std::find(begin, end, '\n');
      shape.header.append(begin, newline);
      if (shape.header.size() > max_header_bytes) {
        return make_error(ErrorKind::Parse, "the first line of {} is longer than 16 MiB: it is not a table",
                          printable(path.string()));
      }
      in_header = newline == end;
      begin = in_header ? end : newline + 1;
    }
    counter.scan(begin, end);
  }
  if (in.bad()) {
    return make_error(ErrorKind::Io, "could not read {} to the end", printable(path.string()));
  }
  if (!shape.header.empty() && shape.header.back() == '\r') {
    shape.header.pop_back();
  }
  shape.rows = counter.rows();
  return shape;
}

std::size_t count_columns(std::string_view header) {
  if (!header.empty() && header.back() == '\r') {
    header.remove_suffix(1);
  }
  const char separator = header.find('\t') != std::string_view::npos  ? '\t'
                         : header.find(',') != std::string_view::npos ? ','
                                                                      : ' ';
  std::size_t columns = 0;
  for (std::size_t start = 0; start < header.size();) {
    std::size_t end = std::min(header.find(separator, start), header.size());
    if (separator == ' ' && end == start) {
      ++start;  // runs of blanks separate once
      continue;
    }
    ++columns;
    start = end + 1;
  }
  return columns;
}

}  // namespace traitctl
