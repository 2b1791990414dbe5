// The supervising loop behind `retry`, `resubmit` and `run`: one listing per
// cycle serves every decision. Failed jobs of the batch are classified, and
// retryable ones are deleted (after the intent is in the ledger), confirmed
// gone and resubmitted within the batch's cap. Per-trait backoffs never hold
// up other traits. The ledger is saved through an injected function: the
// loop itself does no file I/O.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/ledger.hpp"
#include "traitctl/core/retry_policy.hpp"
#include "traitctl/core/submission.hpp"

namespace traitctl {

struct RetryRequest {
  std::string prefix;
  std::vector<int> traits;  // the batch
  int max_concurrent = 50;
  Duration poll_interval{30'000};
  Duration confirm_interval{2'000};  // between listings while a delete is confirmed
  ClassifierPolicy classifier;
  RetryPolicy policy;
  bool watch = false;            // keep going until every trait is settled
  bool wait_for_backoff = true;  // false (--no-wait): leave pending backoffs to a later run
  bool dry_run = false;          // classify and plan; no delete, no submit, no ledger write
  bool submit_new = false;       // run: also submit traits that have no job yet
  std::set<int> manual;          // resubmit: these traits are resubmitted whatever their state
  int parallel_submits = 4;
  SubmitRetryPolicy submit_retry;
  Duration unlisted_grace{300'000};
  std::function<JobSpec(int trait, int attempt)> job_for;
  std::function<Result<void>(const Ledger&)> save_ledger;
};

struct RetryReport {
  int failed_found = 0;
  std::map<FailureClass, int> by_class;
  std::vector<int> retried;  // resubmitted by this run (automatic)
  std::vector<int> resubmitted_manually;
  std::vector<int> would_retry;            // dry run
  std::vector<int> submitted;              // first submissions (run)
  std::vector<int> succeeded_after_retry;  // completed after at least one retry
  std::vector<int> completed;              // every completed trait at the end
  std::vector<int> out_of_retries;
  std::map<int, std::string> not_retryable;          // trait -> reason
  std::map<int, std::string> resubmission_failures;  // trait -> the CLI's error
  std::map<int, std::string> submission_failures;    // first submissions (run)
  std::map<int, TimePoint> deferred;                 // --no-wait: eligible at
  int listings = 0;
  bool interrupted = false;
  std::optional<Error> fatal;
};

class RetryObserver {
 public:
  virtual ~RetryObserver() = default;
  virtual void on_analyzing(const BatchJob& /*job*/) {}
  virtual void on_classified(const BatchJob& /*job*/, FailureClass /*failure*/) {}
  virtual void on_not_retryable(const BatchJob& /*job*/, const std::string& /*reason*/) {}
  virtual void on_out_of_retries(int /*trait*/, int /*retries_used*/) {}
  virtual void on_backoff(int /*trait*/, Duration /*remaining*/, int /*retry_number*/) {}
  virtual void on_would_retry(int /*trait*/, FailureClass /*failure*/, int /*retry_number*/) {}
  virtual void on_changed_before_delete(int /*trait*/, const std::string& /*status*/) {}
  virtual void on_deleting(const std::string& /*job*/) {}
  virtual void on_delete_failed(const std::string& /*job*/, const std::string& /*error*/) {}
  virtual void on_resubmitting(int /*trait*/, int /*retry_number*/, bool /*manual*/) {}
  virtual void on_resubmitted(int /*trait*/, int /*attempt*/) {}
  virtual void on_resubmit_failed(int /*trait*/, const std::string& /*error*/) {}
  virtual void on_submitting(const JobSpec& /*spec*/) {}
  // The first submission created the job (perhaps learnt from a later listing).
  virtual void on_submitted(int /*trait*/) {}
  virtual void on_submit_failed(int /*trait*/, const std::string& /*error*/) {}
  virtual void on_waiting(const WaitProgress& /*progress*/) {}
  virtual void on_wait_tick(const WaitProgress& /*progress*/) {}
};

// `ledger` is updated in memory and saved through request.save_ledger after
// every change that must survive a crash.
[[nodiscard]] RetryReport supervise_batch(Backend& backend, Clock& clock, const CancelToken& cancel,
                                          const RetryRequest& request, Ledger& ledger,
                                          RetryObserver& observer);

}  // namespace traitctl
