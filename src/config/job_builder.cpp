#include "traitctl/config/job_builder.hpp"

#include <string>

#include "traitctl/core/job_name.hpp"

namespace traitctl {

JobSpec build_job_spec(const BatchSettings& settings, int trait, int attempt) {
  return build_job_spec(settings, trait, attempt, ResourceTier{settings.cpu, settings.memory});
}

JobSpec build_job_spec(const BatchSettings& settings, int trait, int attempt, const ResourceTier& tier) {
  const GapitSettings& gapit = settings.gapit;
  JobSpec spec;
  spec.name = job_name(settings.prefix, trait);
  spec.trait = trait;
  spec.project = settings.project;
  spec.image = settings.image;
  spec.cpu = tier.cpu;
  spec.memory = tier.memory;
  spec.data_path_host = settings.data_path_host;
  spec.output_path_host = settings.output_path_host;

  // The order of the bash script's --environment flags.
  auto& environment = spec.environment;
  environment = {
      {"TRAIT_INDEX", std::to_string(trait)},
      {"DATA_PATH", "/data"},
      {"OUTPUT_PATH", "/outputs"},
      {"GENOTYPE_FILE", gapit.genotype_file},
      {"PHENOTYPE_FILE", gapit.phenotype_file},
      {"ACCESSION_IDS_FILE", gapit.accession_ids_file},
      {"MODEL", gapit.model},
      {"PCA_TOTAL", gapit.pca_total},
      {"SNP_MAF", gapit.snp_maf},
      {"SNP_THRESHOLD", gapit.snp_threshold},
  };
  if (!gapit.snp_fdr.empty()) {
    environment.emplace_back("SNP_FDR", gapit.snp_fdr);
  }
  environment.emplace_back("KINSHIP_ALGORITHM", gapit.kinship_algorithm);
  environment.emplace_back("SNP_EFFECT", gapit.snp_effect);
  environment.emplace_back("SNP_IMPUTE", gapit.snp_impute);
  environment.emplace_back("MULTIPLE_ANALYSIS", gapit.multiple_analysis);
  // BLAS and OpenMP would otherwise start a thread per host core, not per requested core.
  environment.emplace_back("OPENBLAS_NUM_THREADS", tier.cpu);
  environment.emplace_back("OMP_NUM_THREADS", tier.cpu);
  if (attempt > 1) {
    environment.emplace_back("TRAITCTL_ATTEMPT", std::to_string(attempt));
  }
  spec.command = {"/scripts/entrypoint.sh", "run-single-trait"};
  return spec;
}

}  // namespace traitctl
