#!/usr/bin/env bash
# The demo on a fresh Debian machine, no cluster needed: installs what
# building traitctl needs when it is missing (not the test tools), builds
# traitctl (optimised, in build/demo) and runs a batch of twenty traits,
# four at a time. It ends with the commands to look at the batch and
# writes the batch's HTML report (traitctl report), printing where it is.
#
# The batch of examples/demo.env runs as local processes (--backend local,
# each job is examples/gwas-trait.sh); traits 5 and 9 hit a planned mount
# failure on their first attempt and are retried.
#
# Environment: DEMO_MOUNT_FAILURES (default "5,9"), DEMO_CONFIG_ERRORS,
# DEMO_MOUNT_FAILURES_ALWAYS, DEMO_SLEEP (see examples/README.md);
# TRAITCTL_DEMO_BUILD_DIR (default build/demo); TRAITCTL_DEMO_JOBS (build jobs).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${TRAITCTL_DEMO_BUILD_DIR:-build/demo}
jobs=${TRAITCTL_DEMO_JOBS:-$(nproc 2>/dev/null || echo 2)}

bash scripts/install-deps.sh --build
# An existing build folder keeps its own settings.
if [ -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" >/dev/null
else
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTRAITCTL_BUILD_TESTS=OFF >/dev/null
fi
cmake --build "$build" --target traitctl -j "$jobs"
build_dir=$(cd "$build" && pwd)
traitctl=$build_dir/src/traitctl
# <build>/traitctl: the binary under a short name, for the commands printed
# below and the README's.
ln -sfn src/traitctl "$build_dir/traitctl"

# A fresh state folder and outputs for every demo, inside the build folder:
# the demo never touches ./.traitctl or a real batch's ledger.
demo_dir=$build_dir/demo-run
rm -rf "$demo_dir"
mkdir -p "$demo_dir/data" "$demo_dir/outputs"
# Small GAPIT inputs, so that the checks run before a batch (validate's) pass.
cp -R examples/demo-data/. "$demo_dir/data"
export DATA_PATH_HOST=$demo_dir/data OUTPUT_PATH_HOST=$demo_dir/outputs
state=(--state-dir "$demo_dir/state")

export DEMO_MOUNT_FAILURES=${DEMO_MOUNT_FAILURES-5,9}
args=(run --backend local --env-file examples/demo.env "${state[@]}" --yes --poll-interval 1s
      -- examples/gwas-trait.sh)
echo "+ traitctl ${args[*]}" >&2
status=0
"$traitctl" "${args[@]}" || status=$?
cat >&2 <<END

traitctl run exited with $status (0: every trait completed; 3: some trait failed for good).
Results: $OUTPUT_PATH_HOST/trait_<NNN>_MLM/GAPIT.Association.Filter_GWAS_results.csv; job logs: $demo_dir/state/logs/

Look at the batch (from any folder):
  $(printf '%q' "$build_dir/traitctl") status --backend local --env-file $(printf '%q' "$PWD/examples/demo.env") --state-dir $(printf '%q' "$demo_dir/state")
  tail -n 20 $(printf '%q' "$demo_dir/state/journal.jsonl")    # the journal: one JSON event per line
END

# The batch's report: one HTML page (summary, timeline, failures) that opens
# in any browser, from the batch's state alone.
report=$demo_dir/report.html
if "$traitctl" report --backend local --env-file examples/demo.env "${state[@]}" -o "$report"; then
  echo >&2
  echo "The batch's report: $report" >&2
fi
exit "$status"
