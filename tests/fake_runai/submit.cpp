#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <system_error>

#include "commands.hpp"

namespace fake_runai {

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

// 137 (the kernel's OOM killer) for a job given less memory than memory_needed
// says it needs, else its plan's code for this attempt.
int planned_exit_code(const Config& config, const Workload& w) {
  const auto needed = config.memory_needed.find(w.name);
  if (needed != config.memory_needed.end() && w.memory_bytes.value_or(0) < needed->second) {
    return 137;
  }
  const auto plan = config.plans.find(w.name);
  if (plan == config.plans.end()) {
    return config.default_exit_code;
  }
  const auto index = std::min(static_cast<std::size_t>(w.attempt - 1), plan->second.size() - 1);
  return plan->second[index];
}

// --cpu-core-request as pflag's float flag reads it.
std::optional<double> cpu_cores(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  double cores = 0;
  const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), cores);
  if (ec != std::errc{} || end != text->data() + text->size()) {
    throw CliError(fmt::format(
        "Error: invalid argument \"{0}\" for \"--cpu-core-request\" flag: strconv.ParseFloat: parsing "
        "\"{0}\": invalid syntax",
        *text));
  }
  return cores;
}

// --cpu-memory-request, a Kubernetes quantity.
std::optional<std::uint64_t> memory_bytes(const std::optional<std::string>& text) {
  if (!text) {
    return std::nullopt;
  }
  const auto bytes = quantity_bytes(*text);
  if (!bytes) {
    throw CliError(
        fmt::format("Error: invalid argument \"{}\" for \"--cpu-memory-request\" flag: quantities must "
                    "match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
                    *text));
  }
  return bytes;
}

// The host folder of the --host-path mounted at /outputs
// (path=HOST,mount=/outputs,...); "" when there is none.
std::string outputs_host(const ParsedArgs& parsed) {
  const auto it = parsed.values.find("host-path");
  if (it == parsed.values.end()) {
    return "";
  }
  for (const std::string& volume : it->second) {
    std::string path;
    bool outputs = false;
    for (std::size_t start = 0; start <= volume.size();) {
      const std::size_t comma = std::min(volume.find(',', start), volume.size());
      const std::string_view field = std::string_view(volume).substr(start, comma - start);
      if (field.starts_with("path=")) {
        path = field.substr(5);
      }
      outputs = outputs || field == "mount=/outputs";
      start = comma + 1;
    }
    if (outputs) {
      return path;
    }
  }
  return "";
}

bool taken_by_others(const Call& call, std::string_view name, std::string_view project) {
  const auto& fixed = call.config.other_workloads;
  if (std::any_of(fixed.begin(), fixed.end(), [&](const OtherWorkload& other) {
        return other.name == name && other.project == project;
      })) {
    return true;
  }
  for (std::uint64_t i = churn_first(call, project); i < call.config.other_churn.count; ++i) {
    if (churn_name(i) == name) {
      return true;
    }
  }
  return false;
}

// The record of a new workload from its submit; flag values the CLI would
// reject fail here.
Workload new_workload(const Call& call, std::string_view kind, const std::string& name,
                      const std::string& project, const ParsedArgs& parsed,
                      const std::vector<std::string>& argv) {
  Workload w;
  w.name = name;
  w.project = project;
  w.kind = std::string(kind);
  const auto& history = call.state.history;
  w.attempt = 1 + static_cast<int>(std::count_if(history.begin(), history.end(), [&](const Workload& h) {
                return h.name == name && h.project == project;
              }));
  w.created_ms = call.now_ms;
  w.running_from_ms = w.created_ms + call.config.pending_ms;
  w.end_ms = w.running_from_ms + call.config.running_ms;
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
  w.cpu_request = parsed.last("cpu-core-request");
  w.memory_request = parsed.last("cpu-memory-request");
  w.cpu_cores = cpu_cores(w.cpu_request);
  w.memory_bytes = memory_bytes(w.memory_request);
  w.outputs_host = outputs_host(parsed);
  w.node = call.config.nodes[history.size() % call.config.nodes.size()];
  w.exit_code = w.node == call.config.bad_node ? 2 : planned_exit_code(call.config, w);
  w.stopped = call.config.stopped.contains(name);
  w.held = call.config.holds(name, w.attempt) && !call.released;
  if (w.held) {
    w.end_ms = kHeldEndMs;
  }
  return w;
}

// Whether the call that created `w` loses its answer (lost_submits,
// lost_resubmits, lost_submit_rate).
bool submit_answer_lost(const Call& call, const Workload& w) {
  const auto listed = call.config.lost_submits.find(w.name);
  if (listed != call.config.lost_submits.end() && listed->second.contains(w.attempt)) {
    return true;
  }
  if (call.config.lost_resubmits && w.attempt > 1) {
    return true;
  }
  return draw(call, kLostSubmit) < call.config.faults.lost_submit_rate;
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
  Workload w = new_workload(call, kind, name, project, parsed, argv);
  // A Deleting workload still holds its name.
  if (taken_by_others(call, name, project) || find_present(call, name, project) != nullptr) {
    throw CliError(fmt::format("workload with name '{}' already exists in this project", name));
  }
  const bool lost = submit_answer_lost(call, w);
  const std::string lost_answer = fmt::format(
      "Error: Post \"https://runai.example.com/api/v1/workloads/{}s\": context deadline exceeded "
      "(Client.Timeout exceeded while awaiting headers)\n",
      kind);
  call.state.history.push_back(std::move(w));
  if (lost) {
    return {.err = lost_answer, .exit_code = 1, .answer = "lost_submit"};
  }
  if (draw(call, kGhost) < call.config.faults.ghost_submit_rate) {
    return {.err = std::string(kNetworkError), .exit_code = 1, .answer = "ghost_submit"};
  }
  return {.out = fmt::format(
              "Creating {} {}...\nTo know the status of the workload use: runai {} describe {} -p {}\n", kind,
              name, kind, name, project)};
}

}  // namespace fake_runai
