#include "traitctl/adapters/ledger_tables.hpp"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <tuple>

#include "traitctl/core/parse.hpp"

namespace traitctl {
namespace {

using sqlite::Statement;

// A value in a row that traitctl did not write; caught in read_ledger_tables.
class RowError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

[[noreturn]] void bad_row(std::string_view where, std::string_view what) {
  throw RowError(fmt::format("{}: {}", where, what));
}

int whole(const std::optional<std::int64_t>& value, std::string_view where) {
  if (!value || *value < 0 || *value > std::numeric_limits<int>::max()) {
    bad_row(where, "expected a whole number >= 0");
  }
  return static_cast<int>(*value);
}

std::optional<TimePoint> time_or_null(const std::optional<std::string>& text, std::string_view where) {
  if (!text) {
    return std::nullopt;
  }
  auto time = parse_utc(*text);
  if (!time) {
    bad_row(where, time.error().message);
  }
  return *time;
}

std::optional<FailureClass> class_or_null(const std::optional<std::string>& text, std::string_view where) {
  if (!text) {
    return std::nullopt;
  }
  auto failure = failure_class_from_string(*text);
  if (!failure) {
    bad_row(where, failure.error().message);
  }
  return *failure;
}

std::optional<std::string> text_or_null(const std::string& text) {
  return text.empty() ? std::nullopt : std::optional<std::string>(text);
}

std::optional<std::string> time_text(const std::optional<TimePoint>& time) {
  return time ? std::optional<std::string>(format_utc(*time)) : std::nullopt;
}

std::optional<std::string> class_text(const std::optional<FailureClass>& failure) {
  return failure ? std::optional<std::string>(std::string(to_string(*failure))) : std::nullopt;
}

Result<Statement> prepare(sqlite::Database& db, std::string_view sql) { return Statement::prepare(db, sql); }

void read_batch_row(Statement& row, Ledger& ledger) {
  ledger.project = row.text(0).value_or("");
  ledger.prefix = row.text(1).value_or("");
  ledger.first_submitted_at = time_or_null(row.text(2), "batch.first_submitted_at");
  if (const auto cap = row.text(3)) {
    const auto document = nlohmann::json::parse(*cap, nullptr, false);
    auto state = document.is_discarded() ? Result<CapState>(make_error(ErrorKind::Parse, "not JSON"))
                                         : cap_state_from_json(document);
    if (!state) {
      bad_row("batch.cap_state", state.error().message);
    }
    ledger.cap = std::move(*state);
  }
  if (const auto tier = row.int64(4)) {
    ledger.learned_memory_tier = whole(tier, "batch.learned_memory_tier");
  }
}

std::pair<int, TraitRecord> read_trait_row(Statement& row) {
  const int trait = whole(row.int64(0), "traits.trait");
  const std::string where = fmt::format("traits (trait {})", trait);
  TraitRecord record;
  record.automatic_retries = whole(row.int64(1), where + ".automatic_retries");
  record.oom_retries = whole(row.int64(2), where + ".oom_retries");
  record.incomplete_retries = whole(row.int64(3), where + ".incomplete_retries");
  record.manual_resubmissions = whole(row.int64(4), where + ".manual_resubmissions");
  record.out_of_retries = whole(row.int64(5), where + ".out_of_retries") != 0;
  record.failure_first_seen = time_or_null(row.text(6), where + ".failure_first_seen");
  record.last_failure = class_or_null(row.text(7), where + ".last_failure");
  if (const auto pending = row.text(8)) {
    const auto document = nlohmann::json::parse(*pending, nullptr, false);
    auto intent = document.is_discarded() ? Result<PendingIntent>(make_error(ErrorKind::Parse, "not JSON"))
                                          : pending_intent_from_json(document);
    if (!intent) {
      bad_row(where + ".pending_intent", intent.error().message);
    }
    record.pending = std::move(*intent);
  }
  record.job_id = row.text(9).value_or("");
  return {trait, std::move(record)};
}

std::pair<int, AttemptRecord> read_attempt_row(Statement& row) {
  const int trait = whole(row.int64(0), "attempts.trait");
  AttemptRecord attempt;
  attempt.number = whole(row.int64(1), "attempts.attempt");
  const std::string where = fmt::format("attempts (trait {}, attempt {})", trait, attempt.number);
  attempt.job_id = row.text(2).value_or("");
  attempt.memory = row.text(3).value_or("");
  attempt.cpu = row.text(4).value_or("");
  attempt.submitted_at = time_or_null(row.text(5), where + ".submitted_at");
  attempt.started_at = time_or_null(row.text(6), where + ".started_at");
  attempt.ended_at = time_or_null(row.text(7), where + ".ended_at");
  if (const auto end = row.text(8)) {
    auto parsed = attempt_end_from_string(*end);
    if (!parsed) {
      bad_row(where + ".end", parsed.error().message);
    }
    attempt.end = *parsed;
  }
  attempt.failure = class_or_null(row.text(9), where + ".class");
  if (const auto code = row.int64(10)) {
    if (*code < std::numeric_limits<int>::min() || *code > std::numeric_limits<int>::max()) {
      bad_row(where + ".exit_code", "out of range");
    }
    attempt.exit_code = static_cast<int>(*code);
  }
  attempt.evidence = row.text(11).value_or("");
  attempt.node = row.text(12);
  attempt.peak_memory_bytes = row.int64(13);
  attempt.cpu_seconds = row.real(14);
  return {trait, std::move(attempt)};
}

// Everything of a trait's row but its attempts.
auto trait_row(const TraitRecord& r) {
  return std::tie(r.automatic_retries, r.oom_retries, r.incomplete_retries, r.manual_resubmissions,
                  r.out_of_retries, r.failure_first_seen, r.last_failure, r.pending, r.job_id);
}

Result<void> write_batch_row(sqlite::Database& db, const Ledger& ledger) {
  auto statement = db.cached(
      "INSERT OR REPLACE INTO batch (id, project, prefix, first_submitted_at, cap_state, "
      "learned_memory_tier) VALUES (1, ?1, ?2, ?3, ?4, ?5)");
  if (!statement) {
    return statement.error();
  }
  const auto cap = ledger.cap ? std::optional<std::string>(to_json(*ledger.cap).dump()) : std::nullopt;
  Statement& row = **statement;
  row.bind(1, ledger.project).bind(2, ledger.prefix).bind(3, time_text(ledger.first_submitted_at));
  row.bind(4, cap).bind(5, ledger.learned_memory_tier);
  return row.run();
}

// The connection's cached statements: prepared at the first save, reused by
// every later one.
struct RowWriters {
  Statement& trait;
  Statement& attempt;
  Statement& delete_trait;
  Statement& delete_attempts;
  Statement& delete_attempt;
};

Result<RowWriters> row_writers(sqlite::Database& db) {
  auto trait = db.cached(
      "INSERT OR REPLACE INTO traits (trait, automatic_retries, oom_retries, incomplete_retries, "
      "manual_resubmissions, out_of_retries, failure_first_seen, last_failure, pending_intent, "
      "job_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)");
  auto attempt = db.cached(
      "INSERT OR REPLACE INTO attempts (trait, attempt, job_id, memory, cpu, submitted_at, "
      "started_at, ended_at, end, class, exit_code, evidence, node, peak_memory_bytes, "
      "cpu_seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  auto delete_trait = db.cached("DELETE FROM traits WHERE trait = ?1");
  auto delete_attempts = db.cached("DELETE FROM attempts WHERE trait = ?1");
  auto delete_attempt = db.cached("DELETE FROM attempts WHERE trait = ?1 AND attempt = ?2");
  for (const auto* prepared : {&trait, &attempt, &delete_trait, &delete_attempts, &delete_attempt}) {
    if (!*prepared) {
      return prepared->error();
    }
  }
  return RowWriters{**trait, **attempt, **delete_trait, **delete_attempts, **delete_attempt};
}

Result<void> write_trait_row(Statement& statement, int trait, const TraitRecord& record) {
  const auto pending =
      record.pending ? std::optional<std::string>(to_json(*record.pending).dump()) : std::nullopt;
  statement.bind(1, trait).bind(2, record.automatic_retries).bind(3, record.oom_retries);
  statement.bind(4, record.incomplete_retries).bind(5, record.manual_resubmissions).bind(6, record.out_of_retries);
  statement.bind(7, time_text(record.failure_first_seen)).bind(8, class_text(record.last_failure));
  statement.bind(9, pending).bind(10, text_or_null(record.job_id));
  return statement.run();
}

Result<void> write_attempt_row(Statement& statement, int trait, const AttemptRecord& attempt) {
  const auto end = attempt.end ? std::optional<std::string>(std::string(to_string(*attempt.end))) : std::nullopt;
  statement.bind(1, trait).bind(2, attempt.number).bind(3, text_or_null(attempt.job_id));
  statement.bind(4, text_or_null(attempt.memory)).bind(5, text_or_null(attempt.cpu));
  statement.bind(6, time_text(attempt.submitted_at)).bind(7, time_text(attempt.started_at));
  statement.bind(8, time_text(attempt.ended_at)).bind(9, end).bind(10, class_text(attempt.failure));
  statement.bind(11, attempt.exit_code).bind(12, text_or_null(attempt.evidence)).bind(13, attempt.node);
  statement.bind(14, attempt.peak_memory_bytes).bind(15, attempt.cpu_seconds);
  return statement.run();
}

Result<void> write_trait_changes(RowWriters& writers, int trait, const TraitRecord* before,
                                 const TraitRecord& after) {
  if (before == nullptr || trait_row(*before) != trait_row(after)) {
    if (auto written = write_trait_row(writers.trait, trait, after); !written) {
      return written.error();
    }
  }
  for (const AttemptRecord& attempt : after.attempts) {
    const AttemptRecord* old = before == nullptr ? nullptr : find_attempt(*before, attempt.number);
    if (old == nullptr || !(*old == attempt)) {
      if (auto written = write_attempt_row(writers.attempt, trait, attempt); !written) {
        return written.error();
      }
    }
  }
  if (before == nullptr) {
    return {};
  }
  for (const AttemptRecord& attempt : before->attempts) {
    if (find_attempt(after, attempt.number) == nullptr) {
      if (auto deleted = writers.delete_attempt.bind(1, trait).bind(2, attempt.number).run(); !deleted) {
        return deleted.error();
      }
    }
  }
  return {};
}

}  // namespace

Result<Ledger> read_ledger_tables(sqlite::Database& db) {
  Ledger ledger;
  bool has_batch_row = false;
  try {
    auto read = each_row(db,
                         "SELECT project, prefix, first_submitted_at, cap_state, learned_memory_tier FROM batch "
                         "WHERE id = 1",
                         [&](Statement& row) {
                           read_batch_row(row, ledger);
                           has_batch_row = true;
                         });
    if (read) {
      read = each_row(db,
                      "SELECT trait, automatic_retries, oom_retries, incomplete_retries, manual_resubmissions, "
                      "out_of_retries, failure_first_seen, last_failure, pending_intent, job_id FROM traits",
                      [&](Statement& row) { ledger.traits.insert(read_trait_row(row)); });
    }
    if (read) {
      read = each_row(db,
                      "SELECT trait, attempt, job_id, memory, cpu, submitted_at, started_at, ended_at, end, class, "
                      "exit_code, evidence, node, peak_memory_bytes, cpu_seconds FROM attempts ORDER BY trait, "
                      "attempt",
                      [&](Statement& row) {
                        auto [trait, attempt] = read_attempt_row(row);
                        ledger.traits[trait].attempts.push_back(std::move(attempt));
                      });
    }
    if (!read) {
      return read.error();
    }
  } catch (const RowError& error) {
    return make_error(ErrorKind::Parse, "{}: {} is not what traitctl writes", printable(db.path().string()),
                      printable(error.what()));
  }
  if (!has_batch_row) {
    return make_error(ErrorKind::Parse, "{}: the batch table has no row", printable(db.path().string()));
  }
  return ledger;
}

LedgerChanges ledger_changes(const Ledger* before, const Ledger& after, const std::set<int>& touched) {
  LedgerChanges changes;
  changes.batch_row =
      before == nullptr ||
      std::tie(before->project, before->prefix, before->first_submitted_at, before->cap,
               before->learned_memory_tier) !=
          std::tie(after.project, after.prefix, after.first_submitted_at, after.cap, after.learned_memory_tier);
  for (const int trait : touched) {
    const auto now = after.traits.find(trait);
    const TraitRecord* old = nullptr;
    if (before != nullptr) {
      const auto found = before->traits.find(trait);
      old = found == before->traits.end() ? nullptr : &found->second;
    }
    const bool gone = now == after.traits.end();
    if (gone ? old != nullptr : old == nullptr || *old != now->second) {
      changes.traits.push_back(trait);
    }
  }
  return changes;
}

std::set<int> every_trait(const Ledger& ledger) {
  std::set<int> traits;
  for (const auto& entry : ledger.traits) {
    traits.insert(traits.end(), entry.first);
  }
  return traits;
}

Result<void> write_ledger_changes(sqlite::Database& db, const Ledger* before, const Ledger& after,
                                  const LedgerChanges& changes) {
  if (changes.batch_row) {
    if (auto written = write_batch_row(db, after); !written) {
      return written.error();
    }
  }
  auto writers = row_writers(db);
  if (!writers) {
    return writers.error();
  }
  for (const int trait : changes.traits) {
    const auto now = after.traits.find(trait);
    if (now == after.traits.end()) {  // gone from the ledger
      if (auto deleted = writers->delete_trait.bind(1, trait).run(); !deleted) {
        return deleted.error();
      }
      if (auto deleted = writers->delete_attempts.bind(1, trait).run(); !deleted) {
        return deleted.error();
      }
      continue;
    }
    const TraitRecord* old = nullptr;
    if (before != nullptr) {
      const auto found = before->traits.find(trait);
      old = found == before->traits.end() ? nullptr : &found->second;
    }
    if (auto written = write_trait_changes(*writers, trait, old, now->second); !written) {
      return written.error();
    }
  }
  return {};
}

void apply_ledger_changes(Ledger& before, const Ledger& after, const LedgerChanges& changes) {
  if (changes.batch_row) {
    before.project = after.project;
    before.prefix = after.prefix;
    before.first_submitted_at = after.first_submitted_at;
    before.cap = after.cap;
    before.learned_memory_tier = after.learned_memory_tier;
  }
  for (const int trait : changes.traits) {
    const auto now = after.traits.find(trait);
    if (now == after.traits.end()) {
      before.traits.erase(trait);
    } else {
      before.traits[trait] = now->second;
    }
  }
}

Result<void> insert_cap_request(sqlite::Database& db, const CapRequest& request) {
  auto statement = prepare(db,
                           "INSERT INTO cap_requests (max_concurrent, reset, set_at, set_by_pid) VALUES (?1, ?2, ?3, "
                           "?4)");
  if (!statement) {
    return statement.error();
  }
  statement->bind(1, request.max_concurrent).bind(2, request.reset).bind(3, format_utc(request.set_at));
  statement->bind(4, request.set_by_pid);
  return statement->run();
}

Result<std::optional<CapRequest>> read_latest_cap_request(sqlite::Database& db) {
  std::optional<CapRequest> latest;
  try {
    auto read = each_row(db,
                         "SELECT max_concurrent, reset, set_at, set_by_pid FROM cap_requests ORDER BY id DESC LIMIT 1",
                         [&](Statement& row) {
                           CapRequest request;
                           request.max_concurrent = whole(row.int64(0), "cap_requests.max_concurrent");
                           request.reset = whole(row.int64(1), "cap_requests.reset") != 0;
                           request.set_at = time_or_null(row.text(2), "cap_requests.set_at")
                                                .value_or(TimePoint{});
                           request.set_by_pid = whole(row.int64(3), "cap_requests.set_by_pid");
                           latest = request;
                         });
    if (!read) {
      return read.error();
    }
  } catch (const RowError& error) {
    return make_error(ErrorKind::Parse, "{}: {} is not what traitctl writes", printable(db.path().string()),
                      printable(error.what()));
  }
  if (latest && latest->max_concurrent < 1) {
    return make_error(ErrorKind::Parse, "{}: cap_requests.max_concurrent {} is below 1",
                      printable(db.path().string()), latest->max_concurrent);
  }
  return latest;
}

}  // namespace traitctl
