#include "traitctl/core/submitter.hpp"

#include <algorithm>
#include <deque>
#include <map>

namespace traitctl {
namespace {

// A failed submit may still have created the job (the CLI timed out after the
// server acted). A later listing that shows it turns the failure into a
// success, and the trait is no longer waiting for another try.
void reconcile_failures(const BatchView& view, SubmitReport& report, std::deque<int>& pending) {
  for (auto it = report.failed.begin(); it != report.failed.end();) {
    if (view.jobs.contains(it->first)) {
      report.submitted.push_back(it->first);
      std::erase(pending, it->first);
      it = report.failed.erase(it);
    } else {
      ++it;
    }
  }
}

}  // namespace

SubmitReport submit_batch(Backend& backend, Clock& clock, const CancelToken& cancel,
                          const SubmitRequest& request, SubmitObserver& observer) {
  SubmitReport report;
  std::deque<int> pending(request.traits.begin(), request.traits.end());
  UnlistedSubmissions unlisted(request.unlisted_grace);
  std::map<int, int> failed_cycles;  // per trait: rounds whose submit failed
  bool listed_once = false;
  int failed_listings = 0;  // in a row
  int last_active = 0;
  auto wait_for_next_poll = [&](int active) {
    WaitProgress progress{active,
                          request.max_concurrent,
                          static_cast<int>(report.submitted.size()),
                          static_cast<int>(pending.size()),
                          0,
                          request.poll_interval};
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
    if (!listing && cancel.stop_requested()) {
      report.interrupted = true;  // Ctrl-C cut the call short: not a cluster failure
      break;
    }
    if (!listing) {
      // Once the batch is under way a failing cluster gets a few polls to
      // recover; a first listing that fails is a problem to report now
      // (not logged in, wrong project).
      if (listed_once && ++failed_listings < max_failed_cycles) {
        observer.on_listing_failed(listing.error());
        wait_for_next_poll(last_active);
        continue;
      }
      report.fatal = listing.error();
      break;
    }
    listed_once = true;
    failed_listings = 0;
    const BatchView view = view_batch(request.prefix, *listing);
    reconcile_failures(view, report, pending);
    const int active = view.active + unlisted.reconcile(*listing, clock.now());
    last_active = active;
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
    bool tried_again_later = false;
    for (std::size_t i = 0; i < round.size(); ++i) {
      const JobSpec& spec = round[i];
      const SubmitResult& result = results[i];
      report.runai_calls += result.calls;
      switch (result.status) {
        case SubmitStatus::Submitted:
          report.failed.erase(spec.trait);  // an earlier round's failure
          report.submitted.push_back(spec.trait);
          unlisted.add(spec.name, clock.now());
          ++started;
          observer.on_submitted(spec, result);
          break;
        case SubmitStatus::AlreadyExists:
          ++started;
          if (report.failed.erase(spec.trait) > 0) {
            // Our earlier round created it after all, unlisted until now.
            report.submitted.push_back(spec.trait);
            unlisted.add(spec.name, clock.now());
            break;
          }
          // Created by someone else since the listing: it holds a slot the
          // next listing will count.
          report.skipped.push_back(spec.trait);
          observer.on_skipped(BatchJob{spec.trait, spec.name, "unknown", StatusClass::Active});
          break;
        case SubmitStatus::Failed: {
          if (result.calls == 0) {
            pending.push_front(spec.trait);  // never tried: interrupted before its turn
            break;
          }
          report.failed[spec.trait] = result.error;
          const bool again = ++failed_cycles[spec.trait] < max_failed_cycles;
          if (again) {
            pending.push_back(spec.trait);  // next cycle, unless its listing shows the job
            tried_again_later = true;
          }
          observer.on_submit_failed(spec, result, again);
          break;
        }
      }
    }
    if (pending.empty()) {
      break;
    }
    if (started >= slots || tried_again_later) {
      // Full, nothing can start before some job ends; or the cluster refused
      // a submit and gets a poll interval to recover.
      wait_for_next_poll(active + started);
    }
  }

  // One more look settles submissions whose answer was lost.
  if (!report.failed.empty() && !report.fatal) {
    if (auto listing = backend.list_workloads(); listing) {
      ++report.listings;
      reconcile_failures(view_batch(request.prefix, *listing), report, pending);
    }
  }
  std::sort(report.submitted.begin(), report.submitted.end());
  std::sort(report.skipped.begin(), report.skipped.end());
  return report;
}

}  // namespace traitctl
