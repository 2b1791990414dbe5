#include "traitctl/cli/advice.hpp"

#include <fmt/format.h>

#include <chrono>

#include "traitctl/cli/text.hpp"

namespace traitctl {
namespace {

bool is_local(const AdviceContext& context) { return context.backend == "local"; }

std::string backend_flag(std::string_view backend) {
  return backend == "runai" ? "" : fmt::format(" --backend {}", backend);
}

// Local jobs stop with the traitctl that started them: `run` is what
// retries them, and a trait is run afresh by forgetting its job first.
std::string retry_command(const AdviceContext& context) {
  return is_local(context) ? "`traitctl run --backend local -- COMMAND`" : "`traitctl retry`";
}

std::string rerun(const TraitRow& row, const AdviceContext& context) {
  const int trait = row.status.trait;
  if (is_local(context)) {
    return fmt::format("`traitctl cleanup --{} --traits {} --backend local` and run the batch again",
                       row.status.state == TraitState::Stopped ? "stopped" : "failed", trait);
  }
  return fmt::format("`traitctl resubmit {}{}`", trait, backend_flag(context.backend));
}

// The rerun as a whole step: "`traitctl resubmit 7` to run it again".
std::string run_again(const TraitRow& row, const AdviceContext& context) {
  return is_local(context) ? rerun(row, context) : rerun(row, context) + " to run it again";
}

std::string logs_of(const TraitRow& row, const AdviceContext& context) {
  return fmt::format("`{}`", logs_command(row.status.trait, 0, context.backend));
}

std::string asked_memory(const TraitRow& row, const AdviceContext& context) {
  return row.memory.empty() ? context.memory : row.memory;
}

std::string planned_retry(const TraitRow& row, const AdviceContext& context, TimePoint now) {
  const PlannedRetry& plan = *row.planned;
  const std::string label = retry_label(plan.retry_number, plan.budget);
  const std::string with = row.next_memory.empty() ? "" : fmt::format(" with {}", row.next_memory);
  if (plan.deferred) {
    return fmt::format("{} retries it{} ({}, {} {})", retry_command(context), with, label,
                       plan.eligible_at <= now ? "eligible since" : "not before",
                       format_time_of_day(plan.eligible_at));
  }
  if (plan.eligible_at <= now) {
    return fmt::format("retried automatically{} ({}, due now)", with, label);
  }
  return fmt::format("retried automatically{} ({} at {})", with, label, format_time_of_day(plan.eligible_at));
}

std::string retryable(const TraitRow& row, const AdviceContext& context) {
  const FailureClass failure = row.status.failure.value_or(FailureClass::Unknown);
  const std::string label = retry_label(row.retries_used + 1, row.retry_budget);
  if (failure == FailureClass::Oom) {
    return fmt::format("{} retries it with {} (memory {})", retry_command(context), row.next_memory, label);
  }
  if (failure == FailureClass::Incomplete) {
    return fmt::format("{} retries it (incomplete {})", retry_command(context), label);
  }
  return fmt::format("{} retries it ({})", retry_command(context), label);
}

std::string out_of_retries(const TraitRow& row, const AdviceContext& context) {
  const std::string again = rerun(row, context);
  switch (row.status.failure.value_or(FailureClass::Unknown)) {
    case FailureClass::Oom:
      return fmt::format("add a MEMORY_LADDER tier larger than {}, then {}", asked_memory(row, context),
                         again);
    case FailureClass::Incomplete:
      return fmt::format("check why its outputs are missing ({}), then {}", logs_of(row, context), again);
    default:
      return fmt::format("{} ({} used)", run_again(row, context),
                         retry_label(row.retries_used, row.retry_budget));
  }
}

std::string not_retried(const TraitRow& row, const AdviceContext& context) {
  const std::string again = rerun(row, context);
  if (!row.status.failure) {
    return fmt::format(
        "not classified yet: {} classifies it and retries what a retry can fix; `{}{}` shows why",
        retry_command(context), fmt::format("traitctl describe {}", row.status.trait),
        backend_flag(context.backend));
  }
  switch (*row.status.failure) {
    case FailureClass::Config:
      return fmt::format("fix the inputs ({}), then {}", logs_of(row, context), again);
    case FailureClass::Oom:
      return fmt::format("add a MEMORY_LADDER tier larger than {} (or raise MEMORY), then {}",
                         asked_memory(row, context), again);
    case FailureClass::Timeout:
      return fmt::format("it ran too long: raise {}, then {}",
                         is_local(context) ? "--job-timeout" : "its time limit", again);
    default: return fmt::format("look at {}, then {}", logs_of(row, context), again);
  }
}

}  // namespace

std::string logs_command(int trait, int attempt, std::string_view backend) {
  const std::string which = attempt > 0 ? fmt::format(" --attempt {}", attempt) : "";
  return fmt::format("traitctl logs {}{}{}", trait, which, backend_flag(backend));
}

std::string log_hint(int trait, int attempt, std::string_view backend) {
  return "log: " + logs_command(trait, attempt, backend);
}

std::string next_step(const TraitRow& row, const AdviceContext& context, TimePoint now) {
  switch (row.attention) {
    case Attention::None: return "";
    case Attention::Backoff: return planned_retry(row, context, now);
    case Attention::Retryable:
    case Attention::Incomplete: return retryable(row, context);
    case Attention::OutOfRetries: return out_of_retries(row, context);
    case Attention::Failed: return not_retried(row, context);
    case Attention::Stopped: return run_again(row, context);
    case Attention::ResubmissionPending:
      return fmt::format(
          "the next {} of the batch completes its resubmission (attempt {})",
          is_local(context) ? "`traitctl run --backend local`" : "`traitctl retry`, `resubmit` or `run`",
          row.pending_attempt.value_or(0));
  }
  return "";
}

std::string format_time_of_day(TimePoint time) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time.time_since_epoch()).count();
  constexpr long long day = 24 * 3600;
  const long long of_day = ((seconds % day) + day) % day;
  return fmt::format("{:02}:{:02}:{:02} UTC", of_day / 3600, of_day / 60 % 60, of_day % 60);
}

}  // namespace traitctl
