#include "traitctl/adapters/output_check.hpp"

#include <glob.h>

#include <cerrno>
#include <system_error>

#include "traitctl/core/output_pattern.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;

// `text` with glob(3)'s special characters escaped, to be matched as itself.
std::string glob_escaped(std::string_view text) {
  std::string escaped;
  for (const char c : text) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') {
      escaped.push_back('\\');
    }
    escaped.push_back(c);
  }
  return escaped;
}

// A folder that does not exist on the way means no match; any other error
// (EACCES, EIO, ...) stops the search.
int stop_on_read_error(const char* /*path*/, int error) {
  return error == ENOENT || error == ENOTDIR ? 0 : 1;
}

// Frees the glob's results whatever happens.
class GlobResult {
 public:
  GlobResult() = default;
  GlobResult(const GlobResult&) = delete;
  GlobResult& operator=(const GlobResult&) = delete;
  ~GlobResult() { globfree(&matches_); }
  glob_t* get() { return &matches_; }
  [[nodiscard]] std::size_t size() const { return matches_.gl_pathc; }
  [[nodiscard]] const char* at(std::size_t i) const { return matches_.gl_pathv[i]; }

 private:
  glob_t matches_{};
};

}  // namespace

Result<OutputCheck> find_expected_output(const fs::path& folder, std::string_view pattern, int trait) {
  auto expanded = expand_output_pattern(pattern, trait);
  if (!expanded) {
    return expanded.error();
  }
  std::error_code error;
  if (!fs::is_directory(folder, error)) {
    return OutputCheck{OutputCheck::Kind::FolderNotVisible, folder.string()};
  }
  std::string folder_text = folder.string();
  while (folder_text.size() > 1 && folder_text.back() == '/') {
    folder_text.pop_back();
  }
  const std::string separator = folder_text.ends_with('/') ? "" : "/";  // only for "/" itself
  const std::string searched = folder_text + separator + *expanded;
  const std::string glob_pattern = glob_escaped(folder_text) + separator + *expanded;
  GlobResult matches;
  switch (glob(glob_pattern.c_str(), 0, stop_on_read_error, matches.get())) {
    case 0: break;
    case GLOB_NOMATCH: return OutputCheck{OutputCheck::Kind::Missing, searched};
    case GLOB_ABORTED:
      return make_error(ErrorKind::Io,
                        "could not read every folder on the way to {}: check that this user may read "
                        "OUTPUT_PATH_HOST",
                        printable(searched));
    default: return make_error(ErrorKind::Io, "could not search for {}: out of memory", printable(searched));
  }
  for (std::size_t i = 0; i < matches.size(); ++i) {
    if (fs::is_regular_file(matches.at(i), error)) {
      return OutputCheck{OutputCheck::Kind::Found, matches.at(i)};
    }
  }
  return OutputCheck{OutputCheck::Kind::Missing, searched};
}

}  // namespace traitctl
