#include <gtest/gtest.h>

#include <fstream>

#include "support/temp_folder.hpp"
#include "traitctl/config/table_shape.hpp"

namespace traitctl::table_shape_tests {
namespace {

namespace fs = std::filesystem;

class TableShapeTest : public ::testing::Test {
 protected:
  fs::path write(const std::string& text) {
    const fs::path path = dir_ / "table.txt";
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }
  TableShape shape_of(const std::string& text) {
    auto shape = read_table_shape(write(text));
    EXPECT_TRUE(shape.ok()) << shape.error().message;
    return shape.ok() ? *shape : TableShape{};
  }

  testing::TempFolder folder_{"traitctl-table"};
  const fs::path& dir_ = folder_.path();
};

TEST_F(TableShapeTest, CountsTheRowsAfterTheHeader) {
  EXPECT_EQ(shape_of("rs#\talleles\ns1\tA/G\ns2\tC/T\n"), (TableShape{"rs#\talleles", 2}));
  EXPECT_EQ(shape_of("h\ns1\ns2"), (TableShape{"h", 2})) << "a last line without a newline counts";
  EXPECT_EQ(shape_of("h\r\ns1\r\ns2\r\n"), (TableShape{"h", 2}));
  EXPECT_EQ(shape_of("h\n"), (TableShape{"h", 0}));
  EXPECT_EQ(shape_of("h"), (TableShape{"h", 0}));
  EXPECT_EQ(shape_of(""), (TableShape{"", 0}));
}

TEST_F(TableShapeTest, BlankLinesAreNotRows) {
  EXPECT_EQ(shape_of("h\ns1\n\n \t\r\ns2\n\n\n").rows, 2U);
  EXPECT_EQ(shape_of("h\n\r\n").rows, 0U);
}

TEST_F(TableShapeTest, RowsAndTheHeaderAcrossBlocks) {
  // A header and lines longer than one 1 MiB block, and a line ending on the boundary.
  const std::string long_header = "rs#" + std::string((1U << 20) + 100, 'h');
  const std::string long_row = std::string((1U << 20) - 1, 'x');
  const TableShape shape =
      shape_of(long_header + "\n" + long_row + "\n" + "s2\n" + long_row + long_row + "\n\n");
  EXPECT_EQ(shape.header, long_header);
  EXPECT_EQ(shape.rows, 3U);

  std::string many = "h\n";
  for (int row = 0; row < 300'000; ++row) {
    many += "snp\tA/G\t1\n";  // 3.3 MB: several blocks, rows split across them
  }
  EXPECT_EQ(shape_of(many).rows, 300'000U);
}

TEST_F(TableShapeTest, AMissingFileIsAnIoErrorNamingIt) {
  auto shape = read_table_shape(dir_ / "absent.txt");
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.error().kind, ErrorKind::Io);
  EXPECT_NE(shape.error().message.find("absent.txt"), std::string::npos);
}

TEST_F(TableShapeTest, AHeaderPastSixteenMebibytesIsNotATable) {
  auto shape = read_table_shape(write(std::string((16U << 20) + 1, 'x')));
  ASSERT_FALSE(shape.ok());
  EXPECT_EQ(shape.error().kind, ErrorKind::Parse);
}

TEST(CountColumns, TabThenCommaThenBlanks) {
  EXPECT_EQ(
      count_columns("rs#\talleles\tchrom\tpos\tstrand\tassembly#\tcenter\tprotLSID\tassayLSID\tpanelLSID\t"
                    "QCcode\tA1\tA2"),
      13U);
  EXPECT_EQ(count_columns("Taxa,a,b"), 3U);
  EXPECT_EQ(count_columns("  Taxa   a  b "), 3U);
  EXPECT_EQ(count_columns("a\tb\t\r"), 2U);
  EXPECT_EQ(count_columns(""), 0U);
}

}  // namespace
}  // namespace traitctl::table_shape_tests
