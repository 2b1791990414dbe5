#include "harness.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <future>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <system_error>
#include <thread>
#include <tuple>
#include <utility>

#include "traitctl/adapters/batch_database.hpp"
#include "traitctl/adapters/ledger_store.hpp"

namespace traitctl::e2e {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::int64_t epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::vector<json> history(const FakeCluster& cluster) {
  const json state = cluster.state();
  if (!state.contains("history")) {
    return {};
  }
  return state.at("history").get<std::vector<json>>();
}

// `<prefix>-<digits>` exactly: sibling batches (`<prefix>-x-1`) do not count.
bool in_batch(std::string_view prefix, std::string_view name) {
  if (name.size() <= prefix.size() + 1 || !name.starts_with(prefix) || name[prefix.size()] != '-') {
    return false;
  }
  const std::string_view digits = name.substr(prefix.size() + 1);
  return std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// The largest sum of `weight(workload)` over the batch's workloads alive at
// one moment from `since_ms` on, alive meaning created <= t < min(end, deleted).
template <typename T, typename Weight>
T peak_alive(const FakeCluster& cluster, std::string_view prefix, std::int64_t since_ms, Weight weight) {
  struct Event {
    std::int64_t time;
    bool starts;  // at equal times ends come first, since the intervals are half-open
    T weight;
  };
  std::vector<Event> events;
  for (const auto& w : history(cluster)) {
    if (!in_batch(prefix, w.at("name").get<std::string>())) {
      continue;
    }
    std::int64_t end = w.at("end_ms").get<std::int64_t>();
    if (!w.at("deleted_ms").is_null()) {
      end = std::min(end, w.at("deleted_ms").get<std::int64_t>());
    }
    const std::int64_t start = std::max(w.at("created_ms").get<std::int64_t>(), since_ms);
    if (end <= start) {
      continue;
    }
    events.push_back({start, true, weight(w)});
    events.push_back({end, false, weight(w)});
  }
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    return std::tie(a.time, a.starts) < std::tie(b.time, b.starts);
  });
  T alive{};
  T most{};
  for (const auto& event : events) {
    if (event.starts) {
      alive += event.weight;
      most = std::max(most, alive);
    } else {
      alive -= event.weight;
    }
  }
  return most;
}

CommandResult run(const std::vector<std::string>& argv, EnvironmentOverrides environment, Duration timeout) {
  ProcessOptions options;
  options.timeout = timeout;
  options.inherit_environment = false;
  options.environment = std::move(environment);
  auto output = run_process(argv, options);
  if (!output) {
    return {-1, "", fmt::format("[harness] cannot run {}: {}", argv.front(), output.error().message)};
  }
  if (output->timed_out) {
    return {-1, output->out, output->err + fmt::format("[harness] timed out after {} ms\n", timeout.count())};
  }
  const int code = output->term_signal != 0 ? 128 + output->term_signal : output->exit_code;
  return {code, std::move(output->out), std::move(output->err)};
}

}  // namespace

FakeCluster::FakeCluster() {
  std::string pattern = (fs::temp_directory_path() / "traitctl-e2e-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed for " + pattern);
  }
  dir_ = pattern;
}

FakeCluster::~FakeCluster() {
  if (std::getenv("KEEP_E2E_DIRS") != nullptr) {
    return;
  }
  std::error_code ignored;  // a destructor must not throw; a leftover temp dir is harmless
  fs::remove_all(dir_, ignored);
}

fs::path FakeCluster::bin_dir() { return FAKE_RUNAI_BIN_DIR; }

EnvironmentOverrides FakeCluster::environment() const {
  return {{"PATH", bin_dir().string() + ":/usr/bin:/bin"},
          {"FAKE_RUNAI_DIR", dir_.string()},
          {"TRAITCTL_STATE_DIR", state_dir().string()},
          {"HOME", dir_.string()}};
}

void FakeCluster::write_config(const json& config) const {
  const fs::path temp = dir_ / "config.json.tmp";
  std::ofstream(temp) << config.dump(2) << '\n';
  fs::rename(temp, dir_ / "config.json");
}

void FakeCluster::release_held_jobs() const { std::ofstream(dir_ / "release") << "released\n"; }

json FakeCluster::state() const {
  std::ifstream in(dir_ / "state.json");
  return in ? json::parse(in) : json::object();
}

std::vector<json> FakeCluster::calls() const {
  // A fake still writing its line leaves it without the newline: tests poll
  // this file while calls run, so only complete lines count.
  std::vector<json> calls;
  const std::string text = read_text(dir_ / "calls.jsonl");
  std::size_t start = 0;
  for (std::size_t end = text.find('\n'); end != std::string::npos; end = text.find('\n', start)) {
    if (end > start) {
      calls.push_back(json::parse(text.substr(start, end - start)));
    }
    start = end + 1;
  }
  return calls;
}

std::vector<std::string> argv_of(const json& call) {
  std::vector<std::string> argv;
  for (const auto& hex : call.at("argv_hex")) {
    const auto digits = hex.get<std::string>();
    std::string bytes;
    for (std::size_t i = 0; i + 1 < digits.size(); i += 2) {
      bytes += static_cast<char>(std::stoi(digits.substr(i, 2), nullptr, 16));
    }
    argv.push_back(std::move(bytes));
  }
  return argv;
}

int FakeCluster::count_calls(std::string_view subcommand) const {
  int count = 0;
  for (const auto& call : calls()) {
    const auto& argv = call.at("argv");
    // v2: `<kind> <command> ...`; v1: `<command> ...`.
    const bool matches =
        (!argv.empty() && argv[0] == subcommand) || (argv.size() > 1 && argv[1] == subcommand);
    count += matches ? 1 : 0;
  }
  return count;
}

int FakeCluster::max_in_flight(std::string_view prefix) const {
  return max_in_flight_since(prefix, std::numeric_limits<std::int64_t>::min());
}

int FakeCluster::max_in_flight_since(std::string_view prefix, std::int64_t t_ms) const {
  return peak_alive<int>(*this, prefix, t_ms, [](const json&) { return 1; });
}

double FakeCluster::max_cpu_in_flight(std::string_view prefix) const {
  return peak_alive<double>(*this, prefix, std::numeric_limits<std::int64_t>::min(), [](const json& w) {
    return w.at("cpu_cores").is_null() ? 0.0 : w.at("cpu_cores").get<double>();
  });
}

std::uint64_t FakeCluster::max_memory_in_flight(std::string_view prefix) const {
  return peak_alive<std::uint64_t>(
      *this, prefix, std::numeric_limits<std::int64_t>::min(), [](const json& w) {
        return w.at("memory_bytes").is_null() ? std::uint64_t{0} : w.at("memory_bytes").get<std::uint64_t>();
      });
}

std::vector<std::string> FakeCluster::memory_per_creation(std::string_view name) const {
  std::vector<std::string> requests;
  for (const auto& w : history(*this)) {
    if (w.at("name") == name) {
      requests.push_back(w.at("memory_request").is_null() ? "" : w.at("memory_request").get<std::string>());
    }
  }
  return requests;
}

std::vector<int> FakeCluster::exit_codes_per_creation(std::string_view name) const {
  std::vector<int> codes;
  for (const auto& w : history(*this)) {
    if (w.at("name") == name) {
      codes.push_back(w.at("exit_code").get<int>());
    }
  }
  return codes;
}

int FakeCluster::count_answers(std::string_view answer) const {
  const auto all = calls();
  return static_cast<int>(std::count_if(
      all.begin(), all.end(), [&](const json& call) { return call.value("answer", "") == answer; }));
}

std::map<std::string, int> FakeCluster::creations_per_name() const {
  std::map<std::string, int> counts;
  for (const auto& w : history(*this)) {
    ++counts[w.at("name").get<std::string>()];
  }
  return counts;
}

std::string FakeCluster::current_status(std::string_view name) const {
  const auto all = history(*this);
  const auto latest =
      std::find_if(all.rbegin(), all.rend(), [&](const json& w) { return w.at("name") == name; });
  if (latest == all.rend()) {
    return "";
  }
  const json& w = *latest;
  const std::int64_t now = epoch_ms();
  if (!w.at("deleted_ms").is_null()) {
    return now < w.at("gone_ms").get<std::int64_t>() ? "Deleting" : "";
  }
  if (now < w.at("running_from_ms").get<std::int64_t>()) {
    return "Pending";
  }
  if (now < w.at("end_ms").get<std::int64_t>()) {
    return "Running";
  }
  if (w.value("stopped", false)) {
    return "Stopped";
  }
  return w.at("exit_code").get<int>() == 0 ? "Completed" : "Failed";
}

namespace {

// The cluster's environment plus `extra`, which replaces a variable rather
// than adding a second entry that the child's getenv might never see.
EnvironmentOverrides merged_environment(const FakeCluster& cluster, EnvironmentOverrides extra) {
  EnvironmentOverrides environment = cluster.environment();
  for (auto& [key, value] : extra) {
    const auto same = std::find_if(environment.begin(), environment.end(),
                                   [&key = key](const auto& entry) { return entry.first == key; });
    if (same != environment.end()) {
      same->second = std::move(value);
    } else {
      environment.emplace_back(std::move(key), std::move(value));
    }
  }
  return environment;
}

}  // namespace

CommandResult run_traitctl(const FakeCluster& cluster, std::vector<std::string> args,
                           EnvironmentOverrides extra, Duration timeout) {
  args.insert(args.begin(), TRAITCTL_BIN);
  return run(args, merged_environment(cluster, std::move(extra)), timeout);
}

HeldRun run_traitctl_held_until(const FakeCluster& cluster, std::vector<std::string> args,
                                const std::function<bool()>& reached, EnvironmentOverrides extra,
                                Duration timeout) {
  auto running = std::async(std::launch::async, [&cluster, &args, &extra, timeout] {
    return run_traitctl(cluster, std::move(args), std::move(extra), timeout);
  });
  const bool seen = wait_for([&] {
    return reached() || running.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }) && reached();
  cluster.release_held_jobs();
  return {running.get(), seen};
}

Result<ChildProcess> start_traitctl(const FakeCluster& cluster, std::vector<std::string> args,
                                    const std::filesystem::path& log, EnvironmentOverrides extra) {
  args.insert(args.begin(), TRAITCTL_BIN);
  return ChildProcess::spawn(args, merged_environment(cluster, std::move(extra)), log);
}

bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return done();
}

int wait_for_exit(ChildProcess& child, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const auto code = child.poll()) {
      return *code;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  child.terminate(std::chrono::seconds(1));
  return -1;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void write_gapit_inputs(const fs::path& data, int last_trait) {
  fs::create_directories(data / "genotype");
  fs::create_directories(data / "phenotype");
  std::ofstream(data / "genotype" / "all_chromosomes_binary.hmp.txt")
      << "rs#\talleles\tchrom\tpos\tA1\nsnp1\tA/G\t1\t100\tAA\n";
  std::ofstream phenotype(data / "phenotype" / "traits.txt");
  phenotype << "Taxa";
  for (int column = 2; column <= last_trait; ++column) {
    phenotype << "\ttrait" << column;
  }
  phenotype << "\nA1";
  for (int column = 2; column <= last_trait; ++column) {
    phenotype << "\t1.0";
  }
  phenotype << '\n';
}

std::vector<int> ints(const nlohmann::json& array) { return array.get<std::vector<int>>(); }

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> state_dir_problems(const FakeCluster& cluster) {
  std::vector<std::string> problems;
  std::error_code error;
  for (fs::recursive_directory_iterator it(cluster.state_dir(), error), end; !error && it != end;
       it.increment(error)) {
    const std::string file = it->path().filename().string();
    if (file.find(".tmp-") != std::string::npos) {
      problems.push_back(fmt::format("temporary file left behind: {}", it->path().string()));
    } else if (file.ends_with(".db")) {
      if (auto db = open_batch_database(it->path(), sqlite::Access::ReadOnly); !db) {
        problems.push_back(fmt::format("batch database unreadable: {}", db.error().message));
      }
    } else if (file == "journal.jsonl") {
      const std::string text = read_text(it->path());
      if (!text.empty() && !text.ends_with('\n')) {
        problems.push_back(fmt::format("{} ends in a partial line", it->path().string()));
      }
      std::istringstream journal(text);
      int number = 0;
      for (std::string line; std::getline(journal, line);) {
        ++number;
        if (!json::accept(line)) {
          problems.push_back(fmt::format("{}:{} is not JSON: {}", it->path().string(), number, line));
        }
      }
    }
  }
  return problems;
}

bool wait_until_ended(const FakeCluster& cluster, const std::vector<std::string>& names,
                      std::chrono::milliseconds limit) {
  const auto ended = [&] {
    return std::all_of(names.begin(), names.end(), [&](const std::string& name) {
      const std::string status = cluster.current_status(name);
      return status == "Completed" || status == "Failed";
    });
  };
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!ended()) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

json read_ledger(const FakeCluster& cluster, std::string_view project, std::string_view prefix) {
  auto store = LedgerStore::open(cluster.state_dir(), std::string(project), std::string(prefix));
  if (!store || !std::filesystem::exists(store->database_path())) {
    return json::object();
  }
  auto ledger = store->load();
  if (!ledger) {
    throw std::runtime_error(ledger.error().message);
  }
  return to_json(*ledger);
}

std::vector<std::string> attempt_problems(const FakeCluster& cluster, std::string_view project,
                                          std::string_view prefix, const std::map<int, int>& creations) {
  std::vector<std::string> problems;
  const auto all = history(cluster);
  const json traits = read_ledger(cluster, project, prefix).value("traits", json::object());
  for (const auto& [trait, expected] : creations) {
    const std::string name = fmt::format("{}-{}", prefix, trait);
    std::vector<std::string> attempts;
    for (const auto& workload : all) {
      if (workload.at("name") == name) {
        // traitctl sets TRAITCTL_ATTEMPT from the second attempt on.
        attempts.push_back(workload.at("environment").value("TRAITCTL_ATTEMPT", "1"));
      }
    }
    std::vector<std::string> in_order;
    for (int attempt = 1; attempt <= expected; ++attempt) {
      in_order.push_back(std::to_string(attempt));
    }
    if (attempts != in_order) {
      problems.push_back(fmt::format("{}: created with attempts [{}], expected [{}]", name,
                                     fmt::join(attempts, ", "), fmt::join(in_order, ", ")));
    }
    const json record = traits.value(std::to_string(trait), json::object());
    const int retries = record.value("automatic_retries", 0);
    if (retries != static_cast<int>(attempts.size()) - 1) {
      problems.push_back(fmt::format("{}: the ledger counts {} automatic retries for {} creations: {}", name,
                                     retries, attempts.size(), record.dump()));
    }
    const json pending = record.value("pending", json());
    const bool latest_sent = pending.is_object() && pending.value("kind", "") == "sent" &&
                             pending.value("attempt", 0) == static_cast<int>(attempts.size());
    if (!pending.is_null() && !latest_sent) {
      problems.push_back(fmt::format("{}: an intent left pending in the ledger: {}", name, record.dump()));
    }
  }
  return problems;
}

std::vector<std::string> healthy_jobs_deleted(const FakeCluster& cluster, std::string_view prefix) {
  std::vector<std::string> deleted;
  for (const auto& w : history(cluster)) {
    const std::string name = w.at("name").get<std::string>();
    if (w.at("deleted_ms").is_null() || !name.starts_with(std::string(prefix) + "-")) {
      continue;
    }
    const bool before_end = w.at("deleted_ms").get<std::int64_t>() < w.at("end_ms").get<std::int64_t>();
    if (before_end || w.at("exit_code").get<int>() == 0) {
      deleted.push_back(fmt::format("{} (attempt {})", name, w.at("attempt").get<int>()));
    }
  }
  return deleted;
}

CommandResult run_fake_runai(const FakeCluster& cluster, std::vector<std::string> args, Duration timeout) {
  args.insert(args.begin(), (FakeCluster::bin_dir() / "runai").string());
  return run(args, cluster.environment(), timeout);
}

std::set<std::string> documented_report_keys(std::string_view section) {
  const std::string docs = read_text(std::filesystem::path(TRAITCTL_SOURCE_DIR) / "docs" / "reports-json.md");
  std::set<std::string> keys;
  bool inside = false;
  for (const std::string& line : lines_of(docs)) {
    if (line.starts_with("## ")) {
      inside = line == section;
    } else if (inside && line.starts_with("| `")) {
      const std::size_t cell_end = line.find('|', 1);
      const std::string first_cell = line.substr(1, cell_end - 1);
      if (line.substr(cell_end).starts_with("| only when")) {
        continue;  // present in some reports only
      }
      std::size_t open = first_cell.find('`');
      while (open != std::string::npos) {
        const std::size_t close = first_cell.find('`', open + 1);
        if (close == std::string::npos) {
          break;
        }
        keys.insert(first_cell.substr(open + 1, close - open - 1));
        open = first_cell.find('`', close + 1);
      }
    }
  }
  return keys;
}

CommandResult submit_to_fake(const FakeCluster& cluster, const std::string& name,
                             const std::string& project) {
  return run_fake_runai(cluster, {"workspace", "submit", name, "--project", project, "--image", "gapit:1",
                                  "--command", "--", "/entrypoint.sh"});
}

}  // namespace traitctl::e2e
