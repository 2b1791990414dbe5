// The small steps both halves of a trait's stage rules take: observing a
// listing (core/trait_stage.cpp) and applying an answer (core/trait_answers.cpp).
// Internal to those two files.
#pragma once

#include <string>

#include "traitctl/core/trait_stage.hpp"

namespace traitctl::steps {

void move_to(TraitProgress& progress, Stage stage, TimePoint now);
void settle(TraitProgress& progress, Settlement why, TimePoint now);
BatchEvent event(EventKind kind, const TraitProgress& progress);
BatchEvent failure_event(EventKind kind, const TraitProgress& progress, std::string message, bool again);
// The end of the trait's listed attempt, as the journal's trace of it: which
// attempt, what it asked for, and how long it took from its submission.
BatchEvent attempt_end_event(EventKind kind, const TraitProgress& progress, const TraitRecord& record);
void end_attempt(TraitRecord& record, AttemptEnd end, TimePoint now, const Workload& job);
// The old job of a replacement is gone: the new one may be sent.
void old_job_gone(TraitProgress& progress, TraitRecord& record, TimePoint now, Events& events);

}  // namespace traitctl::steps
