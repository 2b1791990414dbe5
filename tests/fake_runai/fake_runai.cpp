// A fake `runai` CLI for end-to-end tests. It prints the shapes documented in
// /work/shared/runai/FORMATS.md (never traitctl's own view of them) and keeps a
// simulated cluster in $FAKE_RUNAI_DIR:
//   config.json  written by tests, every key optional (config.hpp lists them)
//   state.json   {"call_count", "list_calls", "history": every workload ever created
//                (cluster.hpp's Workload), "lost_delete_answers"}
//   state.lock   flock'ed for each call's read-modify-write of state.json
//   release      created by a test: the jobs config.json's `hold` keeps Running end
//   calls.jsonl  one line per call: {"t_ms", "argv" (after the program name),
//                "argv_hex" (the same, each byte as two hex digits: lossless where
//                argv is not UTF-8), "exit" (null for a hang), "answer" (only when a
//                fault or a race shaped the answer: see Outcome)}
// Time passes only during calls: each call first settles what happened since
// the last one (lifecycle.hpp), such as a completed job's result file in the
// host folder its submit mounted at /outputs.
// It deliberately shares no code with traitctl_core, so a parser bug in
// traitctl cannot be mirrored here and go unnoticed.
#include <fmt/format.h>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "files.hpp"
#include "lifecycle.hpp"

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

// ------------------------------------------------------------- run ---------

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

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

State read_state(const fs::path& dir) {
  std::ifstream in(dir / "state.json");
  if (!in) {
    return {};
  }
  try {
    return json::parse(in).get<State>();
  } catch (const json::exception& e) {
    throw SetupError(fmt::format("state.json in {}: {}", dir.string(), e.what()));
  }
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
  {
    const ExclusiveLock lock(dir / "state.lock");
    State state = read_state(dir);
    ++state.call_count;
    Call call{config, state, now_ms(), state.call_count, fs::exists(dir / "release")};
    settle(call);
    if (draw(call, kHang) < config.faults.hang_rate) {
      outcome = {.hang = true, .answer = "hang"};
    } else if (draw(call, kTransient) < config.faults.transient_rate) {
      outcome = {.err = std::string(kNetworkError), .exit_code = 1, .answer = "transient"};
    } else {
      try {
        outcome = dispatch(call, argv);
      } catch (const CliError& e) {
        outcome = {.err = fmt::format("{}\n", e.what()), .exit_code = 1};
      }
    }
    // JSON holds only UTF-8: other bytes become U+FFFD here, and argv_hex
    // keeps every argument byte for byte.
    write_atomically(dir / "state.json",
                     json(state).dump(1, ' ', false, json::error_handler_t::replace) + "\n");
    json line{{"t_ms", call.now_ms},
              {"argv", argv},
              {"argv_hex", hex_strings(argv)},
              {"exit", outcome.hang ? json(nullptr) : json(outcome.exit_code)}};
    if (!outcome.answer.empty()) {
      line["answer"] = outcome.answer;
    }
    append_line(dir / "calls.jsonl", line.dump(-1, ' ', false, json::error_handler_t::replace));
  }
  if (outcome.hang) {
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
