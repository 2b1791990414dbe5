// config.json: how the simulated cluster behaves. Written by tests (and read
// again on every call, so a test may change it between calls); every key is
// optional. "Batch" below means the workloads named exactly `<prefix>-<digits>`
// with the same prefix in the same project, and a workload is "alive" at t when
// created_ms <= t < min(end_ms, deleted_ms), as the harness's max_in_flight counts.
//
//   version                 "2.18", "2.20" (default), "2.25" or "v1": the CLI imitated, with
//                           its list flags, table headers and truncation
//   pending_ms, running_ms  how long a new job is Pending (100), then Running (300)
//   deleting_ms             how long a deleted job is still listed as Deleting (0)
//   latency_ms              spent before every call, outside the lock (0)
//   plans                   {"name": [exit code of attempt 1, 2, ...]}; the last entry
//                           repeats; other names exit default_exit_code (0)
//   stopped                 ["name", ...]: someone stops each job of these names while it
//                           runs (`runai workspace suspend`): from its planned end on it is
//                           listed Stopped (no pods; not terminal, FORMATS.md) and stays so
//   describe_reveals_exit_code  false: `describe -o json` carries no container exit
//                           codes or states at all (true)
//   ansi                    colour the status cells (false)
//   other_workloads         [{"name", "project", "status" (Running), "kind" (workspace)}]:
//                           other users' jobs, listed before ours, never changing
//   logs_unavailable        ["name", ...]: `logs` fails for these
//   faults                  seeded faults, each drawn per call from seed and call number:
//     seed, transient_rate, ghost_submit_rate, hang_rate, unknown_status_rate, garbage_rate
//     lost_delete_rate      a delete takes effect but answers with a Go client timeout
//     lost_delete_hang      a lost delete answer (by rate or by name) hangs until killed
//                           instead of printing the timeout (false)
//   lost_deletes            ["name", ...]: the first delete of each name that takes effect
//                           loses its answer (later deletes of that name answer normally)
//   lost_submit_rate        (in faults) a submit that creates the job answers with a Go
//                           client timeout all the same (FORMATS.md: "a submit that says
//                           failed may have created the job"), by a seeded draw
//   lost_submits            {"name": [k, ...]}: the call that creates attempt k of that name
//                           (its k-th job) loses its answer likewise
//   lost_resubmits          every call that creates an attempt from the 2nd on loses its
//                           answer likewise (false)
//   list_lag_ms             a workload created less than this long ago is missing from every
//                           listing (describe, logs and delete find it) (0)
//   other_churn             {"count", "vanish_per_list_call", "status" (Running), "kind"
//                           (workspace), "project" (every project)}: `count` other users'
//                           workloads `other-0000-nb`, ... listed after other_workloads and
//                           before ours; every list call that gets as far as listing (not
//                           --help, a transient fault or a missing --project) first removes
//                           the `vanish_per_list_call` oldest still present (state.json's
//                           list_calls counts those calls, not the clock). So a row at
//                           --offset 1000..1006 when page 1 was read is at 993..999 when page
//                           2 is: seen on neither. 2.25's --next-token is an offset in the
//                           fake and skips alike; an unpaged 2.25 call sees all present.
//                           A present pool name is taken for submit.
//   memory_needed           {"name": "96G"}: that job exits 137 (OOMKilled) when its
//                           --cpu-memory-request is absent or below the amount, else it
//                           follows its plan
//   describe_init_containers  describe shows an init container `data-sync` under the pod's
//                           `initContainers` (false)
//   init_exit_code          that init container's exit code (0); a non-zero one is reported
//                           like a restartable init container (a native sidecar) stopped with
//                           the pod: the job still follows its plan
//   describe_sidecar        describe lists a `log-shipper` container, exit 0, after the main
//                           container (false)
//   no_outputs              ["name", ...] or {"name": [attempt, ...]}: those jobs exit 0
//                           without writing GAPIT's result file (every attempt, or the listed)
//   nodes                   ["node", ...]: the nodes workloads are placed on, round robin in
//                           submission order (["runai-cluster-worker"]); describe shows a
//                           running or ended pod's nodeName, the v1 table its NODE cell
//   bad_node                "node": every job placed there exits 2 with the mount-failure log
//                           (its /data never mounts), whatever its plan or memory
//   mount_failure_above     K: a job that reaches Running while more than K workloads of its
//                           batch (itself included) are alive exits 2 with the mount-failure
//                           log, whatever its plan or memory
//   hold                    true, ["name", ...] or {"name": [attempt, ...]}: those jobs
//                           (every job when true; every attempt of a listed name) stay
//                           Running past running_ms until the test creates the file
//                           `release` in $FAKE_RUNAI_DIR; from the first call that sees it on,
//                           each ends at its planned end or at that call, whichever is later
//                           (a job submitted once the file exists is not held). Until then
//                           state.json gives a held job an end_ms far in the future.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace fake_runai {

struct OtherWorkload {
  std::string name;
  std::string project;
  std::string status;
  std::string kind;
};

// Other users' workloads that end one after another, oldest first.
struct OtherChurn {
  std::uint64_t count = 0;
  std::uint64_t vanish_per_list_call = 0;
  std::string status = "Running";
  std::string kind = "workspace";
  std::optional<std::string> project;  // every project when absent
};

struct Faults {
  std::uint64_t seed = 0;
  double transient_rate = 0;
  double ghost_submit_rate = 0;
  double hang_rate = 0;
  double unknown_status_rate = 0;
  double garbage_rate = 0;
  double lost_delete_rate = 0;
  bool lost_delete_hang = false;
  double lost_submit_rate = 0;
};

struct Config {
  std::string version = "2.20";
  std::int64_t pending_ms = 100;
  std::int64_t running_ms = 300;
  std::int64_t deleting_ms = 0;
  std::int64_t latency_ms = 0;
  std::map<std::string, std::vector<int>> plans;
  int default_exit_code = 0;
  std::set<std::string> stopped;
  bool describe_reveals_exit_code = true;
  bool ansi = false;
  std::vector<OtherWorkload> other_workloads;
  std::set<std::string> logs_unavailable;
  Faults faults;
  std::set<std::string> lost_deletes;
  std::map<std::string, std::set<int>> lost_submits;
  bool lost_resubmits = false;
  std::int64_t list_lag_ms = 0;
  OtherChurn other_churn;
  std::map<std::string, std::uint64_t> memory_needed;  // bytes
  bool describe_init_containers = false;
  int init_exit_code = 0;
  bool describe_sidecar = false;
  std::map<std::string, std::set<int>> no_outputs;  // an empty set: every attempt
  std::optional<int> mount_failure_above;
  bool hold_all = false;
  std::map<std::string, std::set<int>> hold;  // an empty set: every attempt

  [[nodiscard]] bool holds(const std::string& name, int attempt) const {
    const auto it = hold.find(name);
    return hold_all || (it != hold.end() && (it->second.empty() || it->second.contains(attempt)));
  }
  std::vector<std::string> nodes{"runai-cluster-worker"};
  std::string bad_node;

  [[nodiscard]] bool v1() const { return version == "v1"; }
  [[nodiscard]] bool v225() const { return version == "2.25"; }
};

// The configuration in `path`, or every default when there is no such file.
Config load_config(const std::filesystem::path& path);

// Bytes of a Kubernetes quantity as runai's --cpu-memory-request takes it: a
// decimal number and one of k M G T P E (powers of 1000) or Ki Mi Gi Ti Pi Ei
// (powers of 1024), or none; a fraction of a byte rounds up. nullopt when it
// is not one.
std::optional<std::uint64_t> quantity_bytes(std::string_view text);

}  // namespace fake_runai
