#!/usr/bin/env bash
# Puts a GGUF file at the start of a raw disk image, as in spec Test 4
# (the rest of the disk is zeros; the file is sparse).
# Usage: scripts/mkmodel-disk.sh MODEL.gguf DISK.img [SIZE_MB=512]
set -euo pipefail
model=${1:?usage: mkmodel-disk.sh MODEL.gguf DISK.img [SIZE_MB]}
disk=${2:?usage: mkmodel-disk.sh MODEL.gguf DISK.img [SIZE_MB]}
mb=${3:-512}
if [ -s "$disk" ] && [ "$disk" -nt "$model" ] && [ "$(stat -c %s "$disk")" -eq $((mb * 1024 * 1024)) ]; then
    exit 0
fi
rm -f "$disk"
truncate -s "${mb}M" "$disk"
dd if="$model" of="$disk" conv=notrunc bs=1M status=none
echo "mkmodel-disk: $disk ($mb MB) holds $(basename "$model") ($(stat -c %s "$model") bytes) at offset 0"
