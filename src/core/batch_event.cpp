#include "traitctl/core/batch_event.hpp"

namespace traitctl {

std::string_view to_string(EventKind kind) {
  switch (kind) {
    case EventKind::Submitting: return "submitting";
    case EventKind::Submitted: return "submitted";
    case EventKind::Existing: return "skipped";
    case EventKind::SubmitFailed: return "submit-failed";
    case EventKind::SubmitUnconfirmed: return "submit-unconfirmed";
    case EventKind::Completed: return "completed";
    case EventKind::JobFailed: return "failed";
    case EventKind::Stopped: return "stopped";
    case EventKind::Vanished: return "vanished";
    case EventKind::Classified: return "classified";
    case EventKind::NotRetryable: return "not-retryable";
    case EventKind::OutOfRetries: return "out-of-retries";
    case EventKind::Backoff: return "backoff";
    case EventKind::Deferred: return "deferred";
    case EventKind::WouldRetry: return "would-retry";
    case EventKind::EvidenceFailed: return "evidence-failed";
    case EventKind::ChangedBeforeDelete: return "changed-before-delete";
    case EventKind::Deleting: return "deleted";
    case EventKind::DeleteFailed: return "delete-failed";
    case EventKind::Gone: return "gone";
    case EventKind::NameHeld: return "name-held";
    case EventKind::Resubmitting: return "resubmitting";
    case EventKind::Resubmitted: return "resubmitted";
    case EventKind::ResubmitFailed: return "resubmit-failed";
    case EventKind::ListingFailed: return "listing-failed";
    case EventKind::OutputsNotVisible: return "outputs-not-visible";
    case EventKind::SubmissionStopped: return "submission-stopped";
    case EventKind::CapChanged: return "cap-changed";
    case EventKind::CapFileUnreadable: return "cap-file-unreadable";
    case EventKind::OversizedJob: return "oversized-job";
    case EventKind::MemoryTierLearned: return "memory-tier-learned";
    case EventKind::NodeAvoided: return "node-avoided";
  }
  return "unknown";
}

bool is_journaled(EventKind kind) {
  switch (kind) {
    case EventKind::Submitting:
    case EventKind::Resubmitting:
    case EventKind::Gone:
    case EventKind::WouldRetry: return false;
    default: return true;
  }
}

}  // namespace traitctl
