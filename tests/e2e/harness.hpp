// End-to-end test support: a fake cluster (the fake `runai`'s state directory)
// and a runner for the built traitctl with a clean environment.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "traitctl/adapters/process.hpp"
#include "traitctl/core/clock.hpp"

namespace traitctl::e2e {

struct CommandResult {
  int exit_code;  // 128 + signal when a signal ended the child, -1 on timeout or spawn failure
  std::string out;
  std::string err;
};

// A unique directory under /tmp holding the fake runai's config.json,
// state.json and calls.jsonl. Removed by the destructor unless KEEP_E2E_DIRS
// is set in the test's environment.
class FakeCluster {
 public:
  FakeCluster();
  FakeCluster(const FakeCluster&) = delete;
  FakeCluster& operator=(const FakeCluster&) = delete;
  ~FakeCluster();

  [[nodiscard]] const std::filesystem::path& dir() const { return dir_; }
  // traitctl's --state-dir in environment(): the ledger, lock and journal.
  [[nodiscard]] std::filesystem::path state_dir() const { return dir_ / "state"; }
  // The folder holding the fake `runai`, to put first on PATH.
  [[nodiscard]] static std::filesystem::path bin_dir();
  // PATH, FAKE_RUNAI_DIR, TRAITCTL_STATE_DIR and HOME for a child.
  [[nodiscard]] EnvironmentOverrides environment() const;

  // Replaces config.json (atomically, so a concurrent call never reads half).
  void write_config(const nlohmann::json& config) const;
  // Creates the fake's release file: the jobs config.json's "hold" keeps Running
  // end from the fake's next call on (at their planned end if that is later).
  void release_held_jobs() const;
  // state.json ({"call_count", "list_calls", "history": [...], "lost_delete_answers"}),
  // or {} before the first call.
  [[nodiscard]] nlohmann::json state() const;
  // Every recorded call: {"t_ms", "argv" (after the program name), "argv_hex"
  // (each argument's bytes in hex: exact where argv is not UTF-8), "exit"
  // (null for a hang), "answer" (only when a fault or a race shaped it)}.
  [[nodiscard]] std::vector<nlohmann::json> calls() const;
  // Calls whose command word is `subcommand` ("submit", "delete", "list", ...).
  [[nodiscard]] int count_calls(std::string_view subcommand) const;
  // The most workloads named exactly `<prefix>-<digits>` alive at one moment,
  // alive meaning created <= t < min(end, deleted).
  [[nodiscard]] int max_in_flight(std::string_view prefix) const;
  // The same, over the moments from t_ms on (a job alive at t_ms counts).
  [[nodiscard]] int max_in_flight_since(std::string_view prefix, std::int64_t t_ms) const;
  // The most CPU cores (--cpu-core-request) the batch's alive jobs asked for at one moment.
  [[nodiscard]] double max_cpu_in_flight(std::string_view prefix) const;
  // The most memory in bytes (--cpu-memory-request, as the fake read the quantity) likewise.
  [[nodiscard]] std::uint64_t max_memory_in_flight(std::string_view prefix) const;
  // The --cpu-memory-request of each creation of `name`, in order ("" for one without).
  [[nodiscard]] std::vector<std::string> memory_per_creation(std::string_view name) const;
  // The exit code of each creation of `name`, in order (settled or planned).
  [[nodiscard]] std::vector<int> exit_codes_per_creation(std::string_view name) const;
  // Calls whose answer calls.jsonl tags `answer`: "transient", "hang", "ghost_submit",
  // "garbage", "lost_delete" (a delete that took effect but answered a timeout or hung),
  // "still_deleting" (a delete of a Deleting job, answered "no workload was found"),
  // "lost_submit" (a submit that created the job but answered a client timeout).
  [[nodiscard]] int count_answers(std::string_view answer) const;
  // How many times each name was created.
  [[nodiscard]] std::map<std::string, int> creations_per_name() const;
  // Pending, Running, Completed, Failed, Stopped or Deleting for the latest workload of
  // that name now; "" when none is listed. Faults and list_lag_ms do not apply
  // here, and a mount_failure_above exit code shows only once a call after the
  // job reached Running has settled it.
  [[nodiscard]] std::string current_status(std::string_view name) const;

 private:
  std::filesystem::path dir_;
};

// A recorded call's argv (after the program name) byte for byte, decoded
// from its argv_hex: exact where the bytes are not UTF-8.
[[nodiscard]] std::vector<std::string> argv_of(const nlohmann::json& call);

// Runs the built traitctl against the cluster with a clean environment
// (cluster.environment() plus `extra`).
[[nodiscard]] CommandResult run_traitctl(const FakeCluster& cluster, std::vector<std::string> args,
                                         EnvironmentOverrides extra = {},
                                         Duration timeout = std::chrono::seconds(120));

// run_traitctl while the fake holds jobs (config.json's "hold"): releases them
// once `reached` holds (polled with wait_for's generous deadline) and returns
// the result, and whether `reached` was seen before the release. For a batch
// that must fill its cap however slowly a loaded machine submits.
struct HeldRun {
  CommandResult result;
  bool reached = false;
};
[[nodiscard]] HeldRun run_traitctl_held_until(const FakeCluster& cluster, std::vector<std::string> args,
                                              const std::function<bool()>& reached,
                                              EnvironmentOverrides extra = {},
                                              Duration timeout = std::chrono::seconds(200));

// Starts the built traitctl in the background, like run_traitctl but with the
// test's environment inherited underneath (ChildProcess always inherits) and
// stdout and stderr appended to `log`. For tests that signal a running submit.
[[nodiscard]] Result<ChildProcess> start_traitctl(const FakeCluster& cluster, std::vector<std::string> args,
                                                  const std::filesystem::path& log,
                                                  EnvironmentOverrides extra = {});

// Polls `done` until it holds, at most `limit`; its last answer. For waiting
// on a state (the fake's record, the lock holder, a journal line), never on a
// duration: the limit is generous and only bounds a test that fails.
bool wait_for(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(60));

// Waits at most `limit` for the child to end; kills it after that and
// returns -1.
[[nodiscard]] int wait_for_exit(ChildProcess& child, std::chrono::milliseconds limit);

// The lines of `text`, without their '\n'; a last line without one counts.
[[nodiscard]] std::vector<std::string> lines_of(const std::string& text);

// A JSON array of traits (a report's "completed", "failed", ...) as numbers.
[[nodiscard]] std::vector<int> ints(const nlohmann::json& array);

// The whole file, or "" when it cannot be read.
[[nodiscard]] std::string read_text(const std::filesystem::path& path);

// What an interrupted traitctl must never leave in its state directory: a
// temporary file of an atomic write, a batch database that cannot be read
// (PRAGMA quick_check included), a journal line that is not JSON. One message per problem; empty when all is sound.
[[nodiscard]] std::vector<std::string> state_dir_problems(const FakeCluster& cluster);

// Waits (at most `limit`) until every named job is Completed or Failed.
[[nodiscard]] bool wait_until_ended(const FakeCluster& cluster, const std::vector<std::string>& names,
                                    std::chrono::milliseconds limit);

// The batch's attempt ledger as JSON (to_json(Ledger): ledger version 2's
// shape), read from the batch database as `status` reads it; {} before
// traitctl has written one. A database that cannot be read fails the test.
[[nodiscard]] nlohmann::json read_ledger(const FakeCluster& cluster, std::string_view project,
                                         std::string_view prefix);

// Where the fake's record and the ledger differ from a batch run exactly as
// needed: `creations` jobs made for each trait (key), their TRAITCTL_ATTEMPT
// 1, 2, ... in order, the ledger counting one automatic retry per creation
// after the first, and no intent left pending but a "sent" one for the latest
// job (a submission no listing has shown yet). One message per problem.
[[nodiscard]] std::vector<std::string> attempt_problems(const FakeCluster& cluster, std::string_view project,
                                                        std::string_view prefix,
                                                        const std::map<int, int>& creations);

// The batch's jobs (`<prefix>-<digits>`) deleted while they had not ended, or
// after they succeeded: "name (attempt k)" each. Deleting a failed job is a
// retry's; any other delete loses a healthy job.
[[nodiscard]] std::vector<std::string> healthy_jobs_deleted(const FakeCluster& cluster, std::string_view prefix);

// The report keys docs/reports-json.md lists in the tables of `section` (a
// heading line, up to the next heading), but those whose meaning begins
// "only when" (present in some reports only, such as `error`).
[[nodiscard]] std::set<std::string> documented_report_keys(std::string_view section);

// Lays out the GAPIT inputs validate looks for under `data` (DATA_PATH_HOST):
// genotype/all_chromosomes_binary.hmp.txt and phenotype/traits.txt with a
// trait column up to `last_trait`, so that submit and run go ahead.
void write_gapit_inputs(const std::filesystem::path& data, int last_trait);

// Runs the fake `runai` itself with the same environment.
[[nodiscard]] CommandResult run_fake_runai(const FakeCluster& cluster, std::vector<std::string> args,
                                           Duration timeout = std::chrono::seconds(10));

// A workspace submitted straight to the fake, as someone else (or an earlier
// traitctl) would have: `runai workspace submit NAME --project PROJECT ...`.
[[nodiscard]] CommandResult submit_to_fake(const FakeCluster& cluster, const std::string& name,
                                           const std::string& project = "p");

}  // namespace traitctl::e2e
