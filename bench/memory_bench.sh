#!/usr/bin/env bash
# Peak resident memory of a 186-trait `traitctl run` (traits 2-187, cap 50).
# Not a test: it prints figures for docs/benchmarks.md. Build optimised first:
#
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/bench -j2 --target traitctl fake_runai
#   bench/memory_bench.sh build/bench
#
# Two scenarios: the runai backend against the fake runai (jobs Pending for
# PENDING_MS and Running for RUNNING_MS, default 0 and 200), and the local
# backend with `/bin/true` as every job. The figure is traitctl's own peak
# (VmHWM in /proc/<pid>/status, read every 20 ms while it runs: the kernel's
# high-water mark, so a late read still sees an earlier peak). /usr/bin/time's
# maximum is printed too when installed; it is the largest process of the
# whole tree, the fake runai calls included.
set -euo pipefail

BUILD_DIR=${1:-build/bench}
PENDING_MS=${PENDING_MS:-0}
RUNNING_MS=${RUNNING_MS:-200}
TRAITS=2-187
CAP=50

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"
TIME=/usr/bin/time
[[ -x $TIME ]] || TIME=

WORK=$(mktemp -d -t traitctl-membench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }

# Runs "$@" (a traitctl command line) in $WORK/$name, polling its VmHWM.
# Prints: name, exit code, traits completed, wall time, traitctl's peak, the
# tree's peak.
measure() {
  local name=$1
  shift
  local dir="$WORK/$name"
  mkdir -p "$dir"
  local start pid peak=0 kb
  start=$(now_ms)
  if [[ -n $TIME ]]; then
    (cd "$dir" && exec "$TIME" -f %M -o "$dir/time.txt" "$@" >"$dir/stdout" 2>"$dir/stderr") &
  else
    (cd "$dir" && exec "$@" >"$dir/stdout" 2>"$dir/stderr") &
  fi
  local outer=$!
  pid=$outer
  if [[ -n $TIME ]]; then  # traitctl is /usr/bin/time's only child
    until pid=$(cat "/proc/$outer/task/$outer/children" 2>/dev/null) && [[ -n ${pid// /} ]]; do
      kill -0 "$outer" 2>/dev/null || break
      sleep 0.005
    done
    pid=${pid// /}
  fi
  while kb=$(awk '/^VmHWM:/ {print $2}' "/proc/$pid/status" 2>/dev/null) && [[ -n $kb ]]; do
    ((kb > peak)) && peak=$kb
    sleep 0.02
  done
  local status=0
  wait "$outer" || status=$?
  local elapsed=$(($(now_ms) - start))
  local tree=n/a
  [[ -f $dir/time.txt ]] && tree="$(tail -n 1 "$dir/time.txt") kB"
  local completed
  completed=$(jq '.completed | length' "$dir/stdout" 2>/dev/null || echo "?")
  printf '%-6s exit %d, %s traits completed in %.1f s; traitctl peak RSS %d kB (%.1f MB); largest process in the tree %s\n' \
    "$name" "$status" "$completed" "$(awk -v ms="$elapsed" 'BEGIN {print ms / 1000}')" "$peak" \
    "$(awk -v kb="$peak" 'BEGIN {print kb / 1024}')" "$tree"
  if ((status != 0)); then
    echo "  traitctl failed; its stderr:" >&2
    tail -n 20 "$dir/stderr" >&2
  fi
}

echo "machine: $(nproc) cores, $(uname -sr); $(date -u +%Y-%m-%dT%H:%MZ); traits $TRAITS, cap $CAP"

# The runai backend against the fake: jobs that end quickly, polled often.
mkdir -p "$WORK/runai"
printf '{"version": "2.20", "pending_ms": %d, "running_ms": %d}\n' "$PENDING_MS" "$RUNNING_MS" \
  >"$WORK/runai/config.json"
FAKE_RUNAI_DIR="$WORK/runai" measure runai "$TRAITCTL" run --runai "$RUNAI" --prefix b --project p \
  --traits "$TRAITS" --max-concurrent "$CAP" --poll-interval 1s --state-dir state --yes --json

# The local backend: every job is /bin/true.
measure local "$TRAITCTL" run --backend local --prefix b --project p --traits "$TRAITS" \
  --max-concurrent "$CAP" --poll-interval 1s --state-dir state --yes --json -- /bin/true
