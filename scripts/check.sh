#!/usr/bin/env bash
# Installs what is missing, builds traitctl and runs every test once, under
# ASan+UBSan with warnings as errors (the sanitizers catch what a plain build
# would miss, and one build keeps CI on two cores well under its limit), then
# a short fuzz run of the listing parsers. Each stage prints a header so a CI
# log shows which one failed. Day to day, `cmake --preset dev` builds faster.
set -euo pipefail
cd "$(dirname "$0")/.."

section() { printf '\n==== %s (at %dm%02ds) ====\n' "$1" $((SECONDS / 60)) $((SECONDS % 60)); }

section "Dependencies"
bash scripts/install-deps.sh

section "Build (Debug, ASan + UBSan, warnings as errors)"
cmake --preset sanitize
cmake --build --preset sanitize
section "Tests (under ASan + UBSan)"
# The fake runai writes its sanitizer reports here (traitctl reads the fake's
# stderr, where they could be lost; see cmake/sanitizer_defaults.cpp).
reports=build/sanitize/sanitizer-reports
rm -f "$reports"/runai.*
status=0
ctest --preset sanitize || status=$?
if compgen -G "$reports/runai.*" >/dev/null; then
  echo "The fake runai hit sanitizer errors:" >&2
  cat "$reports"/runai.* >&2
  status=1
fi
[ "$status" -eq 0 ] || exit "$status"

section "Fuzz smoke (libFuzzer, 20 s per listing parser)"
cmake --preset fuzz
cmake --build --preset fuzz
ctest --preset fuzz

section "All checks passed"
