#include "traitctl/core/submitter.hpp"

#include <algorithm>
#include <deque>

namespace traitctl {
namespace {

// A failed submit may still have created the job (the CLI timed out after the
// server acted). A later listing that shows it turns the failure into a success.
void reconcile_failures(const BatchView& view, SubmitReport& report) {
  for (auto it = report.failed.begin(); it != report.failed.end();) {
    if (view.jobs.contains(it->first)) {
      report.submitted.push_back(it->first);
      it = report.failed.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

SubmitReport submit_batch(Backend& backend, Clock& clock, const CancelToken& cancel, const SubmitRequest& request,
                          SubmitObserver& observer) {
  SubmitReport report;
  std::deque<int> pending(request.traits.begin(), request.traits.end());
  UnlistedSubmissions unlisted(request.unlisted_grace);
  auto wait_for_next_poll = [&](int active) {
    WaitProgress progress{active, request.max_concurrent, static_cast<int>(report.submitted.size()),
                          static_cast<int>(pending.size()), 0, request.poll_interval};
    observer.on_waiting(progress);
    sleep_in_ticks(clock, request.poll_interval, cancel, [&](Duration left) {
      progress.next_poll = left;
      observer.on_wait_tick(progress);
    });
  };

  while (true) {
    if (cancel.stop_requested()) {
      report.interrupted = true;
      break;
    }
    auto listing = list_with_retries(backend, clock, cancel, request.retry);
    ++report.listings;
    if (!listing) {
      report.fatal = listing.error();
      break;
    }
    const BatchView view = view_batch(request.prefix, *listing);
    reconcile_failures(view, report);
    const int active = view.active + unlisted.reconcile(*listing, clock.now());
    observer.on_listing(view, active);

    std::erase_if(pending, [&](int trait) {
      const auto existing = view.jobs.find(trait);
      if (existing == view.jobs.end()) {
        return false;
      }
      report.skipped.push_back(trait);
      observer.on_skipped(existing->second);
      return true;
    });
    if (pending.empty()) {
      break;
    }

    const int slots = free_slots(request.max_concurrent, active);
    if (slots == 0) {
      wait_for_next_poll(active);
      continue;
    }

    std::vector<JobSpec> round;
    while (!pending.empty() && static_cast<int>(round.size()) < slots) {
      round.push_back(request.job_for_trait(pending.front()));
      pending.pop_front();
    }
    for (const auto& spec : round) {
      observer.on_submitting(spec);
    }
    const auto results = submit_all(backend, round, request.parallel_submits, clock, cancel, request.retry);
    int started = 0;
    for (std::size_t i = 0; i < round.size(); ++i) {
      const JobSpec& spec = round[i];
      const SubmitResult& result = results[i];
      report.runai_calls += result.calls;
      switch (result.status) {
        case SubmitStatus::Submitted:
          report.submitted.push_back(spec.trait);
          unlisted.add(spec.name, clock.now());
          ++started;
          observer.on_submitted(spec, result);
          break;
        case SubmitStatus::AlreadyExists:
          // Created by someone else since the listing: it holds a slot the
          // next listing will count.
          report.skipped.push_back(spec.trait);
          ++started;
          observer.on_skipped(BatchJob{spec.trait, spec.name, "unknown", StatusClass::Active});
          break;
        case SubmitStatus::Failed:
          if (result.calls == 0) {
            pending.push_front(spec.trait);  // never tried: interrupted before its turn
          } else {
            report.failed[spec.trait] = result.error;
            observer.on_submit_failed(spec, result);
          }
          break;
      }
    }
    if (pending.empty()) {
      break;
    }
    if (started >= slots) {
      // Full: nothing can start before some job ends.
      wait_for_next_poll(active + started);
    }
  }

  // One more look settles submissions whose answer was lost.
  if (!report.failed.empty() && !report.fatal) {
    if (auto listing = backend.list_workloads(); listing) {
      ++report.listings;
      reconcile_failures(view_batch(request.prefix, *listing), report);
    }
  }
  std::sort(report.submitted.begin(), report.submitted.end());
  std::sort(report.skipped.begin(), report.skipped.end());
  return report;
}

}  // namespace traitctl
