// One listing seen through a batch's eyes: which traits have a job, in what
// state, and how many slots the batch holds. Pure functions of the listing.
#pragma once

#include <map>
#include <string_view>
#include <vector>

#include "traitctl/core/backend.hpp"

namespace traitctl {

struct BatchView {
  // By trait: the newest job named exactly `<prefix>-<trait>` ("x-007" is
  // nobody's job, though it holds a slot).
  std::map<int, Workload> jobs;
  // Members of the batch (names `<prefix>-<digits>`) that hold a slot, every
  // job counted, older ones of a repeated name included.
  int active = 0;
};

[[nodiscard]] BatchView view_batch(std::string_view prefix, const std::vector<Workload>& listing);

// How many more jobs may start without the batch exceeding the cap.
[[nodiscard]] int free_slots(int max_concurrent, int active);

}  // namespace traitctl
