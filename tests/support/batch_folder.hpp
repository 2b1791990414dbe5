// A fixture for tests of a batch's state files: a fresh state folder under
// the system's temp folder, removed after the test, and the LedgerStore of
// batch team-a/gwas in it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include "traitctl/adapters/ledger_store.hpp"

namespace traitctl::testing {

class BatchFolderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "traitctl-batch-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    auto store = LedgerStore::open(dir_, "team-a", "gwas");
    ASSERT_TRUE(store.ok()) << store.error().message;
    store_.emplace(std::move(*store));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // Writes `content` as it is, creating the folders: for files traitctl would never write.
  static void write_raw(const std::filesystem::path& path, const std::string& content) {
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << content;
  }

  std::filesystem::path dir_;
  std::optional<LedgerStore> store_;
};

}  // namespace traitctl::testing
