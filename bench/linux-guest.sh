#!/usr/bin/env bash
# Builds the benchmark's Linux guest in build/bench/:
#   vmlinuz        Debian 12's kernel, from the package linux-image-amd64 depends on
#   initramfs.cpio busybox-static, bench/guest/init, rdbench (gcc -static) and the
#                  virtio modules of that same kernel package
#   rdbench        the same timing tool built for the host (page-cache ceiling)
# Downloads with `apt-get download` (no root needed for that; an `apt-get update`
# first if the package lists are missing). Does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
mkdir -p "$B/dl"

as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)

fetch() {   # fetch PACKAGE...: into $B/dl unless a .deb of that name is there
    local need=()
    for p in "$@"; do
        ls "$B/dl/${p}_"*.deb >/dev/null 2>&1 || need+=("$p")
    done
    [ ${#need[@]} -eq 0 ] && return 0
    if ! (cd "$B/dl" && apt-get download "${need[@]}" >/dev/null 2>&1); then
        "${as_root[@]}" apt-get update -qq
        (cd "$B/dl" && apt-get download "${need[@]}")
    fi
}

fetch linux-image-amd64 busybox-static
meta=$(ls "$B"/dl/linux-image-amd64_*.deb | head -1)
# The metapackage only depends on the real image package, e.g. linux-image-6.1.0-56-amd64.
real=$(dpkg-deb -f "$meta" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -1)
[ -n "$real" ] || { echo "linux-guest: cannot find the image package $meta depends on" >&2; exit 1; }
fetch "$real"

stamp="$B/guest-root/.from-$real"
if [ ! -e "$stamp" ]; then
    rm -rf "$B/guest-root"
    mkdir -p "$B/guest-root"
    dpkg-deb -x "$(ls "$B/dl/${real}_"*.deb | head -1)" "$B/guest-root"
    dpkg-deb -x "$(ls "$B"/dl/busybox-static_*.deb | head -1)" "$B/guest-root"
    touch "$stamp"
fi
cp "$B/guest-root/boot/vmlinuz-${real#linux-image-}" "$B/vmlinuz"
echo "${real#linux-image-}" > "$B/linux-version"
dpkg-deb -f "$(ls "$B"/dl/busybox-static_*.deb | head -1)" Version > "$B/busybox-version"

gcc -static -O2 -Wall -Wextra -Werror -o "$B/rdbench" bench/guest/rdbench.c
python3 bench/mkinitramfs.py "$B/initramfs.cpio" "$B/guest-root" bench/guest/init "$B/rdbench"
echo "linux-guest: $B/vmlinuz ($real) and $B/initramfs.cpio ready"
