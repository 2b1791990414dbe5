// The documented exit codes; listed in --help and the README.
#pragma once

namespace traitctl {

enum class ExitCode : int {
  Success = 0,        // every trait done (submitted, skipped, retried) as asked
  Failure = 1,        // a submission or runtime error: runai missing, listing failed, ledger locked
  Usage = 2,          // invalid usage or configuration
  BatchFailed = 3,    // `run`: the batch ended with permanently failed traits
  Interrupted = 130,  // SIGINT or SIGTERM
};

[[nodiscard]] constexpr int to_int(ExitCode code) { return static_cast<int>(code); }

}  // namespace traitctl
