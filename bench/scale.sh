#!/usr/bin/env bash
# traitctl's own cost as the batch grows (issue 20): `traitctl run --backend
# local` with `true` as every trait's job against `xargs -P CAP` running the
# same `true`s, at each size given; then the runai backend against the fake
# runai. Not a test: it prints a table for docs/benchmarks.md. Build
# optimised first (the fake is a test target, hence TRAITCTL_BUILD_TESTS):
#
#   cmake --preset release -DTRAITCTL_BUILD_TESTS=ON
#   cmake --build build/release -j2 --target traitctl fake_runai
#   bench/scale.sh build/release 500 2000 5000 20000
#
# Arguments: the build folder, then the batch sizes (default 500 2000: a few
# minutes). Environment: CAP (jobs at once, default 50); RUNAI_TRAITS (the
# runai scenario's size, default 500; 0 skips it); POLL_S (its poll
# interval, default 0.5); RUNNING_MS (how long a fake job runs, default 200);
# LIMIT_S (each run is stopped after this many seconds and reported as such,
# default 900); SETTLE_S (the pause after removing a size's state folder and
# logs, default 40: on ext4 without a journal every file created in the ~35 s
# after thousands were deleted is slow, and the next size would pay for it).
#
# Columns: wall time of each side and their ratio; `cpu/trait` is traitctl's
# own user+sys time (its /proc/<pid>/stat, read every 50 ms while it runs, so
# up to 50 ms short) per trait; `tree cpu` is /usr/bin/time's user+sys of
# traitctl and every process it reaped (the jobs, the fake runai calls);
# `peak RSS` is traitctl's VmHWM; `state` is the size of its state folder
# (the batch's record, the logs not included).
set -euo pipefail

BUILD_DIR=${1:-build/release}
shift || true
SIZES=("$@")
((${#SIZES[@]} > 0)) || SIZES=(500 2000)
CAP=${CAP:-50}
RUNAI_TRAITS=${RUNAI_TRAITS:-500}
POLL_S=${POLL_S:-0.5}
RUNNING_MS=${RUNNING_MS:-200}
LIMIT_S=${LIMIT_S:-900}
SETTLE_S=${SETTLE_S:-40}

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"
TIME=/usr/bin/time
[[ -x $TIME ]] || { echo "GNU time (/usr/bin/time) is needed: apt-get install time" >&2; exit 2; }
TICKS=$(getconf CLK_TCK)

WORK=$(mktemp -d -t traitctl-scale-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
# A fifo nobody writes: `read -t` on it sleeps without forking a `sleep`, so
# that sampling costs the shared machine next to nothing.
mkfifo "$WORK/idle"
exec {IDLE}<>"$WORK/idle"
pause() { read -r -t "$1" -u "$IDLE" _ || true; }

now_ms() { date +%s%3N; }

# Runs "$@" in the folder $1 under /usr/bin/time, at most LIMIT_S seconds,
# sampling the process's own CPU ticks and VmHWM. Sets WALL_MS, STATUS,
# OWN_CPU_S, TREE_CPU_S and PEAK_KB.
measure() {
  local dir=$1
  shift
  local start outer pid="" stat rest fields key value
  local ticks=0 peak=0
  start=$(now_ms)
  (cd "$dir" && exec timeout "$LIMIT_S" "$TIME" -f '%U %S' -o "$dir/time.txt" "$@" >"$dir/stdout" 2>"$dir/stderr") &
  outer=$!
  # timeout -> time -> the command: the sampled process is the grandchild.
  local parent=$outer
  for _ in 1 2; do
    until pid=$(cat "/proc/$parent/task/$parent/children" 2>/dev/null) && [[ -n ${pid// /} ]]; do
      kill -0 "$parent" 2>/dev/null || break 2
      pause 0.002
    done
    pid=${pid%% *}
    parent=$pid
  done
  while [[ -n $pid ]] && read -r stat 2>/dev/null <"/proc/$pid/stat"; do
    rest=${stat##*) }
    read -ra fields <<<"$rest"
    [[ ${fields[0]} == Z ]] && break
    ticks=$((fields[11] + fields[12]))
    while read -r key value _; do
      [[ $key == VmHWM: ]] && ((value > peak)) && peak=$value
    done 2>/dev/null <"/proc/$pid/status" || true
    pause 0.05
  done
  STATUS=0
  wait "$outer" || STATUS=$?
  WALL_MS=$(($(now_ms) - start))
  OWN_CPU_S=$(awk -v t="$ticks" -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz }')
  TREE_CPU_S=$(awk '{ printf "%.2f", $1 + $2 } END { if (NR == 0) print "?" }' "$dir/time.txt" 2>/dev/null || echo "?")
  PEAK_KB=$peak
}

# Checks a traitctl run: every trait completed, or says why not. Prints "ok"
# or the reason.
verdict() {
  local dir=$1 traits=$2 completed
  if ((STATUS == 124)); then
    echo "stopped after ${LIMIT_S} s"
    return
  fi
  if ((STATUS != 0)); then
    echo "exit $STATUS: $(tail -n 1 "$dir/stderr")"
    return
  fi
  completed=$(jq '.completed | length' "$dir/stdout" 2>/dev/null || echo "?")
  [[ $completed == "$traits" ]] && echo ok || echo "$completed of $traits completed"
}

state_size() {
  du -sb --exclude=logs "$1/state" 2>/dev/null | awk '{ printf "%.0f KB", $1 / 1024 }'
}

seconds() { awk -v ms="$1" 'BEGIN { printf "%.1f s", ms / 1000 }'; }
per_trait_ms() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.2f ms", s * 1000 / n }'; }

echo "machine: $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg); $(date -u +%Y-%m-%dT%H:%MZ);" \
  "cap $CAP; $($TRAITCTL --version 2>/dev/null | head -n 1)"
printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' traits traitctl "xargs -P $CAP" ratio \
  "cpu/trait" "tree cpu" "peak RSS" state result
echo '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |'
for traits in "${SIZES[@]}"; do
  dir="$WORK/local-$traits"
  mkdir -p "$dir" "$WORK/xargs-$traits"
  measure "$dir" "$TRAITCTL" run --backend local --prefix b --project p --traits "2-$((traits + 1))" \
    --max-concurrent "$CAP" --expected-output "" --no-validate --state-dir state --yes --json -- true
  ok=$(verdict "$dir" "$traits")
  traitctl_ms=$WALL_MS own=$OWN_CPU_S tree=$TREE_CPU_S peak=$PEAK_KB size=$(state_size "$dir")
  measure "$WORK/xargs-$traits" sh -c "seq $traits | xargs -P $CAP -n 1 true"
  xargs_ms=$WALL_MS
  printf '| %s | %s | %s | %.2f | %s | %s s | %.1f MB | %s | %s |\n' "$traits" "$(seconds "$traitctl_ms")" \
    "$(seconds "$xargs_ms")" "$(awk -v a="$traitctl_ms" -v b="$xargs_ms" 'BEGIN { print a / b }')" \
    "$(per_trait_ms "$own" "$traits")" "$tree" "$(awk -v kb="$peak" 'BEGIN { print kb / 1024 }')" \
    "$size" "$ok"
  rm -rf "$dir" "$WORK/xargs-$traits"
  pause "$SETTLE_S"
done

((RUNAI_TRAITS > 0)) || exit 0
# The runai backend: every runai call is a process of the fake, which keeps
# its cluster in one JSON file; its cost is in `tree cpu`, not in cpu/trait.
dir="$WORK/runai"
mkdir -p "$dir"
printf '{"version": "2.20", "pending_ms": 0, "running_ms": %d}\n' "$RUNNING_MS" >"$dir/config.json"
FAKE_RUNAI_DIR=$dir measure "$dir" "$TRAITCTL" run --runai "$RUNAI" --prefix b --project p \
  --traits "2-$((RUNAI_TRAITS + 1))" --max-concurrent "$CAP" --poll-interval "${POLL_S}s" \
  --expected-output "" --no-validate --state-dir state --yes --json
echo
echo "runai backend against the fake runai (jobs of ${RUNNING_MS} ms, --poll-interval ${POLL_S}s):"
printf '| traits | wall time | cpu/trait | tree cpu | peak RSS | runai calls | state | result |\n'
printf '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n'
printf '| %s | %s | %s | %s s | %.1f MB | %s | %s | %s |\n' "$RUNAI_TRAITS" "$(seconds "$WALL_MS")" \
  "$(per_trait_ms "$OWN_CPU_S" "$RUNAI_TRAITS")" "$TREE_CPU_S" \
  "$(awk -v kb="$PEAK_KB" 'BEGIN { print kb / 1024 }')" "$(grep -c '' "$dir/calls.jsonl" 2>/dev/null || echo "?")" \
  "$(state_size "$dir")" "$(verdict "$dir" "$RUNAI_TRAITS")"
