// A pure parser for `runai <kind> describe NAME -o json`: how the job's main
// container ended. Whether and where the CLI prints this is not documented
// (../shared/runai/FORMATS.md, "Why a job died"), so it reads Kubernetes'
// own shapes tolerantly and reveals nothing rather than guess.
#pragma once

#include <string_view>

#include "traitctl/core/backend.hpp"
#include "traitctl/core/failure.hpp"

namespace traitctl {

// The exit code, signal and reason of workload `workload_name`'s main
// container; log and timed_out are never set, any part may be missing.
//
// - Pods: the first "pods" array in the document (the workload's), or the
//   document itself when it is one Kubernetes pod.
// - Containers of a pod: "containers" and "status.containerStatuses" (also
//   "containerStatuses"), merged by name; never "initContainers" or
//   "initContainerStatuses", whose exit code is not the job's.
// - The main container: the one named `workload_name`, else the only
//   container of the pod; with several and none so named, none.
// - Its end: "state.terminated", else "lastState.terminated" (after a
//   restart), else the container's own "exitCode"/"reason"/"signal"
//   ("exit_code" too).
// - The reason: the pod's disruption when it has one (a pod-level "reason"
//   such as Evicted, and a "DisruptionTarget" condition as
//   "DisruptionTarget: <its reason>", joined with "; "), since an evicted
//   pod's containers are killed with SIGKILL (137) whatever they were doing;
//   else the container's reason.
// - The first pod that reveals any of this decides. Text that is not JSON
//   reveals nothing.
[[nodiscard]] FailureEvidence evidence_from_describe(std::string_view describe_json,
                                                     std::string_view workload_name);

// Where and when the workload's pod ran, read as tolerantly: the node from the
// pod's "nodeName" ("spec.nodeName", "node" too), the times from the main
// container's "state.terminated" (else "state.running", "lastState.terminated",
// else the container itself) "startedAt" and "finishedAt", RFC 3339 UTC as
// Kubernetes writes them. The first pod that reveals any of it decides;
// describe shows no memory use, so peak and CPU stay unknown.
[[nodiscard]] AttemptFacts facts_from_describe(std::string_view describe_json,
                                               std::string_view workload_name);

}  // namespace traitctl
