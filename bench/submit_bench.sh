#!/usr/bin/env bash
# Submission throughput of traitctl against the fake runai, next to a model of
# the old bash loop. Not a test: it prints figures for docs/benchmarks.md.
#
#   bench/submit_bench.sh [BUILD_DIR]
#
# Environment: LATENCY_MS (per runai call, default 300), SLOTS (free slots to
# fill, default 50), OLD_SLEEP_S (the old script's sleep per submit, default 2),
# POLL_S (traitctl's poll interval for the refill measurement, default 2).
set -euo pipefail

BUILD_DIR=${1:-build-e2e}
LATENCY_MS=${LATENCY_MS:-300}
SLOTS=${SLOTS:-50}
OLD_SLEEP_S=${OLD_SLEEP_S:-2}
POLL_S=${POLL_S:-2}

source "$(dirname "$0")/tools.sh" "$BUILD_DIR"

WORK=$(mktemp -d -t traitctl-bench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT

now_ms() { date +%s%3N; }

# A fresh fake cluster in $WORK/$1 with the given config; echoes its dir.
cluster() {
  local dir="$WORK/$1"
  mkdir -p "$dir"
  printf '%s\n' "$2" >"$dir/config.json"
  echo "$dir"
}

# Jobs that stay Running for the whole measurement: filling is all we time.
LONG_JOBS="{\"version\": \"2.20\", \"latency_ms\": $LATENCY_MS, \"pending_ms\": 1000, \"running_ms\": 600000}"
LAST=$((SLOTS + 1))

echo "machine: $(nproc) cores, $(uname -sr); latency per runai call: ${LATENCY_MS} ms; slots: $SLOTS"

# (a) traitctl from a cold start: no state, an empty project, SLOTS free slots.
dir=$(cluster traitctl "$LONG_JOBS")
start=$(now_ms)
FAKE_RUNAI_DIR=$dir "$TRAITCTL" submit --runai "$RUNAI" --prefix b --project p --traits "2-$LAST" \
  --max-concurrent "$SLOTS" --poll-interval 30s --state-dir "$dir/state" --yes >/dev/null 2>&1
elapsed=$(($(now_ms) - start))
calls=$(wc -l <"$dir/calls.jsonl")
created=$(jq '.history | length' "$dir/state.json")
printf '(a) traitctl:  %d jobs in %.2f s, %d runai calls (%.2f per job)\n' "$created" \
  "$(jq -n "$elapsed / 1000")" "$calls" "$(jq -n "$calls / $created")"

# (b) the old script: per trait, list to see whether the job exists, list to
# count the batch's active jobs, submit, then sleep.
dir=$(cluster old "$LONG_JOBS")
start=$(now_ms)
for ((trait = 2; trait <= LAST; trait++)); do
  FAKE_RUNAI_DIR=$dir "$RUNAI" workspace list --project p | grep -qE "^ *b-$trait " && continue
  active=$(FAKE_RUNAI_DIR=$dir "$RUNAI" workspace list --project p | grep -cE '^ *b-[0-9]+ .*(Running|Pending)' || true)
  ((active < SLOTS)) || break
  FAKE_RUNAI_DIR=$dir "$RUNAI" workspace submit "b-$trait" --project p --image gapit:1 --command -- /run.sh >/dev/null
  sleep "$OLD_SLEEP_S"
done
elapsed=$(($(now_ms) - start))
calls=$(wc -l <"$dir/calls.jsonl")
created=$(jq '.history | length' "$dir/state.json")
printf '(b) old bash:  %d jobs in %.2f s, %d runai calls (%.2f per job)\n' "$created" \
  "$(jq -n "$elapsed / 1000")" "$calls" "$(jq -n "$calls / $created")"

# (c) refill delay: 3 slots, 9 traits, jobs of 3 s. For each job started
# after the first wave: its creation minus the end of the job whose slot it
# took (the k-th end frees the slot of the (k+cap)-th creation).
CAP=3
dir=$(cluster refill "{\"version\": \"2.20\", \"latency_ms\": $LATENCY_MS, \"pending_ms\": 0, \"running_ms\": 3000}")
FAKE_RUNAI_DIR=$dir "$TRAITCTL" submit --runai "$RUNAI" --prefix b --project p --traits 2-10 \
  --max-concurrent "$CAP" --poll-interval "${POLL_S}s" --state-dir "$dir/state" --yes >/dev/null 2>&1
jq -r --argjson cap "$CAP" --argjson poll "$POLL_S" '
  (.history | map(.created_ms) | sort) as $created
  | (.history | map(.end_ms) | sort) as $ended
  | [range($cap; $created | length) | ($created[.] - $ended[. - $cap])] as $delays
  | "(c) refill:    delays \($delays | map(tostring + " ms") | join(", ")); "
    + "max \($delays | max) ms, mean \(($delays | add) / ($delays | length) | floor) ms "
    + "(poll interval \($poll * 1000) ms + one listing and one submit at the call latency)"' "$dir/state.json"
