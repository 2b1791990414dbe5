#!/usr/bin/env bash
# Adaptive cap against a fixed cap (issue 13) on the fake runai taught that a
# job's /data fails to mount when it reaches Running while more than K jobs
# of its batch are alive (the fake's mount_failure_above). The same batch
# runs once with --no-adaptive and once adaptive; the fake's own record
# (state.json: every workload ever created, with its exit code) gives the
# attempts and the mount failures. Not a test: it prints figures for
# docs/benchmarks.md. Build optimised first:
#
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/bench -j2 --target traitctl fake_runai
#   bench/adaptive_cap.sh build/bench
#
# Environment: TRAITS (default 60), CAP (--max-concurrent, default 20), K
# (default 8), PENDING_MS and RUNNING_MS (each job's phases in the fake,
# default 200 and 1000), REPS (repetitions of each side, default 2). Backoffs
# start at 1 s and stop doubling at 4 s, to keep a run within a minute.
set -euo pipefail

BUILD_DIR=${1:-build/bench}
TRAITS=${TRAITS:-60}
CAP=${CAP:-20}
K=${K:-8}
PENDING_MS=${PENDING_MS:-200}
RUNNING_MS=${RUNNING_MS:-1000}
REPS=${REPS:-2}

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"

WORK=$(mktemp -d -t traitctl-adaptive-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

# The largest number of the batch's workloads alive at once, from the fake's
# record (alive: created <= t < end or deletion, as the fake counts them).
MAX_ALIVE='[.history[] | select(.name | startswith("b-"))
            | [.created_ms, 1], [([.end_ms, (.deleted_ms // .end_ms)] | min), -1]]
           | sort | reduce .[] as $e ({n: 0, max: 0}; .n += $e[1] | .max = ([.max, .n] | max)) | .max'

# One batch on a fresh fake cluster; prints one line of figures.
measure() {  # name rep traitctl-flags...
  local name=$1 rep=$2
  shift 2
  local dir=$WORK/$name-$rep
  run_on_fake_cluster "$dir" \
    "$(printf '{"version": "2.20", "pending_ms": %d, "running_ms": %d, "mount_failure_above": %d}' \
      "$PENDING_MS" "$RUNNING_MS" "$K")" \
    run --prefix b --project p --traits "2-$((TRAITS + 1))" --max-concurrent "$CAP" \
    --poll-interval 0.1s --retry-delay 1s --max-delay 4s --max-retries 10 --expected-output "" --state-dir state \
    --yes --json "$@"
  local status=$STATUS
  local state=$dir/runai/state.json
  printf '%-9s run %d: exit %d, %2d/%d completed, %3d attempts, %3d mount failures, %2d out of retries,' \
    "$name" "$rep" "$status" "$(jq '.completed | length' "$dir/report.json")" "$TRAITS" \
    "$(jq '[.history[] | select(.name | startswith("b-"))] | length' "$state")" \
    "$(jq '[.history[] | select(.name | startswith("b-")) | select(.exit_code == 2)] | length' "$state")" \
    "$(jq '.out_of_retries | length' "$dir/report.json")"
  printf ' %2d alive at most, cap %s at the end, %3d cap changes, %5.1f s\n' \
    "$(jq "$MAX_ALIVE" "$state")" "$(jq -r '.cap | "\(.effective)/\(.maximum)"' "$dir/report.json")" \
    "$(grep -c '"cap-\(lowered\|raised\)"' "$dir/state/journal.jsonl" || true)" \
    "$(jq '.wall_seconds' "$dir/report.json")"
}

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ)"
echo "batch: $TRAITS traits, --max-concurrent $CAP, mount failures above $K alive," \
  "jobs Pending ${PENDING_MS} ms then Running ${RUNNING_MS} ms; $REPS repetitions"
for ((rep = 1; rep <= REPS; rep++)); do
  measure fixed "$rep" --no-adaptive
  measure adaptive "$rep"
done
