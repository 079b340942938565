#!/usr/bin/env bash
# Makes a raw test disk: sector 0 starts with "EMBODIOS TEST DISK", and
# every other sector starts with its own number, so reads can be checked.
# Usage: scripts/mkdisk.sh PATH SIZE_MB
set -euo pipefail
out=${1:?usage: mkdisk.sh PATH SIZE_MB}
mb=${2:?usage: mkdisk.sh PATH SIZE_MB}
mkdir -p "$(dirname "$out")"
rm -f "$out"
truncate -s "${mb}M" "$out"
printf 'EMBODIOS TEST DISK (%s MB)\n' "$mb" | dd of="$out" conv=notrunc status=none
# Tag the first 2048 sectors with their numbers (enough to tell them apart).
for ((s = 1; s < 2048 && s < mb * 2048; s++)); do printf 'sector %08d\n' "$s"; done |
    awk '{ printf "%-512s", $0 }' | dd of="$out" bs=512 seek=1 conv=notrunc status=none
