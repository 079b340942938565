#!/usr/bin/env bash
# Installs what bench/run.sh needs that this machine lacks (Debian 12),
# with apt-get, through sudo when not root.
set -euo pipefail

# command (or file) -> Debian package
declare -A pkg_of=(
    [gcc]=gcc [ld]=binutils [make]=make [python3]=python3
    [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils
    [gnuplot]=gnuplot-nox [dpkg-deb]=dpkg [apt-get]=apt [timeout]=coreutils
)
missing=()
for cmd in "${!pkg_of[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
done
# gcc -static needs the static C library.
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || missing+=(libc6-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "bench deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "bench deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "bench deps: done"
