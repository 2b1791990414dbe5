// The Backend for a Run:ai cluster: shells out to the `runai` CLI (v2 syntax,
// `runai workspace ...`) with argv vectors and a deadline on every call.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/adapters/process.hpp"
#include "traitctl/adapters/runai_listing.hpp"
#include "traitctl/core/backend.hpp"

namespace traitctl {

struct RunaiOptions {
  std::string executable = "runai";  // --runai, TRAITCTL_RUNAI, else PATH
  std::string project;
  std::string workload_kind = "workspace";
  Duration call_timeout{120'000};
  // Set by Ctrl-C: a call in flight is stopped (SIGTERM, then SIGKILL).
  const CancelToken* cancel = nullptr;
};

// How the CLI lets a listing be complete, read from `list --help` once.
enum class ListPaging {
  LimitOffset,  // v2.18-2.20: --limit/--offset; without --limit only 50 rows
  NextToken,    // v2.25+: all rows by default; --next-token continues a page
  None,         // neither flag: completeness cannot be asked for
};

[[nodiscard]] ListPaging detect_list_paging(std::string_view list_help);

// Pure argv builders, kept apart so tests can check them word for word.
[[nodiscard]] std::vector<std::string> runai_submit_argv(const RunaiOptions& options, const JobSpec& spec);
[[nodiscard]] std::vector<std::string> runai_list_argv(const RunaiOptions& options);
[[nodiscard]] std::vector<std::string> runai_job_argv(const RunaiOptions& options, std::string_view verb,
                                                      std::string_view name);

class RunaiBackend final : public Backend {
 public:
  explicit RunaiBackend(RunaiOptions options);

  Result<std::vector<Workload>> list_workloads() override;
  Result<SubmitReceipt> submit(const JobSpec& spec) override;
  Result<DeleteOutcome> remove(const Workload& job) override;
  Result<FailureEvidence> failure_evidence(const Workload& job) override;
  // From `describe -o json`: the pod's node and the main container's times.
  Result<AttemptFacts> attempt_facts(const Workload& job) override;
  // The current job's log only: Run:ai drops a workload's logs with it.
  Result<JobLog> job_log(const Workload& job, int attempt) override;

 private:
  Result<ProcessOutput> call(const std::vector<std::string>& argv) const;
  Result<ListPaging> list_paging();
  // One `runai ... list` call read as a page; a failed call or an unreadable
  // table is an error naming the command.
  Result<ListingPage> list_page(const std::vector<std::string>& argv) const;
  // One pass over the --limit/--offset pages, or an error when two pages did
  // not join (rows shifted by more than the overlap between the calls).
  Result<std::vector<Workload>> list_offset_pages(bool& joined);
  Result<std::vector<Workload>> list_token_pages(ListPaging paging);

  RunaiOptions options_;
  std::mutex paging_mutex_;
  std::optional<ListPaging> paging_;
};

}  // namespace traitctl
