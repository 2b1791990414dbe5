#include "lifecycle.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <filesystem>
#include <system_error>

#include "files.hpp"
#include "flags.hpp"

namespace fake_runai {

namespace fs = std::filesystem;

namespace {

// The workloads of `w`'s batch alive at t, `w` itself included.
int alive_in_batch(const Call& call, const Workload& w, std::string_view prefix, std::int64_t t_ms) {
  int alive = 1;
  for (const Workload& other : call.state.history) {
    if (&other != &w && other.project == w.project && batch_prefix(other.name) == prefix &&
        alive_at(other, t_ms)) {
      ++alive;
    }
  }
  return alive;
}

// A held job ends once the test has created the release file: at its planned
// end, or now if that has passed.
void settle_hold(const Call& call, Workload& w) {
  if (w.held && call.released) {
    w.held = false;
    w.end_ms = std::max(w.running_from_ms + call.config.running_ms, call.now_ms);
  }
}

void settle_start(const Call& call, Workload& w) {
  if (w.start_settled || call.now_ms < w.running_from_ms) {
    return;
  }
  w.start_settled = true;
  const auto limit = call.config.mount_failure_above;
  const auto prefix = batch_prefix(w.name);
  const bool deleted_before_running = w.deleted_ms && *w.deleted_ms <= w.running_from_ms;
  if (limit && prefix && !deleted_before_running &&
      alive_in_batch(call, w, *prefix, w.running_from_ms) > *limit) {
    w.exit_code = 2;  // /data did not mount: the entrypoint's infrastructure failure
  }
}

bool outputs_withheld(const Config& config, const Workload& w) {
  const auto it = config.no_outputs.find(w.name);
  return it != config.no_outputs.end() && (it->second.empty() || it->second.contains(w.attempt));
}

std::optional<int> trait_index(const Workload& w) {
  const auto it = w.environment.find("TRAIT_INDEX");
  if (it == w.environment.end()) {
    return std::nullopt;
  }
  const std::string& text = it->second;
  int trait = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), trait);
  if (ec != std::errc{} || end != text.data() + text.size() || trait < 0) {
    return std::nullopt;
  }
  return trait;
}

// The first of MODEL's comma-separated models; MLM when MODEL is unset or empty.
std::string first_model(const Workload& w) {
  const auto it = w.environment.find("MODEL");
  const std::string models = it == w.environment.end() || it->second.empty() ? "MLM" : it->second;
  return models.substr(0, models.find(','));
}

bool plain_word(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  });
}

// The path written, or "" when the job writes nothing (see settle).
std::string write_outputs(const Config& config, const Workload& w) {
  std::error_code error;
  const auto trait = trait_index(w);
  const std::string model = first_model(w);
  if (outputs_withheld(config, w) || w.outputs_host.empty() || !fs::is_directory(w.outputs_host, error) ||
      !trait || !plain_word(model)) {
    return "";
  }
  const fs::path folder = fs::path(w.outputs_host) / fmt::format("trait_{:03}_{}", *trait, model);
  fs::create_directory(folder, error);
  if (error) {
    throw SetupError(fmt::format("cannot create {}: {}", folder.string(), error.message()));
  }
  const fs::path file = folder / "GAPIT.Association.Filter_GWAS_results.csv";
  write_atomically(file, fmt::format("\"\",\"SNP\",\"Chr\",\"Pos\",\"P.value\",\"MAF\",\"traits\"\n"
                                     "\"1\",\"S1_10493\",1,10493,2.1e-09,0.23,\"{0}.trait_{1:03}\"\n"
                                     "\"2\",\"S4_88120\",4,88120,7.4e-08,0.31,\"{0}.trait_{1:03}\"\n",
                                     model, *trait));
  return file.string();
}

void settle_outputs(const Call& call, Workload& w) {
  if (w.outputs_file || (call.now_ms < w.end_ms && !w.deleted_ms)) {
    return;
  }
  const bool completed = w.exit_code == 0 && !w.stopped && (!w.deleted_ms || *w.deleted_ms >= w.end_ms);
  w.outputs_file = completed ? write_outputs(call.config, w) : "";
}

}  // namespace

void settle(Call& call) {
  for (Workload& w : call.state.history) {
    settle_hold(call, w);
    settle_start(call, w);
    settle_outputs(call, w);
  }
}

}  // namespace fake_runai
