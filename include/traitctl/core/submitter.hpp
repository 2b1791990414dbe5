// `traitctl submit`'s loop: one listing per poll, skip traits whose job
// exists, and never let the batch's active jobs exceed the cap.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/batch.hpp"
#include "traitctl/core/clock.hpp"
#include "traitctl/core/submission.hpp"

namespace traitctl {

struct SubmitRequest {
  std::string prefix;
  std::vector<int> traits;
  int max_concurrent = 50;
  Duration poll_interval{30'000};
  int parallel_submits = 4;
  SubmitRetryPolicy retry;
  Duration unlisted_grace{300'000};
  std::function<JobSpec(int trait)> job_for_trait;
};

struct SubmitReport {
  std::vector<int> submitted;
  std::vector<int> skipped;           // the job already existed
  std::map<int, std::string> failed;  // trait -> the CLI's error, after max_failed_cycles rounds
  int runai_calls = 0;                // submit calls made, retries included
  int listings = 0;
  bool interrupted = false;
  // The first listing, or max_failed_cycles listings in a row, failed: the
  // batch stopped early.
  std::optional<Error> fatal;
};

// What the loop tells its caller, for progress lines and the journal.
class SubmitObserver {
 public:
  virtual ~SubmitObserver() = default;
  virtual void on_listing(const BatchView& /*view*/, int /*active*/) {}
  // A listing failed after its retries; the loop tries again next poll.
  virtual void on_listing_failed(const Error& /*error*/) {}
  virtual void on_skipped(const BatchJob& /*existing*/) {}
  virtual void on_waiting(const WaitProgress& /*progress*/) {}
  virtual void on_wait_tick(const WaitProgress& /*progress*/) {}
  virtual void on_submitting(const JobSpec& /*spec*/) {}
  virtual void on_submitted(const JobSpec& /*spec*/, const SubmitResult& /*result*/) {}
  // `again`: the trait is tried again next cycle (unless the listing shows its job).
  virtual void on_submit_failed(const JobSpec& /*spec*/, const SubmitResult& /*result*/, bool /*again*/) {}
};

[[nodiscard]] SubmitReport submit_batch(Backend& backend, Clock& clock, const CancelToken& cancel,
                                        const SubmitRequest& request, SubmitObserver& observer);

}  // namespace traitctl
