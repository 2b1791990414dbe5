// Where jobs run. The decision logic sees only this interface; adapters
// implement it for the runai CLI and for local processes, tests with fakes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "traitctl/core/failure.hpp"
#include "traitctl/core/job_spec.hpp"
#include "traitctl/core/result.hpp"

namespace traitctl {

struct Workload {
  std::string name;
  std::string status;  // the word the backend printed, e.g. "Running"
  friend bool operator==(const Workload&, const Workload&) = default;
};

enum class SubmitOutcome { Created, AlreadyExists };
enum class DeleteOutcome { Deleted, NotFound };

class Backend {
 public:
  virtual ~Backend() = default;
  // Every workload of the project. Must be complete: an implementation that
  // cannot prove completeness returns an error instead.
  virtual Result<std::vector<Workload>> list_workloads() = 0;
  // Safe to call from several threads at once.
  virtual Result<SubmitOutcome> submit(const JobSpec& spec) = 0;
  virtual Result<DeleteOutcome> remove(const std::string& name) = 0;
  virtual Result<FailureEvidence> failure_evidence(const std::string& name) = 0;
};

}  // namespace traitctl
