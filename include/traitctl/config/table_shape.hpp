// The size of a delimited text table (a HapMap genotype file, the phenotype
// table) without holding it: a 2.6-million-row genotype file is streamed in
// large blocks and only its newlines are counted.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "traitctl/core/result.hpp"

namespace traitctl {

struct TableShape {
  std::string header;      // the first line, without its line ending
  std::uint64_t rows = 0;  // the lines after it that hold more than blanks
  friend bool operator==(const TableShape&, const TableShape&) = default;
};

// Io error naming the file when it cannot be read; Parse error when its
// first line runs past 16 MiB (not a table).
[[nodiscard]] Result<TableShape> read_table_shape(const std::filesystem::path& path);

// Header fields: tab-separated if the header has a tab, else comma-separated
// if it has a comma, else separated by blanks. A trailing separator adds no column.
[[nodiscard]] std::size_t count_columns(std::string_view header);

// The columns of a HapMap file before its samples: rs#, alleles, chrom, pos,
// strand, assembly#, center, protLSID, assayLSID, panelLSID, QCcode.
inline constexpr std::size_t hapmap_fixed_columns = 11;

}  // namespace traitctl
