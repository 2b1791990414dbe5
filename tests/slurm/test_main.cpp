// main() of the Slurm test programs: the cluster their tests share is
// attached to (under CTest) or started (run by hand) before the first test.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <system_error>

#include "cluster.hpp"

namespace traitctl::slurm_test {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrivatePrefix = "traitctl-slurm-";

std::optional<SlurmCluster> the_cluster;

// Field 22 of /proc/<pid>/stat, the start time that with the pid names one
// process for good; "" when the process is gone.
std::string start_time(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  std::getline(in, stat);
  const std::size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos) {
    return "";
  }
  std::istringstream fields(stat.substr(name_end + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
  }
  return fields ? field : "";
}

// "<pid>.<start time>": who started a private cluster, in its folder's name
// so that the folder is never seen without it.
std::string owner_of(pid_t pid) { return std::to_string(pid) + "." + start_time(pid); }

// Clusters that test programs run by hand started and never stopped (killed,
// or stopped in a debugger): their owner is gone.
void stop_abandoned_clusters(const fs::path& parent) {
  std::error_code error;
  for (const auto& entry : fs::directory_iterator(parent, error)) {
    const std::string name = entry.path().filename().string();
    const std::size_t owner_end = name.rfind('-');
    if (!name.starts_with(kPrivatePrefix) || owner_end < kPrivatePrefix.size()) {
      continue;
    }
    const std::string owner = name.substr(kPrivatePrefix.size(), owner_end - kPrivatePrefix.size());
    const long pid = std::atol(owner.c_str());
    if (pid > 0 && owner_of(static_cast<pid_t>(pid)) == owner) {
      continue;  // its owner still runs
    }
    (void)SlurmCluster::stop(entry.path());
  }
}

Result<SlurmCluster> start_private_cluster() {
  const fs::path parent = fs::temp_directory_path();
  stop_abandoned_clusters(parent);
  std::string pattern = (parent / (std::string(kPrivatePrefix) + owner_of(::getpid()) + "-XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return make_error(ErrorKind::Io, "mkdtemp failed for {}", pattern);
  }
  return SlurmCluster::start(pattern);
}

class SharedClusterEnvironment final : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* shared = std::getenv("TRAITCTL_SLURM_CLUSTER");
    auto cluster = shared != nullptr ? SlurmCluster::attach(shared) : start_private_cluster();
    ASSERT_TRUE(cluster.ok()) << cluster.error().message;
    owned_ = shared == nullptr;
    the_cluster = std::move(*cluster);
  }
  void TearDown() override {
    if (owned_ && the_cluster) {
      const auto stopped = SlurmCluster::stop(the_cluster->record());
      EXPECT_TRUE(stopped.ok()) << stopped.error().message;
    }
  }

 private:
  bool owned_ = false;
};

}  // namespace

const SlurmCluster& shared_cluster() {
  if (!the_cluster) {
    throw std::logic_error("shared_cluster() before the test environment was set up");
  }
  return *the_cluster;
}

}  // namespace traitctl::slurm_test

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new traitctl::slurm_test::SharedClusterEnvironment);
  return RUN_ALL_TESTS();
}
