#!/usr/bin/env bash
# The demo on a fresh Debian machine, no cluster needed: installs what is
# missing, builds traitctl (optimised, in build/demo) and runs a batch of
# twenty traits, four at a time.
#
# With `traitctl run`, the batch of examples/demo.env runs as local processes
# (--backend local, each job is examples/gwas-trait.sh); traits 5 and 9 hit a
# planned mount failure on their first attempt and are retried. Without it,
# `traitctl submit` runs the batch against the project's fake runai.
#
# Environment: DEMO_MOUNT_FAILURES (default "5,9"), DEMO_CONFIG_ERRORS,
# DEMO_MOUNT_FAILURES_ALWAYS, DEMO_SLEEP (see examples/README.md);
# TRAITCTL_DEMO_BUILD_DIR (default build/demo); TRAITCTL_DEMO_JOBS (build jobs);
# TRAITCTL_DEMO_BACKEND=fake to show the Run:ai path against the fake runai.
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TRAITCTL_DEMO_BUILD_DIR:-build/demo}
jobs=${TRAITCTL_DEMO_JOBS:-$(nproc 2>/dev/null || echo 2)}

bash scripts/install-deps.sh
# Tests stay on: the fake runai of the fallback is built from tests/. An
# existing build folder keeps its own settings.
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" >/dev/null
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRAITCTL_BUILD_TESTS=ON >/dev/null
fi
cmake --build "$build" --target traitctl -j "$jobs"
traitctl=$PWD/$build/src/traitctl

# A fresh state folder and outputs for every demo, inside the build folder:
# the demo never touches ./.traitctl or a real batch's ledger.
demo_dir=$PWD/$build/demo-run
rm -rf "$demo_dir"
mkdir -p "$demo_dir/data" "$demo_dir/outputs"
export DATA_PATH_HOST=$demo_dir/data OUTPUT_PATH_HOST=$demo_dir/outputs
state=(--state-dir "$demo_dir/state")

# Whether this build has a command: `--help` of an unknown word prints the
# top-level help and exits 0, so look for the command's own usage line.
has_command() {
  local help
  help=$("$traitctl" "$1" --help 2>&1) && grep -q "Usage: traitctl $1 " <<<"$help"
}

if [ "${TRAITCTL_DEMO_BACKEND:-local}" != fake ] && has_command run; then
  run_help=$("$traitctl" run --help 2>&1)
  export DEMO_MOUNT_FAILURES=${DEMO_MOUNT_FAILURES-5,9}
  args=(run --backend local --env-file examples/demo.env "${state[@]}" --yes)
  if grep -q -- '--poll-interval' <<<"$run_help"; then
    args+=(--poll-interval 1s)
  fi
  if grep -qE -- '--command[ ,=]' <<<"$run_help"; then
    args+=(--command examples/gwas-trait.sh)
  else
    args+=(-- examples/gwas-trait.sh)
  fi
  echo "+ traitctl ${args[*]}" >&2
  status=0
  "$traitctl" "${args[@]}" || status=$?
  echo >&2
  echo "Results: $OUTPUT_PATH_HOST/trait_<n>/result.txt; job logs: $demo_dir/state/logs/" >&2
  echo "traitctl run exited with $status (0: every trait completed; 3: some trait failed for good)" >&2
  exit "$status"
fi

# Fallback: no `run` in this build yet. Submit the batch to the fake runai.
cmake --build "$build" --target fake_runai -j "$jobs"
fake=$PWD/$build/tests/fake_runai/bin/runai
FAKE_RUNAI_DIR=$(mktemp -d "${TMPDIR:-/tmp}/traitctl-demo.XXXXXX")
export FAKE_RUNAI_DIR
trap 'rm -rf "$FAKE_RUNAI_DIR"' EXIT
# Each job: 1 s pending, 2 s running; trait 7 fails with a mount failure (exit 2).
cat >"$FAKE_RUNAI_DIR/config.json" <<'JSON'
{"version": "2.20", "pending_ms": 1000, "running_ms": 2000, "plans": {"demo-trait-7": [2]}}
JSON

args=(submit --env-file examples/demo.env "${state[@]}" --yes --traits 2-21 --max-concurrent 4
      --poll-interval 0.5s --runai "$fake")
echo "+ traitctl ${args[*]}" >&2
"$traitctl" "${args[@]}"

if has_command status; then
  echo "+ traitctl status --env-file examples/demo.env --runai $fake" >&2
  "$traitctl" status --env-file examples/demo.env "${state[@]}" --runai "$fake"
else
  echo "+ runai workspace list --project demo   (the fake cluster's view)" >&2
  "$fake" workspace list --project demo
fi
