#!/bin/sh
# Stands in for the GAPIT container's `run-single-trait` in the local demo:
# prints what the entrypoint prints, takes a moment, and writes what GAPIT
# writes last, $OUTPUT_PATH/trait_<NNN>_<MODEL>/GAPIT.Association.Filter_GWAS_results.csv
# (traitctl's EXPECTED_OUTPUT). It follows the job contract: exit 0 done,
# 1 configuration error (never retried), 2 mount failure (retried), 137
# killed for want of memory (retried at the next MEMORY_LADDER tier).
#
# Failures on demand, as comma-separated trait lists in the environment:
#   DEMO_MOUNT_FAILURES="5,9"       exit 2 on the first attempt only, so the retry succeeds
#   DEMO_MOUNT_FAILURES_ALWAYS="7"  exit 2 on every attempt
#   DEMO_CONFIG_ERRORS="11"         exit 1
#   DEMO_OOM="6"                    exit 137 ("Killed") unless MEMORY is at least DEMO_OOM_NEEDS_GIB
#                                   (default 64) gibibytes
#   DEMO_NO_OUTPUT="8"              exit 0 without the results file on the first attempt
# DEMO_SLEEP: seconds of "work" (default 1).
# DEMO_HOLD_UNTIL: a file; after its work the job waits until that file exists
#   (tests keep a job running this way until they release it, or stop it).
set -eu

trait=${TRAIT_INDEX:?TRAIT_INDEX is not set: run this through traitctl}
outputs=${OUTPUT_PATH:?OUTPUT_PATH is not set: run this through traitctl}
attempt=${TRAITCTL_ATTEMPT:-1}
model=$(printf '%s' "${MODEL:-MLM}" | cut -d, -f1)

# Whether this trait is in a comma-separated list such as "5, 9".
listed() {
  case ",$(printf '%s' "$1" | tr -d ' ')," in
    *",$trait,"*) return 0 ;;
  esac
  return 1
}

# MEMORY (e.g. 64G, 96Gi, 512M) in whole gibibytes, rounded down.
memory_gib() {
  amount=$(printf '%s' "${MEMORY:-0}" | sed 's/[^0-9.].*//')
  case "${MEMORY:-}" in
    *T | *Ti) factor=1024 ;;
    *G | *Gi) factor=1 ;;
    *) factor=0 ;;
  esac
  awk -v a="${amount:-0}" -v f="$factor" 'BEGIN { printf "%d", a * f }'
}

echo "[INFO] GAPIT entrypoint starting for trait $trait (attempt $attempt, memory ${MEMORY:-unset})"
echo "[INFO] Checking inputs and mounts"
if listed "${DEMO_MOUNT_FAILURES_ALWAYS:-}" || { [ "$attempt" = 1 ] && listed "${DEMO_MOUNT_FAILURES:-}"; }; then
  echo "[ERROR] INFRASTRUCTURE MOUNT FAILURE: /data is not a mount point" >&2
  echo "[ERROR] INFRASTRUCTURE FAILURE (NOT A CONFIGURATION ERROR)" >&2
  echo "[ERROR] Exiting with code 2" >&2
  exit 2
fi
if listed "${DEMO_CONFIG_ERRORS:-}"; then
  echo "[ERROR] Missing required files or directories:" >&2
  echo "  - GENOTYPE_FILE=${GENOTYPE_FILE:-/data/genotype/missing.hmp.txt}" >&2
  echo "[ERROR] Configuration error: fix the inputs above; a retry cannot succeed" >&2
  exit 1
fi

echo "[INFO] Loading genotype and phenotype data"
echo "[INFO] Running GWAS models (${MODEL:-MLM})"
sleep "${DEMO_SLEEP:-1}"
if [ -n "${DEMO_HOLD_UNTIL:-}" ]; then
  while [ ! -e "$DEMO_HOLD_UNTIL" ]; do sleep 0.1; done
fi
if listed "${DEMO_OOM:-}" && [ "$(memory_gib)" -lt "${DEMO_OOM_NEEDS_GIB:-64}" ]; then
  echo "Error: cannot allocate vector of size 2.1 Gb" >&2
  echo "Killed" >&2
  exit 137
fi
if [ "$attempt" = 1 ] && listed "${DEMO_NO_OUTPUT:-}"; then
  echo "[WARN] GAPIT returned without writing its results"
  exit 0
fi
folder=$(printf '%s/trait_%03d_%s' "$outputs" "$trait" "$model")
mkdir -p "$folder"
printf 'SNP,Chromosome,Position,P.value,trait,attempt\nsnp_1,1,1000,1e-9,%s,%s\n' "$trait" "$attempt" \
  > "$folder/GAPIT.Association.Filter_GWAS_results.csv"
echo "[INFO] Results written to $folder"
echo "[INFO] Done"
