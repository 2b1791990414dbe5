#include "traitctl/adapters/journal.hpp"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <iterator>
#include <mutex>
#include <optional>
#include <system_error>
#include <utility>

#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/ledger.hpp"

namespace traitctl {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view fixed_keys[] = {"time", "command", "project", "prefix", "event", "trait", "job"};

std::optional<JournalEntry> entry_of(std::string_view line, std::string_view project,
                                     std::string_view prefix) {
  auto document = nlohmann::json::parse(line, nullptr, false);
  if (!document.is_object()) {
    return std::nullopt;
  }
  const auto text = [&document](const char* key) -> const std::string* {
    const auto found = document.find(key);
    return found != document.end() && found->is_string() ? found->get_ptr<const std::string*>() : nullptr;
  };
  const std::string* time = text("time");
  const std::string* command = text("command");
  const std::string* event = text("event");
  const std::string* line_project = text("project");
  const std::string* line_prefix = text("prefix");
  if (time == nullptr || command == nullptr || event == nullptr || line_project == nullptr ||
      line_prefix == nullptr || *line_project != project || *line_prefix != prefix) {
    return std::nullopt;
  }
  auto when = parse_utc(*time);
  if (!when) {
    return std::nullopt;
  }
  JournalEntry entry{*when, *command,
                     JournalEvent{*event, std::nullopt, std::nullopt, nlohmann::json::object()}};
  if (const auto trait = document.find("trait"); trait != document.end() && trait->is_number_integer()) {
    entry.event.trait = trait->get<int>();
  }
  if (const std::string* job = text("job")) {
    entry.event.job = *job;
  }
  for (const auto& [key, value] : document.items()) {
    if (std::find(std::begin(fixed_keys), std::end(fixed_keys), key) == std::end(fixed_keys)) {
      entry.event.details[key] = value;
    }
  }
  return entry;
}

}  // namespace

fs::path journal_path(const fs::path& state_dir) { return state_dir / "journal.jsonl"; }

Result<std::vector<JournalEntry>> read_journal(const fs::path& state_dir, std::string_view project,
                                               std::string_view prefix) {
  auto text = read_file_contents(journal_path(state_dir));
  if (!text) {
    if (text.error().kind == ErrorKind::NotFound) {
      return std::vector<JournalEntry>{};
    }
    return text.error();
  }
  // Lines are written with sorted keys, so another batch's line lacks this
  // text and is passed over without parsing: the journal is shared.
  const std::string batch_key = fmt::format("\"prefix\":{}", nlohmann::json(std::string(prefix)).dump());
  std::vector<JournalEntry> entries;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const std::size_t end = rest.find('\n');
    const std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    if (line.find(batch_key) == std::string_view::npos) {
      continue;
    }
    if (auto entry = entry_of(line, project, prefix)) {
      entries.push_back(std::move(*entry));
    }
  }
  return entries;
}

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
  fs::path path = journal_path(state_dir);
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
