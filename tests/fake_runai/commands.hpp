// The emulated commands: each parses its own flags and answers like the CLI.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cluster.hpp"
#include "flags.hpp"

namespace fake_runai {

// `kind` is "workspace" or "training"; "" for the v1 CLI's `runai list jobs`.
Outcome list(Call& call, std::string_view kind, std::span<const std::string> args);
// `argv` is the whole call, kept in the workload's record.
Outcome submit(Call& call, std::string_view kind, std::span<const std::string> args,
               const std::vector<std::string>& argv);
Outcome delete_workload(Call& call, std::string_view kind, std::span<const std::string> args);
Outcome describe(Call& call, std::string_view kind, std::span<const std::string> args);
Outcome logs(Call& call, std::string_view kind, std::span<const std::string> args);

}  // namespace fake_runai
