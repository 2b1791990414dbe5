// Pre-flight checks of a batch's settings for `traitctl validate`: pure
// functions of the settings, the traits and what a FileProbe can see, so that
// tests fake the filesystem. The runai checks live in the CLI layer.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/config/settings.hpp"
#include "traitctl/config/table_shape.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

enum class CheckStatus { Ok, Warn, Fail };

struct Check {
  std::string name;  // the variable it checks, e.g. "MEMORY"
  CheckStatus status = CheckStatus::Ok;
  std::string value;    // printable: control characters escaped
  std::string message;  // what is wrong and the fix; a note when ok
  // MEMORY: the estimated peak of a job in GiB, when the dataset was measured.
  std::optional<double> estimated_gib;
};

// A Check with `value` and `message` escaped (printable): they may carry
// whatever the .env or a file held.
[[nodiscard]] Check make_check(std::string_view name, CheckStatus status, std::string_view value,
                               std::string_view message);

[[nodiscard]] std::string_view to_string(CheckStatus status);  // "ok", "warn", "fail"
[[nodiscard]] bool any_failed(const std::vector<Check>& checks);

// What this machine can see of a path. Host paths may exist only on the
// cluster nodes, so "missing" is not always an error.
class FileProbe {
 public:
  enum class Kind { Missing, File, Directory, Other };
  virtual ~FileProbe() = default;
  [[nodiscard]] virtual Kind kind(const std::filesystem::path& path) const = 0;
  // The first line of a readable file without its line ending; nullopt when
  // the file cannot be read.
  [[nodiscard]] virtual std::optional<std::string> first_line(const std::filesystem::path& path) const = 0;
  // The whole file's header and rows (config/table_shape.hpp); an error when
  // it cannot be read.
  [[nodiscard]] virtual Result<TableShape> table_shape(const std::filesystem::path& path) const = 0;
};

class LocalFileProbe final : public FileProbe {
 public:
  [[nodiscard]] Kind kind(const std::filesystem::path& path) const override;
  [[nodiscard]] std::optional<std::string> first_line(const std::filesystem::path& path) const override;
  [[nodiscard]] Result<TableShape> table_shape(const std::filesystem::path& path) const override;
};

// /data/x in the container is DATA_PATH_HOST/x on this machine; nullopt for
// a path outside /data.
[[nodiscard]] std::optional<std::filesystem::path> host_path_of(const std::string& container_path,
                                                                const std::string& data_path_host);

// START_TRAIT..END_TRAIT as a trait list; a Config error naming both and the fix.
[[nodiscard]] Result<std::vector<int>> traits_in_range(const BatchSettings& settings);

// One Check per setting, in a fixed order. `traits` are the traits the batch
// acts on (--traits, else START..END); empty when START..END is invalid.
// Reads GENOTYPE_FILE and PHENOTYPE_FILE whole where this machine can, to
// estimate the memory a job needs (config/sizing_checks.hpp).
[[nodiscard]] std::vector<Check> check_settings(const BatchSettings& settings, const std::vector<int>& traits,
                                                const FileProbe& probe);

}  // namespace traitctl
