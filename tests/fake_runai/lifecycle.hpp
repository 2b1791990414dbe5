// What happened to the workloads between the previous call and this one. The
// fake runs only during calls, so each call settles it before it answers.
// Held jobs (config.hold) end once the release file exists.
#pragma once

#include "cluster.hpp"

namespace fake_runai {

// Every workload that reached Running since meets mount_failure_above (its
// exit code may become 2); every one that ended or was deleted since gets its
// outputs_file: GAPIT's result file written for a completed job (exit 0, not
// deleted before its end, not in no_outputs) into
//   <host folder mounted at /outputs>/trait_<TRAIT_INDEX, 3 digits>_<first MODEL, MLM>/
//     GAPIT.Association.Filter_GWAS_results.csv
// when that host folder exists (only the trait folder inside it is created),
// TRAIT_INDEX is a number and the model a plain word; "" otherwise.
void settle(Call& call);

}  // namespace fake_runai
