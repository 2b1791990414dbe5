#!/usr/bin/env bash
# Time to fill SLOTS slots on a local single-node Slurm (the tests' cluster,
# started privately): traitctl submit --backend slurm against bash loops of
# sbatch calls. Not a test: it prints figures for docs/benchmarks.md.
#
#   bench/slurm_bench.sh [BUILD_DIR]
#
# Needs Debian's slurmctld slurmd slurm-client munge, and the traitctl and
# slurm_test_cluster targets built in BUILD_DIR (default build/dev).
# Environment: SLOTS (jobs to have in Slurm at once, default 50).
set -euo pipefail

BUILD_DIR=${1:-build/dev}
SLOTS=${SLOTS:-50}
TRAITCTL=$(realpath -m "$BUILD_DIR/src/traitctl")
CLUSTER_TOOL=$(realpath -m "$BUILD_DIR/tests/slurm/slurm_test_cluster")
for tool in "$TRAITCTL" "$CLUSTER_TOOL"; do
  [[ -x $tool ]] || { echo "missing $tool: build the traitctl and slurm_test_cluster targets in $BUILD_DIR" >&2; exit 2; }
done

WORK=$(mktemp -d -t traitctl-slurm-bench-XXXXXX)
CLUSTER=$WORK/cluster
trap '"$CLUSTER_TOOL" stop "$CLUSTER" >/dev/null; rm -rf "$WORK"' EXIT
"$CLUSTER_TOOL" start "$CLUSTER" >/dev/null
export SLURM_CONF=$CLUSTER/slurm.conf

# Each Slurm command logs its name before running the real one, so that
# both sides are counted the same way (and pay the same small cost).
mkdir -p "$WORK/bin"
for command in sbatch squeue scontrol sacct scancel; do
  real=$(command -v "$command")
  printf '#!/bin/sh\necho %s >> "%s/calls"\nexec %s "$@"\n' "$command" "$WORK" "$real" >"$WORK/bin/$command"
  chmod +x "$WORK/bin/$command"
done
export PATH=$WORK/bin:$PATH

now_ms() { date +%s%3N; }
# Cancels everything and waits until squeue lists nothing active.
reset_cluster() {
  scancel -u "$(id -u)" || true
  while squeue -h -t pending,running,completing -o %i | grep -q .; do sleep 0.2; done
  : >"$WORK/calls"
}
report() {  # label elapsed_ms
  local jobs calls
  calls=$(grep -c '' "$WORK/calls")  # before the squeue below adds one
  jobs=$(grep -c '' <(squeue -h -t pending,running -o %i))
  printf '%-44s %3d jobs in %6.2f s, %3d Slurm calls (%d sbatch, %d squeue)\n' "$1" "$jobs" \
    "$(awk -v ms="$2" 'BEGIN { print ms / 1000 }')" "$calls" "$(head -n "$calls" "$WORK/calls" | grep -c '^sbatch' || true)" \
    "$(head -n "$calls" "$WORK/calls" | grep -c '^squeue' || true)"
}

LAST=$((SLOTS + 1))
echo "machine: $(nproc) cores, $(uname -sr); $(sbatch --version); slots: $SLOTS (the node runs" \
  "$(sinfo -h -o %c) at once, the rest pend)"

# (a) traitctl from a cold start: no state, no job of the batch.
reset_cluster
cat >"$WORK/batch.env" <<ENV
PROJECT=bench
JOB_PREFIX=b
CPU=1
MEMORY=64M
DATA_PATH_HOST=$WORK
OUTPUT_PATH_HOST=$WORK
ENV
start=$(now_ms)
"$TRAITCTL" submit --backend slurm --env-file "$WORK/batch.env" --traits "2-$LAST" \
  --max-concurrent "$SLOTS" --state-dir "$WORK/state" --yes -- /bin/sleep 600 >/dev/null 2>&1
report "(a) traitctl submit --backend slurm" $(($(now_ms) - start))

# (b) a bash loop of sbatch calls, one per trait, nothing checked.
reset_cluster
start=$(now_ms)
for ((trait = 2; trait <= LAST; trait++)); do
  sbatch --parsable --job-name "l-$trait" --cpus-per-task 1 --mem 64M --output "$WORK/l-$trait.log" \
    --wrap "sleep 600" >/dev/null
done
report "(b) bash loop of sbatch" $(($(now_ms) - start))

# (c) the same loop keeping a cap the old scripts' way: does the job exist,
# how many of the batch are active, then sbatch.
reset_cluster
start=$(now_ms)
for ((trait = 2; trait <= LAST; trait++)); do
  squeue -h -t all -n "c-$trait" -o %i | grep -q . && continue
  active=$(squeue -h -t pending,running -o %j | grep -c '^c-' || true)
  ((active < SLOTS)) || break
  sbatch --parsable --job-name "c-$trait" --cpus-per-task 1 --mem 64M --output "$WORK/c-$trait.log" \
    --wrap "sleep 600" >/dev/null
done
report "(c) bash loop with existence and cap checks" $(($(now_ms) - start))
reset_cluster
