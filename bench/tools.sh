# Sourced by the bench scripts: sets TRAITCTL and RUNAI (the fake) from the
# build folder in $1, and checks that they and jq are there.
TRAITCTL=$(realpath -m "$1/src/traitctl")
RUNAI=$(realpath -m "$1/tests/fake_runai/bin/runai")
for tool in "$TRAITCTL" "$RUNAI"; do
  [[ -x $tool ]] || { echo "missing $tool: build the traitctl and fake_runai targets in $1" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "jq is needed to read the results" >&2; exit 2; }
