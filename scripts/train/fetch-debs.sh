#!/usr/bin/env bash
# Downloads Debian packages (not installed) into a directory with apt-get
# download, running apt-get update first if the package lists are missing.
# Usage: scripts/train/fetch-debs.sh DIR PACKAGE...
set -euo pipefail
dir=${1:?usage: fetch-debs.sh DIR PACKAGE...}; shift
mkdir -p "$dir"
need=()
for p in "$@"; do ls "$dir/${p}"_*.deb >/dev/null 2>&1 || need+=("$p"); done
[ ${#need[@]} -eq 0 ] && exit 0
cd "$dir"
if ! apt-get download -q "${need[@]}" >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then apt-get update -qq; else sudo apt-get update -qq; fi
    apt-get download -q "${need[@]}" >/dev/null
fi
