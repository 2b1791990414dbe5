#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "text.hpp"

namespace fake_runai {

using json = nlohmann::json;

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

// The first delete of a lost_deletes name that takes effect, or a seeded draw.
bool delete_answer_lost(Call& call, const std::string& name) {
  if (call.config.lost_deletes.contains(name) && call.state.lost_delete_answers.insert(name).second) {
    return true;
  }
  return draw(call, kLostDelete) < call.config.faults.lost_delete_rate;
}

// A Go HTTP client whose deadline passed before the server answered; with
// lost_delete_hang, no answer until the caller's own deadline.
Outcome lost_delete_answer(const Call& call, const Workload& w) {
  if (call.config.faults.lost_delete_hang) {
    return {.hang = true, .answer = "lost_delete"};
  }
  return {.err = fmt::format("Error: Delete \"https://runai.example.com/api/v1/workloads/{}s/{}\": context "
                             "deadline exceeded (Client.Timeout exceeded while awaiting headers)\n",
                             w.kind, workload_id(w.project, w.name, w.attempt)),
          .exit_code = 1,
          .answer = "lost_delete"};
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
  if (w.deleted_ms) {  // still listed as Deleting, yet the API no longer finds it (FORMATS.md)
    return {.err = "no workload was found\n", .exit_code = 1, .answer = "still_deleting"};
  }
  w.deleted_ms = call.now_ms;
  w.gone_ms = call.now_ms + call.config.deleting_ms;
  if (delete_answer_lost(call, name)) {
    return lost_delete_answer(call, w);
  }
  return {.out = fmt::format("Successfully deleted {} {}\n", kind, name)};
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

// One container's run: it waits until started_ms, runs until finished_ms,
// then has ended with exit_code.
struct ContainerRun {
  std::string name;
  std::string image;
  std::int64_t started_ms = 0;
  std::int64_t finished_ms = 0;
  int exit_code = 0;
};

std::string termination_reason(int exit_code) {
  if (exit_code == 0) {
    return "Completed";
  }
  return exit_code == 137 ? "OOMKilled" : "Error";
}

// Shaped like Kubernetes' containerStatuses[]: the state is waiting, running or
// terminated {exitCode, reason, startedAt, finishedAt}; an ended container also
// carries a flat exitCode. A Deleting pod, and a cluster whose describe reveals
// no exit codes, show no state at all.
json container_json(const Call& call, const ContainerRun& run, std::string_view phase,
                    std::string_view waiting_reason) {
  json container{{"name", run.name}, {"image", run.image}};
  const bool ended = call.now_ms >= run.finished_ms;
  if (phase == "Deleting" || (ended && !call.config.describe_reveals_exit_code)) {
    return container;
  }
  if (call.now_ms < run.started_ms) {
    container["state"] = {{"waiting", {{"reason", waiting_reason}}}};
  } else if (!ended) {
    container["state"] = {{"running", {{"startedAt", iso8601(run.started_ms)}}}};
  } else {
    container["exitCode"] = run.exit_code;
    container["state"] = {{"terminated",
                           {{"exitCode", run.exit_code},
                            {"reason", termination_reason(run.exit_code)},
                            {"startedAt", iso8601(run.started_ms)},
                            {"finishedAt", iso8601(run.finished_ms)}}}};
  }
  return container;
}

// The job's pod: the main container named after the workload, optionally an
// init container (under initContainers) and a sidecar listed after the main one.
json pod_json(const Call& call, const Workload& w, std::string_view phase) {
  const Config& config = call.config;
  const std::string_view waiting = config.describe_init_containers ? "PodInitializing" : "ContainerCreating";
  json containers = json::array(
      {container_json(call, {w.name, w.image, w.running_from_ms, w.end_ms, w.exit_code}, phase, waiting)});
  if (config.describe_sidecar) {
    containers.push_back(container_json(
        call, {"log-shipper", "fluent/fluent-bit:3.0", w.running_from_ms, w.end_ms, 0}, phase, waiting));
  }
  json pod{{"name", fmt::format("{}-0-0", w.name)}, {"phase", pod_phase(phase)}};
  if (call.now_ms >= w.running_from_ms && !w.node.empty()) {
    pod["nodeName"] = w.node;  // scheduled
  }
  if (config.describe_init_containers) {
    // A one-shot init container ends before the main one starts; one that
    // reports a failure stands for a restartable one (a native sidecar), which
    // runs alongside and is stopped with the pod.
    const std::int64_t init_end = config.init_exit_code == 0 ? w.running_from_ms : w.end_ms;
    pod["initContainers"] = json::array({container_json(
        call, {"data-sync", "busybox:1.36", w.created_ms, init_end, config.init_exit_code}, phase, "")});
  }
  pod["containers"] = std::move(containers);
  return pod;
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
  const json described{{"name", w.name},
                       {"id", workload_id(w.project, w.name, w.attempt)},
                       {"type", title_kind(w.kind)},
                       {"phase", phase},
                       {"projectName", w.project},
                       {"createdAt", iso8601(w.created_ms)},
                       {"pods", json::array({pod_json(call, w, phase)})}};
  return {.out = described.dump(2) + "\n"};
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
