// The final report of submit, retry, resubmit and run, on stdout: a few lines
// for people, or one JSON object (docs/reports-json.md); and the exit code it
// stands for.
#pragma once

#include "traitctl/cli/batch_command.hpp"
#include "traitctl/cli/batch_health.hpp"
#include "traitctl/core/batch_engine.hpp"

namespace traitctl {

// `health` (retry, resubmit, run): the learned memory tier, right-sizing and
// the nodes, from the ledger as the run left it; null leaves them out.
void print_batch_report(CommandKind kind, const BatchReport& report, const BatchContext& context, bool json,
                        Duration wall_time, const BatchHealth* health = nullptr);

// The documented exit code of `kind` for this report; prints the one-line
// error of a run that stopped early.
[[nodiscard]] int batch_exit_code(CommandKind kind, const BatchReport& summary, std::size_t traits);

}  // namespace traitctl
