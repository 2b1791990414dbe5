#!/usr/bin/env bash
# The batch learning its memory tier (issue 21) against each trait climbing
# the memory ladder alone (--no-learn-memory), on the fake runai taught that
# half the traits need 40G (the fake's memory_needed: a job asking less exits
# 137, OOMKilled). MEMORY=32G, MEMORY_LADDER=64G,96G. The fake's own record
# (state.json: every workload ever created, with its exit code) gives the
# out-of-memory attempts. Not a test: it prints figures for
# docs/benchmarks.md. Build optimised first:
#
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/bench -j2 --target traitctl fake_runai
#   bench/memory_learning.sh build/bench
#
# Environment: TRAITS (default 40), CAP (--max-concurrent, default 8),
# PENDING_MS and RUNNING_MS (each job's phases in the fake, default 200 and
# 1000), REPS (repetitions of each side, default 2).
set -euo pipefail

BUILD_DIR=${1:-build/bench}
TRAITS=${TRAITS:-40}
CAP=${CAP:-8}
PENDING_MS=${PENDING_MS:-200}
RUNNING_MS=${RUNNING_MS:-1000}
REPS=${REPS:-2}

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"

WORK=$(mktemp -d -t traitctl-memory-learning-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# Every other trait (2, 4, ...) needs 40G.
NEEDED=$(jq -n --argjson first 2 --argjson last "$((TRAITS + 1))" \
  '[range($first; $last + 1; 2) | {key: "m-\(.)", value: "40G"}] | from_entries')

# One batch on a fresh fake cluster; prints one line of figures.
measure() {  # name rep traitctl-flags...
  local name=$1 rep=$2
  shift 2
  local dir=$WORK/$name-$rep
  run_on_fake_cluster "$dir" \
    "$(jq -n --argjson pending "$PENDING_MS" --argjson running "$RUNNING_MS" --argjson needed "$NEEDED" \
      '{version: "2.20", pending_ms: $pending, running_ms: $running, memory_needed: $needed}')" \
    run --prefix m --project p --traits "2-$((TRAITS + 1))" --max-concurrent "$CAP" \
    --memory-ladder 64G,96G --poll-interval 0.1s --retry-delay 1s --max-delay 4s --expected-output "" \
    --no-validate --state-dir state --yes --json "$@"
  local status=$STATUS
  local state=$dir/runai/state.json
  printf '%-10s run %d: exit %d, %2d/%d completed, %3d attempts, %3d out of memory, learned %s, %5.1f s\n' \
    "$name" "$rep" "$status" "$(jq '.completed | length' "$dir/report.json")" "$TRAITS" \
    "$(jq '[.history[] | select(.name | startswith("m-"))] | length' "$state")" \
    "$(jq '[.history[] | select(.name | startswith("m-")) | select(.exit_code == 137)] | length' "$state")" \
    "$(jq -r '.learned_memory_tier.memory // "nothing"' "$dir/report.json")" \
    "$(jq '.wall_seconds' "$dir/report.json")"
}

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "batch: $TRAITS traits, half need 40G, MEMORY 32G, ladder 64G,96G, --max-concurrent $CAP," \
  "jobs Pending ${PENDING_MS} ms then Running ${RUNNING_MS} ms; $REPS repetitions"
for ((rep = 1; rep <= REPS; rep++)); do
  measure alone "$rep" --no-learn-memory
  measure learning "$rep"
done
