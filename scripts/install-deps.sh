#!/usr/bin/env bash
# Installs the Debian packages traitctl builds with, when any is missing.
set -euo pipefail

# clang and libclang-rt-14-dev (libFuzzer's runtime; only a recommendation of
# clang-14) build the fuzz targets. slurmctld, slurmd, slurm-client and munge
# run the Slurm tests' single-node cluster (tests/slurm), which starts its own
# daemons on its own socket and ports whatever the packages start themselves.
packages=(cmake ninja-build g++ libcli11-dev libfmt-dev libspdlog-dev nlohmann-json3-dev
          libgtest-dev libgmock-dev clang libclang-rt-14-dev
          slurmctld slurmd slurm-client munge)
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
