#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "text.hpp"

namespace fake_runai {

using json = nlohmann::json;

namespace {

constexpr std::array kSubmitFlags{
    FlagSpec{"annotation", '\0', "stringArray",
             "Set of annotations to populate into the container running the workspace"},
    FlagSpec{"command", '\0', "",
             "If true, override the image's entrypoint with the command supplied after '--'"},
    FlagSpec{"cpu-core-limit", '\0', "float", "CPU core limit (e.g. 0.5, 1)"},
    FlagSpec{"cpu-core-request", '\0', "float", "CPU core request (e.g. 0.5, 1)"},
    FlagSpec{"cpu-memory-limit", '\0', "string", "CPU memory limit (e.g. 1G, 500M)"},
    FlagSpec{"cpu-memory-request", '\0', "string", "CPU memory request (e.g. 1G, 500M)"},
    FlagSpec{"environment", 'e', "stringArray", "Set environment variables in the container (KEY=VALUE)"},
    FlagSpec{"existing-pvc", '\0', "stringArray", "Mount an existing persistent volume claim"},
    FlagSpec{"gpu-devices-request", 'g', "int32", "GPU units to allocate for the workload"},
    FlagSpec{"gpu-portion-request", '\0', "float", "GPU portion to allocate for the workload"},
    FlagSpec{"host-path", '\0', "stringArray", "Volumes to mount into the container (path=...,mount=...)"},
    FlagSpec{"image", 'i', "string", "The image for the workload"},
    FlagSpec{"image-pull-policy", '\0', "string", "Image pull policy: Always, IfNotPresent, Never"},
    FlagSpec{"label", '\0', "stringArray",
             "Set of labels to populate into the container running the workspace"},
    FlagSpec{"node-pools", '\0', "stringArray", "List of node pools to use for scheduling the job"},
    FlagSpec{"preemptible", '\0', "",
             "Workspace preemptible workloads can be scheduled above guaranteed quota"},
    kProjectFlag,
    FlagSpec{"working-dir", '\0', "string", "The directory the command runs in"},
};

bool valid_name(std::string_view name) {
  if (name.empty() || name.size() > 63 || name.front() < 'a' || name.front() > 'z' || name.back() == '-') {
    return false;
  }
  return std::all_of(name.begin(), name.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'; });
}

int planned_exit_code(const Config& config, const std::string& name, int attempt) {
  const auto plan = config.plans.find(name);
  if (plan == config.plans.end()) {
    return config.default_exit_code;
  }
  const auto index = std::min(static_cast<std::size_t>(attempt - 1), plan->second.size() - 1);
  return plan->second[index];
}

}  // namespace

Outcome submit(Call& call, std::string_view kind, std::span<const std::string> args,
               const std::vector<std::string>& argv) {
  const ParsedArgs parsed = parse_flags(args, kSubmitFlags);
  if (parsed.help) {
    return {help_text(fmt::format("submit {}", kind), fmt::format("runai {} submit [name] [flags]", kind),
                      kSubmitFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "submit");
  const std::string project = require_project(parsed);
  if (!valid_name(name)) {
    throw CliError(
        fmt::format("Error: invalid workload name \"{}\": it must consist of lower case alphanumeric "
                    "characters or '-', start with a letter and be at most 63 characters",
                    name));
  }
  const bool taken_by_other =
      std::any_of(call.config.other_workloads.begin(), call.config.other_workloads.end(),
                  [&](const OtherWorkload& other) { return other.name == name && other.project == project; });
  if (taken_by_other || find_present(call, name, project) != nullptr) {
    throw CliError(fmt::format("workload with name '{}' already exists in this project", name));
  }
  Workload w;
  w.name = name;
  w.project = project;
  w.kind = std::string(kind);
  w.attempt =
      1 + static_cast<int>(std::count_if(call.history.begin(), call.history.end(), [&](const Workload& h) {
        return h.name == name && h.project == project;
      }));
  w.created_ms = call.now_ms;
  w.running_from_ms = w.created_ms + call.config.pending_ms;
  w.end_ms = w.running_from_ms + call.config.running_ms;
  w.exit_code = planned_exit_code(call.config, name, w.attempt);
  w.image = parsed.last("image").value_or("-");
  w.argv = argv;
  if (const auto it = parsed.values.find("environment"); it != parsed.values.end()) {
    for (const auto& pair : it->second) {
      const auto equals = pair.find('=');
      if (equals == std::string::npos) {
        throw CliError(fmt::format("Error: invalid environment variable \"{}\": expected KEY=VALUE", pair));
      }
      w.environment[pair.substr(0, equals)] = pair.substr(equals + 1);
    }
  }
  call.history.push_back(std::move(w));
  if (draw(call, kGhost) < call.config.faults.ghost_submit_rate) {
    return {"", std::string(kNetworkError), 1};
  }
  return {
      fmt::format("Creating {} {}...\nTo know the status of the workload use: runai {} describe {} -p {}\n",
                  kind, name, kind, name, project),
      "", 0};
}

// --------------------------------------------- delete, describe, logs ------

namespace {

constexpr std::array kDeleteFlags{kProjectFlag};
constexpr std::array kDescribeFlags{
    FlagSpec{"output", 'o', "string", "output format: table|json (default \"table\")"}, kProjectFlag};
constexpr std::array kLogsFlags{
    kProjectFlag, FlagSpec{"tail", '\0', "int", "lines of recent log file to display (default -1: all)"}};

// The named workload of this kind, or the error the real CLI gives.
Workload& find_or_throw(Call& call, std::string_view kind, std::string_view name, std::string_view project,
                        std::string_view missing_message) {
  Workload* w = find_present(call, name, project);
  if (w == nullptr || w->kind != kind) {
    throw CliError(std::string(missing_message));
  }
  return *w;
}

}  // namespace

Outcome delete_workload(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kDeleteFlags);
  if (parsed.help) {
    return {help_text(fmt::format("delete {}", kind), fmt::format("runai {} delete [name] [flags]", kind),
                      kDeleteFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "delete");
  const std::string project = require_project(parsed);
  Workload& w = find_or_throw(call, kind, name, project, "no workload was found");
  if (!w.deleted_ms) {  // deleting a workload that is already Deleting changes nothing
    w.deleted_ms = call.now_ms;
    w.gone_ms = call.now_ms + call.config.deleting_ms;
  }
  return {fmt::format("Successfully deleted {} {}\n", kind, name), "", 0};
}

namespace {

std::string not_found(std::string_view kind, std::string_view name, std::string_view project) {
  return fmt::format("Error: {} \"{}\" not found in project \"{}\"", kind, name, project);
}

std::string pod_phase(std::string_view phase) {
  if (phase == "Completed") {
    return "Succeeded";
  }
  if (phase == "Failed" || phase == "Running" || phase == "Pending") {
    return std::string(phase);
  }
  return "Unknown";
}

}  // namespace

Outcome describe(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kDescribeFlags);
  if (parsed.help) {
    return {help_text(fmt::format("describe {}", kind), fmt::format("runai {} describe [name] [flags]", kind),
                      kDescribeFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "describe");
  const std::string project = require_project(parsed);
  const std::string output = parsed.last("output").value_or("table");
  if (output != "table" && output != "json") {
    throw CliError(fmt::format("Error: invalid output format \"{}\"", output));
  }
  const Workload& w = find_or_throw(call, kind, name, project, not_found(kind, name, project));
  const std::string phase = *phase_at(w, call.now_ms);
  if (output == "table") {
    return {
        fmt::format("Name:     {}\nType:     {}\nStatus:   {}\nProject:  {}\nCreated:  {}\nImage:    {}\n",
                    w.name, title_kind(w.kind), phase, w.project, iso8601(w.created_ms), w.image),
        "", 0};
  }
  json container{{"name", w.name}, {"image", w.image}};
  if (is_terminal(phase) && call.config.describe_reveals_exit_code) {
    container["exitCode"] = w.exit_code;
  }
  const json described{{"name", w.name},
                       {"id", workload_id(w.project, w.name, w.attempt)},
                       {"type", title_kind(w.kind)},
                       {"phase", phase},
                       {"projectName", w.project},
                       {"createdAt", iso8601(w.created_ms)},
                       {"pods", json::array({json{{"name", fmt::format("{}-0-0", w.name)},
                                                  {"phase", pod_phase(phase)},
                                                  {"containers", json::array({container})}}})}};
  return {described.dump(2) + "\n", "", 0};
}

namespace {

// What the GAPIT entrypoint would have printed, consistent with the exit code
// (the job contract in FORMATS.md); a running job has printed the first lines.
std::vector<std::string> log_lines(const Workload& w, bool finished) {
  std::vector<std::string> lines{fmt::format("[INFO] GAPIT entrypoint starting for workload {}", w.name),
                                 "[INFO] Checking inputs and mounts"};
  if (!finished) {
    lines.emplace_back("[INFO] Loading genotype and phenotype data");
    return lines;
  }
  const auto env = [&](const std::string& key, std::string_view fallback) {
    const auto it = w.environment.find(key);
    return it != w.environment.end() ? it->second : std::string(fallback);
  };
  switch (w.exit_code) {
    case 0:
      lines.emplace_back("[INFO] Loading genotype and phenotype data");
      lines.emplace_back("[INFO] Running GWAS models");
      lines.emplace_back("[INFO] Results written to /outputs");
      lines.emplace_back("[INFO] Done");
      break;
    case 1:
      lines.emplace_back("[ERROR] Missing required files or directories:");
      lines.push_back(
          fmt::format("  - GENOTYPE_FILE={}", env("GENOTYPE_FILE", "/data/genotype/missing.hmp.txt")));
      lines.emplace_back("[ERROR] Configuration error: fix the inputs above; a retry cannot succeed");
      break;
    case 2:
      lines.emplace_back("[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point");
      lines.emplace_back("[ERROR] INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)");
      lines.emplace_back("[ERROR] Exiting with code 2");
      break;
    default:
      lines.emplace_back("[INFO] Loading genotype and phenotype data");
      lines.emplace_back("[INFO] Running GWAS models");
      lines.emplace_back("Killed");
      break;
  }
  return lines;
}

}  // namespace

Outcome logs(Call& call, std::string_view kind, std::span<const std::string> args) {
  const ParsedArgs parsed = parse_flags(args, kLogsFlags);
  if (parsed.help) {
    return {help_text(fmt::format("logs {}", kind), fmt::format("runai {} logs [name] [flags]", kind),
                      kLogsFlags),
            "", 0};
  }
  const std::string name = single_name(parsed, "logs");
  const std::string project = require_project(parsed);
  const Workload& w = find_or_throw(call, kind, name, project, not_found(kind, name, project));
  const std::string phase = *phase_at(w, call.now_ms);
  const std::string pod = fmt::format("{}-0-0", name);
  if (call.config.logs_unavailable.contains(name) || phase == "Deleting") {
    throw CliError(fmt::format("Error: failed to get logs: pods \"{}\" not found", pod));
  }
  if (phase == "Pending") {
    throw CliError(
        fmt::format("Error: failed to get logs: container \"{}\" in pod \"{}\" is waiting to start: "
                    "ContainerCreating",
                    name, pod));
  }
  const std::vector<std::string> lines = log_lines(w, is_terminal(phase));
  const std::size_t tail = non_negative(int_flag(parsed, "tail"), "tail", lines.size());
  std::string text;
  for (std::size_t i = lines.size() - std::min(tail, lines.size()); i < lines.size(); ++i) {
    text += lines[i] + "\n";
  }
  return {text, "", 0};
}

}  // namespace fake_runai
