#!/usr/bin/env bash
# Installs the Debian packages traitctl needs, when any is missing.
#
#   scripts/install-deps.sh          everything: building, the tests and the fuzz targets (scripts/check.sh)
#   scripts/install-deps.sh --build  only what building traitctl needs (scripts/demo.sh)
set -euo pipefail

build_packages=(cmake ninja-build g++ libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev libsqlite3-dev)
# GoogleTest for the tests; clang and libclang-rt-14-dev (libFuzzer's
# runtime, only a recommendation of clang-14) for the fuzz targets;
# slurmctld, slurmd, slurm-client and munge for the Slurm tests' single-node
# cluster (tests/slurm), which starts its own daemons on its own socket and
# ports whatever the packages start themselves; chromium for the report's
# browser test (tests/browser) and python3 for its JUnit file read by a real
# XML parser (tests/e2e/test_e2e_report.cpp).
test_packages=(libgtest-dev libgmock-dev clang libclang-rt-14-dev slurmctld slurmd slurm-client munge chromium python3)

case "${1:-}" in
  --build) packages=("${build_packages[@]}") ;;
  "") packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  *)
    echo "usage: $0 [--build]   (--build: only what building traitctl needs)" >&2
    exit 2
    ;;
esac

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing missing packages: ${missing[*]}" >&2
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null
