// One register_* per subcommand, each in its own file under src/cli/.
#pragma once

#include "traitctl/cli/common.hpp"

namespace traitctl {

[[nodiscard]] Command register_submit(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_validate(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_cleanup(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_status(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_retry(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_resubmit(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_run(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_cap(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_logs(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_describe(CLI::App& app, const GlobalOptions& global);
[[nodiscard]] Command register_report(CLI::App& app, const GlobalOptions& global);

}  // namespace traitctl
