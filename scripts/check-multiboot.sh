#!/usr/bin/env bash
# Checks that a built kernel is bootable by a multiboot 1 loader: the header
# magic must sit 4-byte aligned inside the file's first 8192 bytes, and the
# file bytes from the header on must match the addresses the header claims
# (flag bit 16 loads the file image as one contiguous run).
set -euo pipefail
elf=$1
off=$(od -A d -t x4 -v -N 8192 "$elf" | awk '{for (i = 2; i <= NF; i++) if ($i == "1badb002" && !found) { print $1 + (i - 2) * 4; found = 1 } }')
if [ -z "$off" ]; then
    echo "check-multiboot: $elf has no multiboot header in its first 8 KiB" >&2
    exit 1
fi
read -r header_addr load_addr < <(od -A n -t u4 -j $((off + 12)) -N 8 "$elf")
read -r text_addr text_off < <(readelf -SW "$elf" | sed 's/^ *\[ *[0-9]*\]//' | awk '$1 == ".text" { print $3, $4 }')
text_addr=$((16#$text_addr)); text_off=$((16#$text_off))
if [ $((header_addr - load_addr)) -ne $((off - text_off)) ] || [ "$load_addr" -ne "$text_addr" ]; then
    echo "check-multiboot: header at file offset $off does not match header_addr $header_addr / load_addr $load_addr" >&2
    exit 1
fi
