#include "cluster.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <system_error>
#include <thread>
#include <vector>

#include "traitctl/adapters/state_file.hpp"
#include "traitctl/core/parse.hpp"

namespace traitctl::slurm_test {
namespace {

namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

// Slurm's CPU count for the node: more than the cores it really has
// (SlurmdParameters=config_overrides lets slurmd believe it), so that several
// one-CPU jobs run at once on a 2-core machine.
constexpr int kMinimumCpus = 8;
constexpr double kMemoryShare = 0.8;
// sinfo shows the node idle after about 1 s; a loaded machine may take longer.
constexpr auto kStartLimit = std::chrono::seconds(30);
constexpr auto kStopLimit = std::chrono::seconds(5);
constexpr Duration kCallTimeout{20'000};
// Unix socket paths (munged's, and slurmstepd's in the spool folder) hold at
// most 107 bytes and a NUL: 108.
constexpr std::size_t kMaxSocketPath = 107;
constexpr std::array kDaemonPidFiles = {"slurmd.pid", "slurmctld.pid", "munged.pid"};
// The cluster runs in a short folder of its own, whatever folder the caller
// names (a build tree may be deep); the caller's folder only records where.
constexpr std::string_view kClusterFolderPrefix = "/tmp/traitctl-sc-";
constexpr const char* kLocationFile = "location";

struct Programs {
  std::string munged;
  std::string slurmctld;
  std::string slurmd;
  std::string sinfo;
};

// Daemons live in sbin, which a non-root PATH often lacks.
Result<std::string> find_program(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = path != nullptr ? path : "";
  dirs += ":/usr/sbin:/sbin:/usr/bin:/bin";
  std::istringstream list(dirs);
  for (std::string dir; std::getline(list, dir, ':');) {
    const fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
  }
  return make_error(ErrorKind::NotFound,
                    "'{}' not found: the Slurm tests need the Debian packages slurmctld slurmd slurm-client "
                    "munge (scripts/install-deps.sh installs them)",
                    name);
}

Result<Programs> find_programs() {
  Programs programs;
  for (auto [name, slot] :
       {std::pair{"munged", &programs.munged}, std::pair{"slurmctld", &programs.slurmctld},
        std::pair{"slurmd", &programs.slurmd}, std::pair{"sinfo", &programs.sinfo}}) {
    auto found = find_program(name);
    if (!found) {
      return found.error();
    }
    *slot = std::move(*found);
  }
  return programs;
}

// "" for a file that cannot be read: a process that has just ended.
std::string read_whole(const fs::path& path) {
  auto content = read_file_contents(path);
  return content ? std::move(*content) : std::string();
}

std::vector<std::string> nul_separated(const std::string& text) {
  std::vector<std::string> words;
  std::istringstream in(text);
  for (std::string word; std::getline(in, word, '\0');) {
    words.push_back(word);
  }
  return words;
}

// Every other process whose environment holds `entry`: the daemons, and the
// slurmstepd and job processes they started, which outlive slurmd.
std::vector<pid_t> processes_with_environment(const std::string& entry) {
  std::vector<pid_t> found;
  std::error_code error;
  for (const auto& item : fs::directory_iterator("/proc", error)) {
    const std::string name = item.path().filename().string();
    if (name.empty() || !std::all_of(name.begin(), name.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(name));
    const auto environment = nul_separated(read_whole(item.path() / "environ"));
    if (pid != ::getpid() && std::find(environment.begin(), environment.end(), entry) != environment.end()) {
      found.push_back(pid);
    }
  }
  return found;
}

bool wait_until_gone(const std::vector<pid_t>& pids, std::chrono::milliseconds limit) {
  const auto give_up = SteadyClock::now() + limit;
  while (std::any_of(pids.begin(), pids.end(), process_running)) {
    if (SteadyClock::now() >= give_up) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

// The pid in a daemon's pid file, if that process still runs from `dir` (its
// command line names the folder): a recycled pid is never signalled.
std::optional<pid_t> daemon_pid(const fs::path& dir, const char* pid_file) {
  std::istringstream in(read_whole(dir / pid_file));
  long pid = 0;
  if (!(in >> pid) || pid <= 1) {
    return std::nullopt;
  }
  const std::string command_line = read_whole(fs::path("/proc") / std::to_string(pid) / "cmdline");
  if (command_line.find(dir.string()) == std::string::npos || !process_running(static_cast<pid_t>(pid))) {
    return std::nullopt;
  }
  return static_cast<pid_t>(pid);
}

Result<std::string> current_user() {
  const passwd* entry = ::getpwuid(::geteuid());
  if (entry == nullptr) {
    return make_error(ErrorKind::Config, "user id {} has no name in the password database; Slurm needs one",
                      ::geteuid());
  }
  return std::string(entry->pw_name);
}

std::string short_host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0) {
    return "localhost";
  }
  const std::string full(name.data());
  return full.substr(0, full.find('.'));
}

// Two TCP ports free on every address now, chosen by the kernel; both
// sockets stay open until both are chosen so that they differ.
Result<std::pair<int, int>> free_ports() {
  std::array<int, 2> sockets{-1, -1};
  std::array<int, 2> ports{};
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    sockets.at(i) = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    socklen_t length = sizeof(address);
    // sockaddr_in is the sockaddr the socket API wants for AF_INET.
    auto* generic =
        reinterpret_cast<sockaddr*>(&address);  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
    if (sockets.at(i) < 0 || ::bind(sockets.at(i), generic, sizeof(address)) != 0 ||
        ::getsockname(sockets.at(i), generic, &length) != 0) {
      const int error = errno;
      for (int fd : sockets) {
        if (fd >= 0) ::close(fd);
      }
      return make_error(ErrorKind::Io, "cannot find a free TCP port: {}", std::strerror(error));
    }
    ports.at(i) = ntohs(address.sin_port);
  }
  for (int fd : sockets) {
    ::close(fd);
  }
  return std::pair{ports[0], ports[1]};
}

Result<void> write_munge_key(const fs::path& path) {
  // Any 128 random bytes make a key (what `mungekey -c` writes); munged
  // refuses a key readable by others.
  std::random_device random;
  std::string key;
  for (int i = 0; i < 128; ++i) {
    key += static_cast<char>(random() & 0xffU);
  }
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", path.string(), std::strerror(errno));
  }
  const bool written = ::write(fd, key.data(), key.size()) == static_cast<ssize_t>(key.size());
  ::close(fd);
  if (!written) {
    return make_error(ErrorKind::Io, "cannot write {}", path.string());
  }
  return {};
}

std::string slurm_conf(const fs::path& dir, const ClusterFacts& facts, const ClusterOptions& options,
                       const std::string& user, std::pair<int, int> ports) {
  const std::string d = dir.string();
  std::ostringstream conf;
  conf << "# Generated by traitctl's Slurm test fixture (tests/slurm/cluster.cpp).\n"
       << "ClusterName=traitctl-test\n"
       << "SlurmctldHost=" << facts.node << "(127.0.0.1)\n"
       << "SlurmUser=" << user << "\nSlurmdUser=" << user << '\n'
       << "SlurmctldPort=" << ports.first << "\nSlurmdPort=" << ports.second << '\n'
       << "AuthType=auth/munge\nCredType=cred/munge\nAuthInfo=socket=" << d << "/munge.sock\n"
       << "StateSaveLocation=" << d << "/state\nSlurmdSpoolDir=" << d << "/spool\n"
       << "SlurmctldPidFile=" << d << "/slurmctld.pid\nSlurmdPidFile=" << d << "/slurmd.pid\n"
       << "SlurmctldLogFile=" << d << "/slurmctld.log\nSlurmdLogFile=" << d << "/slurmd.log\n"
       << "PlugStackConfig=" << d << "/plugstack.conf\n"
       << "MailProg=/bin/true\nMpiDefault=none\nReturnToService=2\n"
       << "ProctrackType=proctrack/linuxproc\nTaskPlugin=task/none\n"
       // Memory is sampled every second and a job over its --mem is killed.
       << "JobAcctGatherType=jobacct_gather/linux\nJobAcctGatherParams=OverMemoryKill\n"
       << "JobAcctGatherFrequency=task=1\n"
       << "AccountingStorageType=accounting_storage/none\n"
       // Finished jobs stay listed for 5 minutes unless a test says; a
       // cancelled job gets 2 s between SIGTERM and SIGKILL.
       << "MinJobAge=" << options.min_job_age_seconds
       << "\nKillWait=2\n"
       // Schedule a submitted job at once (within the controller's 1 s loop)
       // rather than after the default 3 s batching delay.
       << "SchedulerParameters=batch_sched_delay=0\n"
       << "SelectType=select/cons_tres\nSelectTypeParameters=CR_Core_Memory\nDefMemPerCPU=100\n"
       << "SlurmdParameters=config_overrides\n"
       << "NodeName=" << facts.node << " NodeAddr=127.0.0.1 CPUs=" << facts.cpus
       << " RealMemory=" << facts.memory_mb << " State=UNKNOWN\n"
       << "PartitionName=" << facts.partition << " Nodes=" << facts.node
       << " Default=YES MaxTime=INFINITE State=UP\n";
  return conf.str();
}

std::string log_tail(const fs::path& path) {
  const std::string text = read_whole(path);
  constexpr std::size_t kTail = 1'500;
  return text.size() > kTail ? "..." + text.substr(text.size() - kTail) : text;
}

Error daemon_error(const fs::path& dir, std::string_view what, std::string_view detail) {
  std::string logs;
  for (const char* log : {"munged.log", "slurmctld.log", "slurmd.log"}) {
    if (fs::exists(dir / log)) {
      logs += fmt::format("\n--- {} ---\n{}", log, log_tail(dir / log));
    }
  }
  return make_error(ErrorKind::Backend, "the test Slurm cluster in {} did not start: {}: {}{}", dir.string(),
                    what, detail, logs);
}

Result<void> run_daemon(const fs::path& dir, const std::vector<std::string>& argv,
                        const EnvironmentOverrides& environment) {
  ProcessOptions options;
  options.timeout = kCallTimeout;
  options.environment = environment;
  auto output = run_process(argv, options);
  if (!output) {
    return output.error();
  }
  if (!output->succeeded()) {
    return daemon_error(dir, shell_join(argv), printable(output->err + output->out));
  }
  return {};
}

Result<void> wait_until_idle(const fs::path& dir, const Programs& programs, const ClusterFacts& facts,
                             const EnvironmentOverrides& environment) {
  const std::vector<std::string> argv{programs.sinfo, "-h", "-N", "-n", facts.node, "-o", "%T"};
  ProcessOptions options;
  options.timeout = kCallTimeout;
  options.environment = environment;
  const auto give_up = SteadyClock::now() + kStartLimit;
  std::string last;
  while (SteadyClock::now() < give_up) {
    auto output = run_process(argv, options);
    if (!output) {
      return output.error();
    }
    last = output->out + output->err;
    if (output->succeeded() && output->out == "idle\n") {
      return {};
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return daemon_error(dir, "the node never became idle; sinfo said", printable(last));
}

nlohmann::json to_json(const ClusterFacts& facts) {
  return {{"node", facts.node},
          {"partition", facts.partition},
          {"cpus", facts.cpus},
          {"memory_mb", facts.memory_mb},
          {"client_bin", facts.client_bin.string()}};
}

ClusterFacts facts_from_json(const nlohmann::json& json) {
  return {json.at("node").get<std::string>(), json.at("partition").get<std::string>(),
          json.at("cpus").get<int>(), json.at("memory_mb").get<std::uint64_t>(),
          json.at("client_bin").get<std::string>()};
}

Result<ClusterFacts> host_facts(const Programs& programs) {
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page_size <= 0) {
    return make_error(ErrorKind::Io, "cannot read the machine's memory size");
  }
  ClusterFacts facts;
  facts.node = short_host_name();
  facts.partition = "debug";
  facts.cpus = std::max(kMinimumCpus, static_cast<int>(std::thread::hardware_concurrency()));
  const double megabytes = static_cast<double>(pages) * static_cast<double>(page_size) / (1024.0 * 1024.0);
  facts.memory_mb = static_cast<std::uint64_t>(megabytes * kMemoryShare);
  facts.client_bin = fs::path(programs.sinfo).parent_path();
  return facts;
}

Result<void> write_configuration(const fs::path& dir, const ClusterFacts& facts,
                                 const ClusterOptions& options) {
  auto user = current_user();
  if (!user) {
    return user.error();
  }
  auto ports = free_ports();
  if (!ports) {
    return ports.error();
  }
  if (auto key = write_munge_key(dir / "munge.key"); !key) {
    return key;
  }
  // An empty plugin stack keeps /etc/slurm/plugstack.conf out.
  for (const auto& [name, content] : {std::pair{"plugstack.conf", std::string()},
                                      std::pair{"slurm.conf", slurm_conf(dir, facts, options, *user, *ports)},
                                      std::pair{"cluster.json", to_json(facts).dump(2) + "\n"}}) {
    if (auto written = write_file_atomically(dir / name, content); !written) {
      return written;
    }
  }
  return {};
}

Result<void> start_daemons(const fs::path& dir, const Programs& programs, const ClusterFacts& facts,
                           const EnvironmentOverrides& environment) {
  const std::string d = dir.string();
  const std::string conf = (dir / "slurm.conf").string();
  const std::vector<std::vector<std::string>> commands{
      {programs.munged, "--socket=" + d + "/munge.sock", "--pid-file=" + d + "/munged.pid",
       "--log-file=" + d + "/munged.log", "--seed-file=" + d + "/munged.seed",
       "--key-file=" + d + "/munge.key",
       // Runs although the folder's permissions are not what a system install has.
       "--force"},
      // -c: no state from a previous cluster.
      {programs.slurmctld, "-c", "-f", conf},
      {programs.slurmd, "-f", conf, "-N", facts.node}};
  for (const auto& argv : commands) {
    if (auto started = run_daemon(dir, argv, environment); !started) {
      return started;
    }
  }
  return wait_until_idle(dir, programs, facts, environment);
}

// The folder the cluster recorded in `dir` runs from; nullopt when none is
// recorded, or the record is not a folder start() makes (never removed then).
std::optional<fs::path> recorded_location(const fs::path& dir) {
  std::string text = read_whole(dir / kLocationFile);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) {
    text.pop_back();
  }
  const bool ours = text.starts_with(kClusterFolderPrefix) && text.find('/', kClusterFolderPrefix.size()) ==
                                                                  std::string::npos;
  if (!ours || text.size() == kClusterFolderPrefix.size() || text.find("..") != std::string::npos) {
    return std::nullopt;
  }
  return fs::path(text);
}

// A new short folder for a cluster, recorded in `dir`.
Result<fs::path> make_cluster_folder(const fs::path& dir) {
  std::error_code error;
  fs::create_directories(dir, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", dir.string(), error.message());
  }
  std::string pattern = std::string(kClusterFolderPrefix) + "XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return make_error(ErrorKind::Io, "cannot create a folder {}: {}", pattern, std::strerror(errno));
  }
  if (auto written = write_file_atomically(dir / kLocationFile, pattern + "\n"); !written) {
    fs::remove(pattern, error);
    return written.error();
  }
  return fs::path(pattern);
}

// The longest Unix socket path of a cluster in `dir` on `node`: slurmstepd's,
// <spool>/<node>_<job id>.<step id>, with ids as long as they get.
std::string longest_socket_path(const fs::path& dir, const std::string& node) {
  return (dir / "spool" / fmt::format("{}_4294967294.4294967294", node)).string();
}

// Stops the daemons and jobs of the cluster whose files are in `dir` itself
// (start()'s folder, or an older fixture's) and removes `dir`.
Result<void> stop_folder(const fs::path& dir) {
  if (!fs::exists(dir)) {
    return {};
  }
  std::vector<pid_t> daemons;
  for (const char* pid_file : kDaemonPidFiles) {
    if (const auto pid = daemon_pid(dir, pid_file)) {
      ::kill(*pid, SIGTERM);
      daemons.push_back(*pid);
    }
  }
  wait_until_gone(daemons, kStopLimit);
  // What ignored SIGTERM, and the job processes slurmd left behind.
  const auto stragglers = processes_with_environment("SLURM_CONF=" + (dir / "slurm.conf").string());
  for (const pid_t pid : stragglers) {
    ::kill(pid, SIGKILL);
  }
  if (!wait_until_gone(stragglers, kStopLimit)) {
    return make_error(ErrorKind::Process, "processes of the test Slurm cluster in {} survived SIGKILL",
                      dir.string());
  }
  std::error_code error;
  fs::remove_all(dir, error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot remove {}: {}", dir.string(), error.message());
  }
  return {};
}

}  // namespace

bool process_running(pid_t pid) {
  const std::string stat = read_whole(fs::path("/proc") / std::to_string(pid) / "stat");
  const std::size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= stat.size()) {
    return false;
  }
  const char state = stat[name_end + 2];
  return state != 'Z' && state != 'X';
}

Result<SlurmCluster> SlurmCluster::start(const fs::path& record, const ClusterOptions& options) {
  auto programs = find_programs();
  if (!programs) {
    return programs.error();
  }
  if (auto stopped = stop(record); !stopped) {
    return stopped.error();
  }
  auto facts = host_facts(*programs);
  if (!facts) {
    return facts.error();
  }
  auto made = make_cluster_folder(record);
  if (!made) {
    return made.error();
  }
  const fs::path dir = *made;
  if (const std::string socket = longest_socket_path(dir, facts->node); socket.size() > kMaxSocketPath) {
    (void)stop(record);
    return make_error(ErrorKind::Config,
                      "the test cluster's socket path {} is {} bytes, over the 108-byte limit of a Unix "
                      "socket path: use a shorter host name",
                      socket, socket.size() + 1);
  }
  std::error_code error;
  fs::create_directories(dir / "state", error);
  fs::create_directories(dir / "spool", error);
  if (error) {
    return make_error(ErrorKind::Io, "cannot create {}: {}", dir.string(), error.message());
  }
  if (auto written = write_configuration(dir, *facts, options); !written) {
    return written.error();
  }
  SlurmCluster cluster(record, dir, std::move(*facts));
  if (auto started = start_daemons(dir, *programs, cluster.facts(), cluster.environment()); !started) {
    (void)stop(record);
    return started.error();
  }
  return cluster;
}

Result<SlurmCluster> SlurmCluster::attach(const fs::path& record) {
  const auto dir = recorded_location(record);
  const std::string text = dir ? read_whole(*dir / "cluster.json") : "";
  const auto json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!dir || json.is_discarded()) {
    return make_error(ErrorKind::NotFound,
                      "no test Slurm cluster runs from {}: run the tests with ctest (its slurm_cluster fixture "
                      "starts one) or unset TRAITCTL_SLURM_CLUSTER",
                      record.string());
  }
  try {
    return SlurmCluster(record, *dir, facts_from_json(json));
  } catch (const nlohmann::json::exception& e) {
    return make_error(ErrorKind::Parse, "{}: {}", (*dir / "cluster.json").string(), e.what());
  }
}

Result<void> SlurmCluster::stop(const fs::path& record) {
  if (const auto dir = recorded_location(record)) {
    if (auto stopped = stop_folder(*dir); !stopped) {
      return stopped;
    }
  }
  return stop_folder(record);  // also a cluster an older fixture ran in the record's folder itself
}

EnvironmentOverrides SlurmCluster::environment() const {
  std::string path = facts_.client_bin.string();
  if (path != "/usr/bin") {
    path += ":/usr/bin";
  }
  return {{"SLURM_CONF", conf_path().string()}, {"PATH", path + ":/bin"}};
}

}  // namespace traitctl::slurm_test
