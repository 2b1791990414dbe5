#include "traitctl/adapters/journal.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <system_error>
#include <utility>

#include "traitctl/core/ledger.hpp"

namespace traitctl {

namespace fs = std::filesystem;

struct Journal::State {
  State(int descriptor, fs::path file, std::string command_name, std::string project_name,
        std::string prefix_name, const Clock& time_source)
      : fd(descriptor),
        path(std::move(file)),
        command(std::move(command_name)),
        project(std::move(project_name)),
        prefix(std::move(prefix_name)),
        clock(time_source) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;
  State(State&&) = delete;
  State& operator=(State&&) = delete;
  ~State() { ::close(fd); }

  int fd;
  fs::path path;
  std::string command;
  std::string project;
  std::string prefix;
  const Clock& clock;
  std::mutex mutex;
  bool warned = false;
};

Result<Journal> Journal::open(const fs::path& state_dir, std::string command, std::string project,
                              std::string prefix, const Clock& clock) {
  fs::path path = state_dir / "journal.jsonl";
  std::error_code error;
  fs::create_directories(state_dir, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create the state folder {} for the journal: {}",
                      state_dir.string(), error.message());
  }
  int fd = -1;
  do {
    fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0666);  // NOLINT
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot open the journal {}: {}", path.string(),
                      std::generic_category().message(errno));
  }
  return Journal{std::make_unique<State>(fd, std::move(path), std::move(command), std::move(project),
                                         std::move(prefix), clock)};
}

void Journal::record(const JournalEvent& event) {
  nlohmann::json line = event.details.is_object() ? event.details : nlohmann::json::object();
  if (!event.details.is_object() && !event.details.is_null()) {
    line["details"] = event.details;
  }
  line["time"] = format_utc(state_->clock.now());
  line["command"] = state_->command;
  line["project"] = state_->project;
  line["prefix"] = state_->prefix;
  line["event"] = event.event;
  if (event.trait) {
    line["trait"] = *event.trait;
  }
  if (event.job) {
    line["job"] = *event.job;
  }
  // Replacing invalid UTF-8 (from a job's log, say) keeps every line valid JSON.
  const std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";

  const std::lock_guard lock(state_->mutex);
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t written = ::write(state_->fd, rest.data(), rest.size());
    if (written < 0 && errno == EINTR) {
      continue;
    }
    if (written < 0) {
      if (!std::exchange(state_->warned, true)) {
        spdlog::warn("cannot write to the journal {}: {}; later events may be missing from it",
                     state_->path.string(), std::generic_category().message(errno));
      }
      return;
    }
    rest.remove_prefix(static_cast<std::size_t>(written));
  }
}

const fs::path& Journal::path() const { return state_->path; }

Journal::Journal(std::unique_ptr<State> state) : state_(std::move(state)) {}
Journal::Journal(Journal&&) noexcept = default;
Journal& Journal::operator=(Journal&&) noexcept = default;
Journal::~Journal() = default;

}  // namespace traitctl
