#include "traitctl/cli/plan_preview.hpp"

#include <iostream>
#include <nlohmann/json.hpp>

#include "traitctl/config/job_builder.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

// Peak memory at the cap, e.g. 50 x "32G" -> "1600G"; the raw product when
// MEMORY has a form we do not multiply.
std::string peak_memory(const std::string& memory, int jobs) {
  std::size_t digits = 0;
  while (digits < memory.size() && std::isdigit(static_cast<unsigned char>(memory[digits])) != 0) {
    ++digits;
  }
  auto amount = parse_int(memory.substr(0, digits), "MEMORY");
  if (digits == 0 || !amount) {
    return fmt::format("{} x {}", jobs, memory);
  }
  return fmt::format("{}{}", static_cast<long long>(*amount) * jobs, memory.substr(digits));
}

}  // namespace

int print_submission_plan(const BatchContext& context, const BackendOptions& backend_options,
                          Backend& backend, int max_concurrent, bool json) {
  auto listing = backend.list_workloads();
  if (!listing) {
    return fail_with(listing.error());
  }
  const BatchView view = view_batch(context.settings.prefix, *listing);
  std::vector<int> to_submit;
  std::vector<std::string> existing;
  for (int trait : context.traits) {
    if (const auto job = view.jobs.find(trait); job != view.jobs.end()) {
      existing.push_back(fmt::format("{} ({})", job->second.name, printable(job->second.status)));
    } else {
      to_submit.push_back(trait);
    }
  }
  const BatchSettings& settings = context.settings;
  const int peak_jobs = std::min<int>(max_concurrent, static_cast<int>(context.traits.size()));
  const int cpu = parse_int(settings.cpu, "CPU").ok() ? *parse_int(settings.cpu, "CPU") : 0;
  std::string first_command;
  if (!to_submit.empty()) {
    first_command = shell_join(
        submission_preview(backend_options, context, build_job_spec(settings, to_submit.front(), 1)));
  }
  if (json) {
    nlohmann::json plan{{"command", "submit"},
                        {"dry_run", true},
                        {"prefix", settings.prefix},
                        {"project", settings.project},
                        {"backend", backend_options.kind},
                        {"max_concurrent", max_concurrent},
                        {"active", view.active},
                        {"to_submit", to_submit},
                        {"existing", existing},
                        {"peak",
                         {{"jobs", peak_jobs},
                          {"cpu", cpu * peak_jobs},
                          {"memory", peak_memory(settings.memory, peak_jobs)}}},
                        {"first_command", first_command}};
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
  fmt::print("  Per job:           {} CPU, {} memory\n", printable(settings.cpu), printable(settings.memory));
  fmt::print("  Peak at the cap:   {} jobs, {} CPU, {} memory\n", peak_jobs, cpu * peak_jobs,
             printable(peak_memory(settings.memory, peak_jobs)));
  if (!first_command.empty()) {
    fmt::print("First command:\n  {}\n", first_command);
  }
  fmt::print("No job was submitted (dry run).\n");
  return to_int(ExitCode::Success);
}

}  // namespace traitctl
