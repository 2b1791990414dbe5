#include "traitctl/cli/slurm_checks.hpp"

#include <fmt/ranges.h>

#include <algorithm>

#include "traitctl/cli/text.hpp"
#include "traitctl/core/batch.hpp"

namespace traitctl {
namespace {

Check check_accounting(const SlurmConfig& config) {
  if (config.has_accounting()) {
    return make_check("accounting", CheckStatus::Ok, config.accounting_storage,
                      "sacct knows finished jobs after the controller forgets them");
  }
  if (config.min_job_age_seconds == 0) {
    return make_check("accounting", CheckStatus::Ok, "MinJobAge=0",
                      "no accounting, but the controller keeps finished jobs until it restarts");
  }
  const std::string age =
      config.min_job_age_seconds ? fmt::format("{} s", *config.min_job_age_seconds) : "MinJobAge";
  return make_check(
      "accounting", CheckStatus::Warn, config.accounting_storage,
      fmt::format("off: the controller forgets a finished job {} after it ends (MinJobAge); traitctl "
                  "records every end it sees, so keep `traitctl run` (or `status --watch`) going while jobs "
                  "finish: a job that ended unseen is reported PURGED",
                  age));
}

Check check_partition(const std::string& wanted, const std::vector<SlurmPartition>& partitions) {
  std::vector<std::string> names;
  for (const auto& partition : partitions) {
    names.push_back(partition.name);
  }
  const std::string choices = fmt::format("{}", fmt::join(names, ", "));
  if (wanted.empty()) {
    const auto fallback = std::find_if(partitions.begin(), partitions.end(),
                                       [](const SlurmPartition& partition) { return partition.is_default; });
    if (fallback == partitions.end()) {
      return make_check("SLURM_PARTITION", CheckStatus::Fail, "",
                        fmt::format("unset, and the cluster has no default partition: set SLURM_PARTITION or "
                                    "--partition to one of {}",
                                    choices));
    }
    return make_check("SLURM_PARTITION", CheckStatus::Ok, "",
                      fmt::format("unset: Slurm's default partition, {}", fallback->name));
  }
  const auto found = std::find_if(partitions.begin(), partitions.end(),
                                  [&](const SlurmPartition& partition) { return partition.name == wanted; });
  if (found == partitions.end()) {
    return make_check("SLURM_PARTITION", CheckStatus::Fail, wanted,
                      fmt::format("no such partition: choose one of {}", choices));
  }
  if (found->state != "UP") {
    return make_check("SLURM_PARTITION", CheckStatus::Warn, wanted,
                      fmt::format("the partition is {}: jobs wait until it is UP", found->state));
  }
  return make_check("SLURM_PARTITION", CheckStatus::Ok, wanted, "exists and is UP");
}

Check check_listing(const BackendOptions& options, const BatchContext& context, Clock& clock,
                    const CancelToken& cancel) {
  const std::string& prefix = context.settings.prefix;
  auto backend = open_backend(options, context, BackendAccess::Preview, clock, cancel);
  if (!backend) {
    return make_check("batch listing", CheckStatus::Fail, prefix, backend.error().message);
  }
  auto listing = (*backend)->list_workloads();
  if (!listing) {
    return make_check("batch listing", CheckStatus::Fail, prefix, listing.error().message);
  }
  const BatchView view = view_batch(prefix, *listing);
  return make_check("batch listing", CheckStatus::Ok, prefix,
                    fmt::format("{} of this batch, {} active", plural(view.jobs.size(), "job"), view.active));
}

}  // namespace

std::vector<Check> check_slurm(const BackendOptions& options, const BatchContext& context, Clock& clock,
                               const CancelToken& cancel) {
  SlurmOptions slurm_options_for_checks = slurm_options(options, context);
  slurm_options_for_checks.cancel = &cancel;
  SlurmCli slurm(slurm_options_for_checks);
  std::vector<Check> checks;
  auto version = slurm.sbatch_version();
  if (!version) {
    checks.push_back(make_check("sbatch", CheckStatus::Fail, "sbatch", version.error().message));
    return checks;
  }
  checks.push_back(make_check("sbatch", CheckStatus::Ok, "sbatch", *version));
  auto config = slurm.config();
  if (!config) {
    checks.push_back(make_check("slurm controller", CheckStatus::Fail, "", config.error().message));
    return checks;
  }
  checks.push_back(make_check("slurm controller", CheckStatus::Ok, "",
                              fmt::format("answers (Slurm {})", config->version)));
  checks.push_back(check_accounting(*config));
  auto partitions = slurm.partitions();
  checks.push_back(partitions ? check_partition(slurm_options_for_checks.partition, *partitions)
                              : make_check("SLURM_PARTITION", CheckStatus::Fail,
                                           slurm_options_for_checks.partition, partitions.error().message));
  checks.push_back(check_listing(options, context, clock, cancel));
  return checks;
}

}  // namespace traitctl
