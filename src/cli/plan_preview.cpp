#include "traitctl/cli/plan_preview.hpp"

#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/cli/text.hpp"
#include "traitctl/config/checks.hpp"
#include "traitctl/config/sizing_checks.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/parse.hpp"
#include "traitctl/core/resources.hpp"

namespace traitctl {
namespace {

// The most CPU and memory the batch can ask for at once: the `cap` largest
// of its jobs together (traits on a higher memory tier count at that tier).
struct Peak {
  int jobs = 0;
  double cpu = 0;
  std::uint64_t memory_bytes = 0;
};

Peak peak_at_cap(const std::vector<JobSpec>& jobs, int cap) {
  std::vector<std::pair<std::uint64_t, double>> sizes;
  for (const auto& job : jobs) {
    // Checked by validate; an unreadable value adds nothing here.
    const auto memory = parse_memory(job.memory);
    const auto cpu = parse_cpu(job.cpu);
    sizes.emplace_back(memory ? *memory : 0, cpu ? *cpu : 0.0);
  }
  std::sort(sizes.begin(), sizes.end(), std::greater<>());
  Peak peak;
  for (const auto& [memory, cpu] : sizes) {
    if (peak.jobs == cap) {
      break;
    }
    ++peak.jobs;
    peak.memory_bytes += memory;
    peak.cpu += cpu;
  }
  return peak;
}

// "32G" for every job, or "32G (5 traits at 64G)" when tiers differ.
std::string memory_per_job(const BatchSettings& settings, const std::vector<JobSpec>& jobs) {
  std::map<std::string, int> raised;
  for (const auto& job : jobs) {
    if (job.memory != settings.memory) {
      ++raised[job.memory];
    }
  }
  std::string text = printable(settings.memory);
  for (const auto& [memory, count] : raised) {
    text += fmt::format(" ({} trait{} at {})", count, count == 1 ? "" : "s", printable(memory));
  }
  return text;
}

}  // namespace

int print_submission_plan(const BatchContext& context, const BackendOptions& backend_options,
                          Backend& backend, int max_concurrent, bool json,
                          const std::function<JobSpec(int trait)>& job_of,
                          const std::string& learned_memory) {
  auto listing = backend.list_workloads();
  if (!listing) {
    return fail_with(listing.error());
  }
  const BatchView view = view_batch(context.settings.prefix, *listing);
  std::vector<int> to_submit;
  std::vector<std::string> existing;
  std::vector<JobSpec> jobs;
  for (int trait : context.traits) {
    if (const auto job = view.jobs.find(trait); job != view.jobs.end()) {
      existing.push_back(fmt::format("{} ({})", job->second.name, printable(job->second.status)));
    } else {
      to_submit.push_back(trait);
    }
    jobs.push_back(job_of(trait));
  }
  const BatchSettings& settings = context.settings;
  const Peak peak = peak_at_cap(jobs, max_concurrent);
  const MeasuredGenotype genotype = measure_genotype(settings, LocalFileProbe{});
  const Check estimate = check_memory(settings, genotype.size, genotype.why_not);
  std::string first_command;
  if (!to_submit.empty()) {
    first_command = shell_join(submission_preview(backend_options, context, job_of(to_submit.front())));
  }
  if (json) {
    nlohmann::json plan{
        {"command", "submit"},
        {"dry_run", true},
        {"prefix", settings.prefix},
        {"project", settings.project},
        {"backend", backend_options.kind},
        {"max_concurrent", max_concurrent},
        {"active", view.active},
        {"to_submit", to_submit},
        {"existing", existing},
        {"peak",
         {{"jobs", peak.jobs},
          {"cpu", peak.cpu},
          {"memory", format_bytes(peak.memory_bytes)},
          {"memory_bytes", peak.memory_bytes}}},
        {"memory_check", {{"status", to_string(estimate.status)}, {"message", estimate.message}}},
        {"first_command", first_command}};
    plan["learned_memory"] =
        learned_memory.empty() ? nlohmann::json(nullptr) : nlohmann::json(learned_memory);
    if (estimate.estimated_gib) {
      plan["estimated_gib"] = *estimate.estimated_gib;
    }
    std::cout << plan.dump(2) << '\n';
    return to_int(ExitCode::Success);
  }
  fmt::print("Submission plan for batch {} in project {} ({})\n", settings.prefix, settings.project,
             backend_options.kind);
  fmt::print("  Traits:            {} ({} .. {})\n", context.traits.size(), context.traits.front(),
             context.traits.back());
  fmt::print("  Already exist:     {}\n", existing.size());
  for (const auto& job : existing) {
    fmt::print("    - {}\n", job);
  }
  fmt::print("  To submit:         {}\n", to_submit.size());
  fmt::print("  Active now:        {} (max concurrent: {})\n", view.active, max_concurrent);
  fmt::print("  Per job:           {} CPU, {} memory\n", printable(settings.cpu),
             memory_per_job(settings, jobs));
  if (!learned_memory.empty()) {
    fmt::print("  Learned memory:    {} (traits not yet submitted start there)\n", printable(learned_memory));
  }
  fmt::print("  Peak at the cap:   {}, {} CPU, {} memory\n", plural(peak.jobs, "job"), peak.cpu,
             format_bytes(peak.memory_bytes));
  fmt::print("  Memory estimate:   {} {}\n", to_string(estimate.status), estimate.message);
  if (!first_command.empty()) {
    fmt::print("First command:\n  {}\n", first_command);
  }
  fmt::print("No job was submitted (dry run).\n");
  return to_int(ExitCode::Success);
}

}  // namespace traitctl
