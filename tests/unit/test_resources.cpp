#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "traitctl/core/resources.hpp"

namespace traitctl::resources_tests {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(ParseMemory, DecimalAndBinaryUnits) {
  EXPECT_EQ(*parse_memory("32G"), 32'000'000'000ULL);
  EXPECT_EQ(*parse_memory("32Gi"), 32ULL << 30U);
  EXPECT_EQ(*parse_memory("1.5Gi"), 3ULL << 29U);
  EXPECT_EQ(*parse_memory("512M"), 512'000'000ULL);
  EXPECT_EQ(*parse_memory("1k"), 1000ULL);
}

TEST(ParseMemory, RefusesWhatKubernetesWouldMisread) {
  for (const char* bad : {"", "G", "32", "32g", "32m", "-1G", "0G", "1..5G", "32 G", "1e3G", "32GB"}) {
    const auto parsed = parse_memory(bad, "MEMORY");
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().kind, ErrorKind::Config);
    EXPECT_THAT(parsed.error().message, HasSubstr("MEMORY"));
  }
  EXPECT_THAT(parse_memory("32m").error().message, HasSubstr("milli"));
}

TEST(ParseCpu, PositiveDecimals) {
  EXPECT_DOUBLE_EQ(*parse_cpu("12"), 12.0);
  EXPECT_DOUBLE_EQ(*parse_cpu("0.5"), 0.5);
  for (const char* bad : {"", "0", "-1", "1e2", "12 ", "twelve"}) {
    EXPECT_FALSE(parse_cpu(bad)) << bad;
  }
}

TEST(MemoryLadder, TiersFromSmallestToLargest) {
  EXPECT_THAT(*parse_memory_ladder("64G,96G,160G"), ElementsAre("64G", "96G", "160G"));
  EXPECT_THAT(*parse_memory_ladder(" 64Gi , 100G "), ElementsAre("64Gi", "100G"));
  EXPECT_THAT(*parse_memory_ladder("64G"), ElementsAre("64G"));
}

TEST(MemoryLadder, NamesTheBadTier) {
  const auto out_of_order = parse_memory_ladder("64G,32G");
  ASSERT_FALSE(out_of_order);
  EXPECT_THAT(out_of_order.error().message, HasSubstr("'32G' is not larger than '64G'"));
  const auto bad_unit = parse_memory_ladder("64G,96g");
  ASSERT_FALSE(bad_unit);
  EXPECT_THAT(bad_unit.error().message, HasSubstr("tier 2"));
  EXPECT_FALSE(parse_memory_ladder(""));
  EXPECT_FALSE(parse_memory_ladder("64G,,96G"));
}

TEST(CpuLadder, Increasing) {
  EXPECT_THAT(*parse_cpu_ladder("12,16,24"), ElementsAre("12", "16", "24"));
  EXPECT_FALSE(parse_cpu_ladder("16,12"));
}

TEST(FormatBytes, LargestBinaryUnit) {
  EXPECT_EQ(format_bytes(32'000'000'000ULL), "29.8 GiB");
  EXPECT_EQ(format_bytes(512ULL << 20U), "512.0 MiB");
  EXPECT_EQ(format_bytes(100), "100 B");
}

TEST(SlurmMemory, WholeAmountsKeepTheirLetter) {
  EXPECT_EQ(*slurm_memory("32G"), "32G");
  EXPECT_EQ(*slurm_memory("32Gi"), "32G");
  EXPECT_EQ(*slurm_memory("500Mi"), "500M");
  EXPECT_EQ(*slurm_memory("2T"), "2T");
  EXPECT_EQ(*slurm_memory("8k"), "8K");
}

TEST(SlurmMemory, OtherAmountsBecomeWholeMebibytes) {
  EXPECT_EQ(*slurm_memory("1.5Gi"), "1536M");
  EXPECT_EQ(*slurm_memory("1.5G"), "1536M");
  EXPECT_EQ(*slurm_memory("0.5M"), "1M");
  EXPECT_EQ(*slurm_memory("1Pi"), "1073741824M");
  EXPECT_FALSE(slurm_memory("32g"));
}

TEST(SlurmCpus, WholeCoresOnly) {
  EXPECT_EQ(*slurm_cpus("12"), 12);
  const auto half = slurm_cpus("0.5");
  ASSERT_FALSE(half);
  EXPECT_THAT(half.error().message, HasSubstr("--cpus-per-task"));
}

TEST(ResourceTiers, MemoryFirstThenEachLadderTierAboveIt) {
  const auto tiers = resource_tiers("12", "32G", {"64G", "96G", "160G"}, {});
  ASSERT_TRUE(tiers) << tiers.error().message;
  EXPECT_THAT(*tiers, ElementsAre(ResourceTier{"12", "32G"}, ResourceTier{"12", "64G"},
                                  ResourceTier{"12", "96G"}, ResourceTier{"12", "160G"}));
}

TEST(ResourceTiers, ALadderThatStartsAtMemoryClimbsFromThere) {
  const auto tiers = resource_tiers("12", "64G", {"64G", "96G", "160G"}, {"12", "16", "24"});
  ASSERT_TRUE(tiers) << tiers.error().message;
  EXPECT_THAT(*tiers,
              ElementsAre(ResourceTier{"12", "64G"}, ResourceTier{"16", "96G"}, ResourceTier{"24", "160G"}));
}

TEST(ResourceTiers, AShortCpuLadderKeepsItsLastEntry) {
  const auto tiers = resource_tiers("8", "16Gi", {"32Gi", "64Gi", "128Gi"}, {"12"});
  ASSERT_TRUE(tiers) << tiers.error().message;
  EXPECT_THAT(*tiers, ElementsAre(ResourceTier{"8", "16Gi"}, ResourceTier{"12", "32Gi"},
                                  ResourceTier{"12", "64Gi"}, ResourceTier{"12", "128Gi"}));
}

TEST(ResourceTiers, WithoutALadderThereIsOneTier) {
  EXPECT_THAT(*resource_tiers("12", "32G", {}, {}), ElementsAre(ResourceTier{"12", "32G"}));
  EXPECT_FALSE(resource_tiers("12", "32g", {}, {}));
}

}  // namespace
}  // namespace traitctl::resources_tests
