#!/usr/bin/env bash
# Makespan of `traitctl run --backend local` against `xargs -P` on the same
# jobs (issue 11: a slot is refilled the moment a job ends, not at the next
# poll). Not a test: it prints figures for docs/benchmarks.md. Build
# optimised first:
#
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/bench -j2 --target traitctl fake_runai
#   bench/local_vs_xargs.sh build/bench
#
# Environment: JOBS (default 40), CAP (jobs at once, default 4), JOB_S (each
# job's `sleep`, default 0.5), REPS (repetitions of each side, default 5).
# traitctl runs at its default --poll-interval. The two sides alternate, so
# a change in the machine's load falls on both; the medians are compared.
set -euo pipefail

BUILD_DIR=${1:-build/bench}
JOBS=${JOBS:-40}
CAP=${CAP:-4}
JOB_S=${JOB_S:-0.5}
REPS=${REPS:-5}

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"
command -v sqlite3 >/dev/null || { echo "sqlite3 is needed to read the batch database: apt-get install sqlite3" >&2; exit 2; }

WORK=$(mktemp -d -t traitctl-local-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# One traitctl batch in a fresh folder; prints its wall time in ms. A batch
# that does not complete every job is an error, not a figure.
time_traitctl() {
  local dir=$WORK/traitctl-$1 start elapsed completed
  mkdir -p "$dir"
  start=$(now_ms)
  (cd "$dir" && "$TRAITCTL" run --backend local --prefix b --project p --traits "2-$((JOBS + 1))" \
    --max-concurrent "$CAP" --expected-output "" --state-dir state --yes --json -- sh -c "sleep $JOB_S" >report.json 2>stderr) || {
    echo "traitctl failed; its stderr:" >&2
    tail -n 20 "$dir/stderr" >&2
    exit 1
  }
  elapsed=$(($(now_ms) - start))
  completed=$(jq '.completed | length' "$dir/report.json")
  ((completed == JOBS)) || { echo "traitctl completed $completed of $JOBS jobs" >&2; exit 1; }
  # From the local backend's record of its children (the batch database's
  # local_jobs table): for each job after the
  # first wave, its start minus the end that freed its slot (the k-th end
  # frees the slot of the (k+CAP)-th start).
  sqlite3 -json "$dir/state/p/b.db" \
    "SELECT CAST(round((julianday(started_at) - 2440587.5) * 86400000) AS INTEGER) AS started,
            CAST(round((julianday(finished_at) - 2440587.5) * 86400000) AS INTEGER) AS ended FROM local_jobs" |
    jq -r --argjson cap "$CAP" '(map(.started) | sort) as $started | (map(.ended) | sort) as $ended
      | range($cap; $started | length) | $started[.] - $ended[. - $cap]' >>"$WORK/refill.ms"
  echo "$elapsed"
}

time_xargs() {
  local start
  start=$(now_ms)
  seq "$JOBS" | xargs -P "$CAP" -I{} sh -c "sleep $JOB_S"
  echo $(($(now_ms) - start))
}

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg);" \
  "$(date -u +%Y-%m-%dT%H:%MZ); $JOBS jobs of ${JOB_S} s at cap $CAP, $REPS repetitions"
: >"$WORK/traitctl.ms"
: >"$WORK/xargs.ms"
: >"$WORK/refill.ms"
for ((rep = 1; rep <= REPS; rep++)); do
  time_traitctl "$rep" >>"$WORK/traitctl.ms"
  time_xargs >>"$WORK/xargs.ms"
done
ideal=$(awk -v jobs="$JOBS" -v cap="$CAP" -v s="$JOB_S" 'BEGIN { print int((jobs + cap - 1) / cap) * s * 1000 }')
traitctl_ms=$(median <"$WORK/traitctl.ms")
xargs_ms=$(median <"$WORK/xargs.ms")
printf 'traitctl run --backend local: %s ms (median; runs: %s)\n' "$traitctl_ms" "$(paste -sd' ' "$WORK/traitctl.ms")"
printf 'xargs -P %d:                   %s ms (median; runs: %s)\n' "$CAP" "$xargs_ms" "$(paste -sd' ' "$WORK/xargs.ms")"
printf 'ratio %.3f (target <= 1.1); the waves alone take %s ms\n' \
  "$(awk -v a="$traitctl_ms" -v b="$xargs_ms" 'BEGIN { print a / b }')" "$ideal"
printf 'traitctl refills a freed slot after %s ms (median of %d refills; the slowest %s ms)\n' \
  "$(median <"$WORK/refill.ms")" "$(grep -c '' "$WORK/refill.ms")" "$(sort -n "$WORK/refill.ms" | tail -n 1)"
