#include "traitctl/adapters/ledger_store.hpp"

#include <system_error>
#include <utility>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

namespace fs = std::filesystem;

Result<void> validate_component(std::string_view what, const std::string& name) {
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos ||
      name.find('\0') != std::string::npos) {
    return make_error(ErrorKind::Usage,
                      "{} '{}' cannot name a state file: it must be non-empty, not '.' or '..', "
                      "and hold no '/'",
                      what, printable(name));
  }
  return {};
}

}  // namespace

LedgerStore::LedgerStore(std::string project, std::string prefix, fs::path ledger_path, fs::path lock_path,
                         fs::path cap_path)
    : project_(std::move(project)),
      prefix_(std::move(prefix)),
      ledger_path_(std::move(ledger_path)),
      lock_path_(std::move(lock_path)),
      cap_path_(std::move(cap_path)) {}

Result<LedgerStore> LedgerStore::open(const fs::path& state_dir, std::string project, std::string prefix) {
  if (auto valid = validate_component("project", project); !valid) {
    return valid.error();
  }
  if (auto valid = validate_component("prefix", prefix); !valid) {
    return valid.error();
  }
  const fs::path folder = state_dir / project;
  fs::path ledger_path = folder / (prefix + ".ledger.json");
  fs::path lock_path = folder / (prefix + ".lock");
  fs::path cap_path = folder / (prefix + ".cap.json");
  return LedgerStore{std::move(project), std::move(prefix), std::move(ledger_path), std::move(lock_path),
                     std::move(cap_path)};
}

Result<void> LedgerStore::create_folder() const {
  std::error_code error;
  fs::create_directories(ledger_path_.parent_path(), error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create the state folder {}: {}",
                      ledger_path_.parent_path().string(), error.message());
  }
  return {};
}

Result<FileLock> LedgerStore::lock(Duration timeout, const CancelToken& cancel) const {
  if (auto created = create_folder(); !created) {
    return created.error();
  }
  return FileLock::acquire(lock_path_, timeout, cancel);
}

Result<Ledger> LedgerStore::load() const {
  auto text = read_file_contents(ledger_path_);
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return Ledger{project_, prefix_, std::nullopt, {}, std::nullopt, std::nullopt};
    }
    return text.error();
  }
  auto ledger = parse_ledger(*text);
  if (!ledger) {
    return make_error(ErrorKind::Parse,
                      "{}: {}; it was left untouched — move it aside to start the batch's attempt "
                      "counts afresh",
                      printable(ledger_path_.string()), printable(ledger.error().message));
  }
  if (ledger->project != project_ || ledger->prefix != prefix_) {
    return make_error(ErrorKind::Parse,
                      "{} holds the ledger of project '{}' prefix '{}', not of project '{}' prefix '{}'; "
                      "it was left untouched — was it copied or renamed by hand?",
                      printable(ledger_path_.string()), printable(ledger->project), printable(ledger->prefix),
                      printable(project_), printable(prefix_));
  }
  return ledger;
}

Result<void> LedgerStore::save(const Ledger& ledger) const {
  if (ledger.project != project_ || ledger.prefix != prefix_) {
    return make_error(ErrorKind::Usage, "refusing to save the ledger of project '{}' prefix '{}' as {}",
                      ledger.project, ledger.prefix, ledger_path_.string());
  }
  if (auto created = create_folder(); !created) {
    return created.error();
  }
  return write_file_atomically(ledger_path_, serialize_ledger(ledger));
}

}  // namespace traitctl
