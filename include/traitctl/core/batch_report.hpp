// What a batch run reports: what it did, counted as it went (the batch
// loop, core/batch_engine.cpp), and where every trait ended up, read from the
// plan when the run ends.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/batch_plan.hpp"

namespace traitctl {

// What a run did and where every trait ended up. Lists of traits are sorted.
struct BatchReport {
  std::vector<int> submitted;  // first jobs this run created
  std::vector<int> existing;   // first submissions that found the trait's job already there
  std::vector<int> retried;    // automatic resubmissions, one entry per retry
  std::vector<int> resubmitted_manually;
  std::vector<int> would_retry;  // dry run
  int failed_found = 0;          // failed jobs classified
  std::map<FailureClass, int> by_class;
  std::vector<int> completed;  // every completed trait at the end
  std::vector<int> succeeded_after_retry;
  std::vector<int> out_of_retries;
  std::map<int, std::string> not_retryable;  // trait -> the class's reason
  std::map<int, FailureClass> failed_as;  // traits failed for good (not retryable, out of retries) -> class
  std::map<int, std::string> memory;      // trait -> the memory its latest job of this run asked for
  std::vector<int> stopped;
  std::vector<int> vanished;
  std::map<int, std::string> refused;  // resubmit: why a trait was not replaced
  std::map<int, std::string> submission_failures;
  std::map<int, std::string> resubmission_failures;
  std::map<int, TimePoint> deferred;              // eligible at
  std::vector<int> not_started;                   // to submit, never submitted (interrupted, stopped early)
  std::optional<SubmissionStop> submission_stop;  // the failure budget stopped new submissions
  CapState cap;                                   // as the run left it
  int listings = 0;
  bool interrupted = false;
  std::optional<Error> fatal;
};

// Adds where every trait ended up (completed, failed for good, deferred, not
// started, ...) to `report`, and sorts its lists of traits. `submits_new`:
// the command was to submit the traits without a job (a dry run is not).
void add_final_stages(BatchReport& report, const BatchPlan& plan, bool submits_new);

}  // namespace traitctl
