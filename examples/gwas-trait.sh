#!/bin/sh
# Stands in for the GAPIT container's `run-single-trait` in the local demo:
# prints what the entrypoint prints, takes a moment, and writes
# $OUTPUT_PATH/trait_<TRAIT_INDEX>/result.txt. It follows the job contract:
# exit 0 done, 1 configuration error (never retried), 2 mount failure (retried).
#
# Failures on demand, as comma-separated trait lists in the environment:
#   DEMO_MOUNT_FAILURES="5,9"       exit 2 on the first attempt only, so the retry succeeds
#   DEMO_MOUNT_FAILURES_ALWAYS="7"  exit 2 on every attempt
#   DEMO_CONFIG_ERRORS="11"         exit 1
# DEMO_SLEEP: seconds of "work" (default 1).
set -eu

trait=${TRAIT_INDEX:?TRAIT_INDEX is not set: run this through traitctl}
outputs=${OUTPUT_PATH:?OUTPUT_PATH is not set: run this through traitctl}
attempt=${TRAITCTL_ATTEMPT:-1}

# Whether this trait is in a comma-separated list such as "5, 9".
listed() {
  case ",$(printf '%s' "$1" | tr -d ' ')," in
    *",$trait,"*) return 0 ;;
  esac
  return 1
}

echo "[INFO] GAPIT entrypoint starting for trait $trait (attempt $attempt)"
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
mkdir -p "$outputs/trait_$trait"
printf 'trait=%s\nattempt=%s\nmodel=%s\nstatus=done\n' "$trait" "$attempt" "${MODEL:-MLM}" \
  > "$outputs/trait_$trait/result.txt"
echo "[INFO] Results written to $outputs/trait_$trait"
echo "[INFO] Done"
