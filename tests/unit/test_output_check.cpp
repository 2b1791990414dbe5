#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "support/temp_folder.hpp"
#include "traitctl/adapters/output_check.hpp"

namespace traitctl::output_check_tests {
namespace {

namespace fs = std::filesystem;

constexpr const char* gapit_pattern = "trait_{trait:03}_*/GAPIT.Association.Filter_GWAS_results.csv";

class OutputCheckTest : public ::testing::Test {
 protected:
  void touch(const fs::path& path) {
    fs::create_directories(path.parent_path());
    std::ofstream(path) << "SNP,Chr,Pos,P.value\n";
  }
  OutputCheck check(const fs::path& folder, std::string_view pattern, int trait) {
    auto result = find_expected_output(folder, pattern, trait);
    EXPECT_TRUE(result.ok()) << result.error().message;
    return result.ok() ? *result : OutputCheck{};
  }

  testing::TempFolder folder_{"traitctl-outputs"};
  const fs::path& dir_ = folder_.path();
};

TEST_F(OutputCheckTest, FindsGapitsResultsForTheTrait) {
  touch(dir_ / "trait_002_height" / "GAPIT.Association.Filter_GWAS_results.csv");
  touch(dir_ / "trait_003_weight" / "other.csv");
  EXPECT_EQ(
      check(dir_, gapit_pattern, 2),
      (OutputCheck{OutputCheck::Kind::Found,
                   (dir_ / "trait_002_height" / "GAPIT.Association.Filter_GWAS_results.csv").string()}));
  EXPECT_EQ(check(dir_, gapit_pattern, 3),
            (OutputCheck{OutputCheck::Kind::Missing,
                         (dir_ / "trait_003_*" / "GAPIT.Association.Filter_GWAS_results.csv").string()}));
  EXPECT_EQ(check(dir_, gapit_pattern, 20).kind, OutputCheck::Kind::Missing) << "trait_020 is not trait_002";
}

TEST_F(OutputCheckTest, TheFirstMatchInSortedOrder) {
  touch(dir_ / "trait_005_b" / "r.csv");
  touch(dir_ / "trait_005_a" / "r.csv");
  EXPECT_EQ(check(dir_, "trait_{trait:03}_*/r.csv", 5).path, (dir_ / "trait_005_a" / "r.csv").string());
}

TEST_F(OutputCheckTest, AFolderThatMatchesIsNotAnOutput) {
  fs::create_directories(dir_ / "trait_7" / "results.csv");
  EXPECT_EQ(check(dir_, "trait_{trait}/results.csv", 7).kind, OutputCheck::Kind::Missing);
  touch(dir_ / "trait_7" / "results2.csv");
  EXPECT_EQ(check(dir_, "trait_{trait}/results*.csv", 7).path, (dir_ / "trait_7" / "results2.csv").string());
}

TEST_F(OutputCheckTest, TheFoldersOwnGlobCharactersAreLiteral) {
  const fs::path odd = dir_ / "a[1]*?\\b";
  touch(odd / "trait_004_x" / "GAPIT.Association.Filter_GWAS_results.csv");
  // Without escaping, "a[1]" would match a folder named "a1".
  touch(dir_ / "a1" / "trait_009_x" / "GAPIT.Association.Filter_GWAS_results.csv");
  EXPECT_EQ(check(odd, gapit_pattern, 4).kind, OutputCheck::Kind::Found);
  EXPECT_EQ(check(dir_ / "a[1]", gapit_pattern, 9).kind, OutputCheck::Kind::FolderNotVisible);
  EXPECT_EQ(check(odd, gapit_pattern, 9).kind, OutputCheck::Kind::Missing);
  const std::string trailing_slash = odd.string() + "/";
  EXPECT_EQ(check(trailing_slash, gapit_pattern, 4).kind, OutputCheck::Kind::Found);
}

TEST_F(OutputCheckTest, AFolderThisMachineCannotSee) {
  EXPECT_EQ(check(dir_ / "not-mounted", gapit_pattern, 2),
            (OutputCheck{OutputCheck::Kind::FolderNotVisible, (dir_ / "not-mounted").string()}));
  touch(dir_ / "file");
  EXPECT_EQ(check(dir_ / "file", gapit_pattern, 2).kind, OutputCheck::Kind::FolderNotVisible);
}

// Root reads every folder, so as root the look runs in a child that gave
// root up (to nobody); its exit code says whether the answer was right.
TEST_F(OutputCheckTest, AnUnreadableFolderIsAnErrorNotAMissingOutput) {
  touch(dir_ / "trait_002_x" / "GAPIT.Association.Filter_GWAS_results.csv");
  fs::permissions(dir_, fs::perms::owner_write | fs::perms::owner_exec);  // no read: cannot list trait_002_*
  const auto is_io_error_naming_the_setting = [&] {
    auto result = find_expected_output(dir_, gapit_pattern, 2);
    return !result.ok() && result.error().kind == ErrorKind::Io &&
           result.error().message.find("OUTPUT_PATH_HOST") != std::string::npos;
  };
  if (::geteuid() != 0) {
    EXPECT_TRUE(is_io_error_naming_the_setting());
    return;
  }
  constexpr uid_t nobody = 65534;
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const bool unprivileged = ::setgid(nobody) == 0 && ::setuid(nobody) == 0;
    ::_exit(!unprivileged ? 2 : is_io_error_naming_the_setting() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_NE(WEXITSTATUS(status), 2) << "could not give root up";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "an unreadable folder was not an Io error naming OUTPUT_PATH_HOST";
}

TEST_F(OutputCheckTest, ABadPatternIsAConfigError) {
  auto result = find_expected_output(dir_, "trait_{bad}/x", 2);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().kind, ErrorKind::Config);
}

}  // namespace
}  // namespace traitctl::output_check_tests
