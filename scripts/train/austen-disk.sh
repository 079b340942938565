#!/usr/bin/env bash
# Puts the committed Austen model (models/austen-*.gguf, checked against its
# .sha256) at offset 0 of a raw disk, through scripts/mkmodel-disk.sh, so
# `loadmodel` with no arguments finds it on vda.
# Usage: scripts/train/austen-disk.sh [DISK=build/disk.img] [SIZE_MB=64]
set -euo pipefail
cd "$(dirname "$0")/../.."
disk=${1:-build/disk.img}
mb=${2:-64}
sum=$(ls models/austen-*.sha256 | head -n 1)
model=models/$(awk '{print $2}' "$sum")
(cd models && sha256sum -c --quiet "$(basename "$sum")") || { echo "austen-disk: $model does not match $sum" >&2; exit 1; }
mkdir -p "$(dirname "$disk")"
exec bash scripts/mkmodel-disk.sh "$model" "$disk" "$mb"
