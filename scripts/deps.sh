#!/usr/bin/env bash
# Installs the Debian packages the build and the tests need, when any is missing.
# Usage: scripts/deps.sh [build|test|bench]   (build: compile and demo; test: everything;
# bench: what make bench measures with)
set -euo pipefail
want=(cmake make gcc pkg-config libhivex-dev libhivex-bin libwin-hivex-perl zlib1g-dev)
if [ "${1:-build}" = test ]; then
  want+=(libcmocka-dev reglookup clang libclang-rt-14-dev gcc-mingw-w64-x86-64
         libz-mingw-w64-dev wine wine64 liblnk-utils wixl msitools unzip python3 chromium
         python3-pefile groff-base libxml2-utils strace)
fi
if [ "${1:-build}" = bench ]; then
  want+=(strace time python3)
fi
missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing: ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "deps: need root or sudo to install ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q >/dev/null
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
