// The one console reporter of a batch run: each event of the loop as a tagged
// line on stderr and a line in the journal, and the wait as a live status line
// on a terminal (a plain [WAIT] line elsewhere, when it has changed).
#pragma once

#include <optional>
#include <string>

#include "traitctl/adapters/journal.hpp"
#include "traitctl/adapters/terminal.hpp"
#include "traitctl/core/batch_engine.hpp"

namespace traitctl {

class ConsoleReporter final : public BatchObserver {
 public:
  // `journal` may be null (a dry run writes none). `remaining_label` names
  // what the wait's remaining traits wait for: "to submit" or "to settle".
  // `plan_on_stdout`: a dry run's decisions are its result, printed on stdout
  // (not with --json, whose stdout is the one report object). `backend`
  // ("runai", "local", "slurm") spells the failure line's pointer to the log.
  ConsoleReporter(Journal* journal, StatusLine& status_line, std::string remaining_label, bool plan_on_stdout,
                  std::string backend);

  void on_event(const BatchEvent& event) override;
  void on_waiting(const WaitProgress& progress) override;
  void on_wait_tick(const WaitProgress& progress) override;

 private:
  void print(const BatchEvent& event) const;
  void record(const BatchEvent& event);

  Journal* journal_;
  StatusLine& status_line_;
  std::string remaining_label_;
  bool plan_on_stdout_;
  std::string backend_;
  std::optional<WaitProgress> last_wait_;  // what the last plain [WAIT] line said
};

}  // namespace traitctl
