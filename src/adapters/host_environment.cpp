#include "traitctl/adapters/host_environment.hpp"

#include <filesystem>
#include <string_view>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;

// Where the runai backend mounts the host paths.
constexpr std::string_view container_data = "/data";
constexpr std::string_view container_outputs = "/outputs";

}  // namespace

EnvironmentOverrides host_job_environment(const JobSpec& spec, int attempt) {
  const auto absolute = [](const std::string& path) {
    std::error_code error;  // no working folder: keep the path as given
    const fs::path resolved = fs::absolute(path, error);
    return (error ? fs::path(path) : resolved).lexically_normal().string();
  };
  const std::string data = absolute(spec.data_path_host);
  const std::string outputs = absolute(spec.output_path_host);
  const auto on_host = [&](std::string_view value) {
    for (const auto& [mount, host] : {std::pair{container_data, std::string_view(data)},
                                      std::pair{container_outputs, std::string_view(outputs)}}) {
      if (value == mount) {
        return std::string(host);
      }
      if (value.starts_with(mount) && value.substr(mount.size()).starts_with('/')) {
        return (fs::path(host) / value.substr(mount.size() + 1)).string();
      }
    }
    return std::string(value);
  };
  EnvironmentOverrides environment;
  for (const auto& [key, value] : spec.environment) {
    if (key == "DATA_PATH") {
      environment.emplace_back(key, data);
    } else if (key == "OUTPUT_PATH") {
      environment.emplace_back(key, outputs);
    } else if (key != "TRAITCTL_ATTEMPT") {
      environment.emplace_back(key, on_host(value));
    }
  }
  environment.emplace_back("TRAITCTL_ATTEMPT", std::to_string(attempt));
  // What Run:ai would have granted the container, for a job that sizes itself.
  environment.emplace_back("CPU", spec.cpu);
  environment.emplace_back("MEMORY", spec.memory);
  return environment;
}

Result<int> job_attempt(const JobSpec& spec) {
  for (const auto& [key, value] : spec.environment) {
    if (key == "TRAITCTL_ATTEMPT") {
      return parse_int(value, "TRAITCTL_ATTEMPT");
    }
  }
  return 1;
}

}  // namespace traitctl
