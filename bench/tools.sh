# Sourced by the bench scripts: sets TRAITCTL and RUNAI (the fake) from the
# build folder in $1, and checks that they and jq are there; and
# run_on_fake_cluster, for the scripts that run a batch on the fake runai.
TRAITCTL=$(realpath -m "$1/src/traitctl")
RUNAI=$(realpath -m "$1/tests/fake_runai/bin/runai")
for tool in "$TRAITCTL" "$RUNAI"; do
  [[ -x $tool ]] || { echo "missing $tool: build the traitctl and fake_runai targets in $1" >&2; exit 2; }
done
command -v jq >/dev/null || { echo "jq is needed to read the results" >&2; exit 2; }

# Runs `traitctl "$@"` in the folder $1 against a fresh fake cluster that the
# JSON in $2 configures (the fake first on PATH, as in the e2e tests): its
# --json report in $1/report.json, its stderr in $1/stderr, its exit code in
# STATUS. Ends the script, showing that stderr, when no report came out.
run_on_fake_cluster() {
  local dir=$1 config=$2
  shift 2
  mkdir -p "$dir/runai/bin"
  ln -s "$RUNAI" "$dir/runai/bin/runai"
  printf '%s\n' "$config" >"$dir/runai/config.json"
  STATUS=0
  (cd "$dir" && PATH=$dir/runai/bin:$PATH FAKE_RUNAI_DIR=$dir/runai HOME=$dir \
    "$TRAITCTL" "$@" >report.json 2>stderr) || STATUS=$?
  if ! jq -e . "$dir/report.json" >/dev/null 2>&1; then
    echo "${dir##*/}: traitctl exit $STATUS without a report; its stderr:" >&2
    tail -n 20 "$dir/stderr" >&2
    exit 1
  fi
}
