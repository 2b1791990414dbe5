#!/usr/bin/env bash
# How long `traitctl report` takes on a finished 20,000-trait batch, per
# format, and how large each file is. Not a test: it prints figures for
# docs/benchmarks.md. Build optimised first:
#
#   cmake -S . -B build/bench -G Ninja -DCMAKE_BUILD_TYPE=Release
#   cmake --build build/bench -j2 --target traitctl report_ledger
#   bench/report_bench.sh build/bench [TRAITS]
set -euo pipefail

BUILD_DIR=${1:-build/bench}
TRAITS=${2:-20000}
TRAITCTL=$(realpath -m "$BUILD_DIR/src/traitctl")
LEDGER=$(realpath -m "$BUILD_DIR/bench/report_ledger")
for tool in "$TRAITCTL" "$LEDGER"; do
  [[ -x $tool ]] || { echo "missing $tool: build the traitctl and report_ledger targets in $BUILD_DIR" >&2; exit 2; }
done

WORK=$(mktemp -d -t traitctl-reportbench-XXXXXX)
trap 'rm -rf "$WORK"' EXIT
"$LEDGER" "$WORK/state" lab big "$TRAITS"

# Wall time, and CPU time (user + system), which a busy machine inflates less.
TIMEFORMAT='%R %U %S'
printf '%-9s %8s %8s %12s\n' format wall cpu bytes
for format in html markdown junit json; do
  # The runai backend: the report needs no runai CLI and asks no cluster.
  read -r wall user sys < <({ time "$TRAITCTL" report --state-dir "$WORK/state" --project lab --prefix big \
    --traits "2-$((TRAITS + 1))" --format "$format" -o "$WORK/report.$format" 2>/dev/null; } 2>&1)
  printf '%-9s %8.2f %8.2f %12d\n' "$format" "$wall" "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" \
    "$(stat -c %s "$WORK/report.$format")"
done
