// A fake `runai` CLI for end-to-end tests. It prints the shapes documented in
// /work/shared/runai/FORMATS.md (never traitctl's own view of them) and keeps a
// simulated cluster in $FAKE_RUNAI_DIR:
//   config.json  written by tests, every key optional (config.hpp lists them)
//   state.json   every workload ever created, plus the call counter
//   state.lock   flock'ed for each call's read-modify-write of state.json
//   calls.jsonl  one line per call: {"t_ms", "argv" (after the program name),
//                "argv_hex" (the same, each byte as two hex digits: lossless where
//                argv is not UTF-8), "exit"}
// It deliberately shares no code with traitctl_core, so a parser bug in
// traitctl cannot be mirrored here and go unnoticed.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "commands.hpp"

namespace fake_runai {
namespace {

using json = nlohmann::json;
namespace fs = std::filesystem;

// ---------------------------------------------------------- dispatch -------

Outcome dispatch(Call& call, const std::vector<std::string>& argv) {
  const std::span<const std::string> args(argv);
  if (call.config.v1()) {
    if (!args.empty() && args[0] == "list") {
      const std::size_t skip = args.size() > 1 && args[1] == "jobs" ? 2 : 1;
      return list(call, "", args.subspan(skip));
    }
  } else if (args.size() >= 2 && (args[0] == "workspace" || args[0] == "training")) {
    const std::string_view kind = args[0];
    const std::string_view command = args[1];
    const auto rest = args.subspan(2);
    if (command == "list") {
      return list(call, kind, rest);
    }
    if (command == "submit") {
      return submit(call, kind, rest, argv);
    }
    if (command == "delete") {
      return delete_workload(call, kind, rest);
    }
    if (command == "describe") {
      return describe(call, kind, rest);
    }
    if (command == "logs") {
      return logs(call, kind, rest);
    }
    throw CliError(fmt::format("Error: unknown command \"{}\" for \"runai {}\"", command, kind));
  }
  throw CliError(fmt::format("Error: unknown command \"{}\" for \"runai\"", args.empty() ? "" : args[0]));
}

// ------------------------------------------------------------- files -------

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void write_all(int fd, std::string_view data, const fs::path& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      throw SetupError(fmt::format("cannot write {}: {}", path.string(), std::strerror(errno)));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
}

// Readers (the test harness) never take the lock, so replace the file whole.
void write_atomically(const fs::path& path, std::string_view data) {
  const fs::path temp = path.string() + fmt::format(".tmp.{}", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot create {}: {}", temp.string(), std::strerror(errno)));
  }
  write_all(fd, data, temp);
  ::fsync(fd);
  ::close(fd);
  std::error_code ec;
  fs::rename(temp, path, ec);
  if (ec) {
    throw SetupError(fmt::format("cannot rename {} to {}: {}", temp.string(), path.string(), ec.message()));
  }
}

void append_line(const fs::path& path, const std::string& line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
  }
  write_all(fd, line + "\n", path);
  ::close(fd);
}

class ExclusiveLock {
 public:
  explicit ExclusiveLock(const fs::path& path)
      : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) {
      throw SetupError(fmt::format("cannot open {}: {}", path.string(), std::strerror(errno)));
    }
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw SetupError(fmt::format("cannot lock {}: {}", path.string(), std::strerror(errno)));
      }
    }
  }
  ExclusiveLock(const ExclusiveLock&) = delete;
  ExclusiveLock& operator=(const ExclusiveLock&) = delete;
  ExclusiveLock(ExclusiveLock&&) = delete;
  ExclusiveLock& operator=(ExclusiveLock&&) = delete;
  ~ExclusiveLock() { ::close(fd_); }  // closing releases the flock

 private:
  int fd_;
};

// Each string as lowercase hex, two digits per byte.
std::vector<std::string> hex_strings(const std::vector<std::string>& strings) {
  std::vector<std::string> hex;
  hex.reserve(strings.size());
  for (const auto& text : strings) {
    std::string digits;
    digits.reserve(text.size() * 2);
    for (const char c : text) {
      digits += fmt::format("{:02x}", static_cast<unsigned char>(c));
    }
    hex.push_back(std::move(digits));
  }
  return hex;
}

int run(const std::vector<std::string>& argv) {
  const char* dir_env = std::getenv("FAKE_RUNAI_DIR");
  if (dir_env == nullptr || *dir_env == '\0') {
    throw SetupError("FAKE_RUNAI_DIR is not set; point it at the fake cluster's state directory");
  }
  const fs::path dir(dir_env);
  const Config config = load_config(dir / "config.json");
  // Latency is spent outside the lock so that concurrent calls overlap.
  std::this_thread::sleep_for(std::chrono::milliseconds(config.latency_ms));

  Outcome outcome;
  bool hang = false;
  {
    const ExclusiveLock lock(dir / "state.lock");
    json state = json::object();
    if (std::ifstream in(dir / "state.json"); in) {
      try {
        state = json::parse(in);
      } catch (const json::exception& e) {
        throw SetupError(fmt::format("state.json in {}: {}", dir.string(), e.what()));
      }
    }
    std::vector<Workload> history = state.value("history", json::array()).get<std::vector<Workload>>();
    Call call{config, history, now_ms(), state.value("call_count", std::uint64_t{0}) + 1};
    if (draw(call, kHang) < config.faults.hang_rate) {
      hang = true;
    } else if (draw(call, kTransient) < config.faults.transient_rate) {
      outcome = {"", std::string(kNetworkError), 1};
    } else {
      try {
        outcome = dispatch(call, argv);
      } catch (const CliError& e) {
        outcome = {"", fmt::format("{}\n", e.what()), 1};
      }
    }
    // JSON holds only UTF-8: other bytes become U+FFFD here, and argv_hex
    // keeps every argument byte for byte.
    write_atomically(dir / "state.json", json{{"call_count", call.call_number}, {"history", history}}.dump(
                                             1, ' ', false, json::error_handler_t::replace) +
                                             "\n");
    append_line(dir / "calls.jsonl", json{{"t_ms", call.now_ms},
                                          {"argv", argv},
                                          {"argv_hex", hex_strings(argv)},
                                          {"exit", hang ? json(nullptr) : json(outcome.exit_code)}}
                                         .dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (hang) {
    for (;;) {
      std::this_thread::sleep_for(std::chrono::hours(1));  // until the caller kills us
    }
  }
  fmt::print(stdout, "{}", outcome.out);
  fmt::print(stderr, "{}", outcome.err);
  return outcome.exit_code;
}

}  // namespace
}  // namespace fake_runai

int main(int argc, char** argv) {
  try {
    return fake_runai::run(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    fmt::print(stderr, "fake runai: {}\n", e.what());
    return 1;
  }
}
