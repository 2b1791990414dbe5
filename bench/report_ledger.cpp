// Writes the ledger of a finished batch of N traits (default 20,000) for
// bench/report_bench.sh: every 7th trait failed for good (config), every 5th
// succeeded on its second attempt after a mount failure, the rest on the
// first; each attempt with times, a node and a peak. Saved through
// LedgerStore, so it is whatever the batch's store is.
//
//   report_ledger STATE_DIR PROJECT PREFIX [TRAITS]
#include <fmt/format.h>

#include <cstdlib>
#include <string>

#include "traitctl/adapters/ledger_store.hpp"
#include "traitctl/adapters/ledger_tables.hpp"

namespace {

using namespace std::chrono_literals;
using traitctl::AttemptEnd;
using traitctl::AttemptRecord;
using traitctl::FailureClass;

AttemptRecord attempt(int trait, int number, traitctl::TimePoint submitted, AttemptEnd end) {
  AttemptRecord record;
  record.number = number;
  record.job_id = std::to_string(trait * 10 + number);
  record.cpu = "4";
  record.memory = "32G";
  record.submitted_at = submitted;
  record.started_at = submitted + 5s;
  record.ended_at = submitted + 600s + std::chrono::seconds(trait % 300);
  record.end = end;
  record.exit_code = end == AttemptEnd::Succeeded ? 0 : (number == 1 && trait % 7 != 0 ? 2 : 1);
  record.node = fmt::format("node-{:03}", trait % 40);
  record.peak_memory_bytes = (std::int64_t{18} << 30) + std::int64_t{trait % 1000} * (1 << 20);
  record.cpu_seconds = 2000.0;
  return record;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr, "usage: report_ledger STATE_DIR PROJECT PREFIX [TRAITS]\n");
    return 2;
  }
  const int traits = argc > 4 ? std::atoi(argv[4]) : 20'000;
  auto store = traitctl::LedgerStore::open(argv[1], argv[2], argv[3]);
  if (!store) {
    fmt::print(stderr, "{}\n", store.error().message);
    return 1;
  }
  const traitctl::TimePoint start{std::chrono::hours{480'000}};
  traitctl::Ledger ledger{argv[2], argv[3], start, {}, std::nullopt, std::nullopt};
  for (int trait = 2; trait <= traits + 1; ++trait) {  // traits start at 2, as phenotype columns do
    traitctl::TraitRecord& record = ledger.traits[trait];
    // 50 at a time: the batch's cap.
    const traitctl::TimePoint submitted = start + std::chrono::seconds((trait / 50) * 700);
    if (trait % 7 == 0) {
      AttemptRecord failed = attempt(trait, 1, submitted, AttemptEnd::Failed);
      failed.failure = FailureClass::Config;
      failed.evidence = "exit code 1: Missing required files";
      record.failure_first_seen = failed.ended_at;
      record.last_failure = FailureClass::Config;
      record.attempts = {failed};
    } else if (trait % 5 == 0) {
      AttemptRecord mount = attempt(trait, 1, submitted, AttemptEnd::Failed);
      mount.failure = FailureClass::Mount;
      mount.evidence = "exit code 2";
      record.automatic_retries = 1;
      record.attempts = {mount, attempt(trait, 2, *mount.ended_at + 30s, AttemptEnd::Succeeded)};
    } else {
      record.attempts = {attempt(trait, 1, submitted, AttemptEnd::Succeeded)};
    }
  }
  if (auto saved = store->save(ledger, every_trait(ledger)); !saved) {
    fmt::print(stderr, "{}\n", saved.error().message);
    return 1;
  }
  return 0;
}
