#!/usr/bin/env bash
# Reliability tests for the virtio-blk stack (issue 3): two disks, a
# read-only disk, odd sizes (not a MiB multiple; a sparse disk over 2 TiB),
# injected I/O errors (QEMU blkdebug), and data integrity under thousands of
# random unaligned byte reads and writes. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh run >/dev/null
command -v python3 >/dev/null || bash scripts/deps.sh test
make -s kernel
exec python3 tests/qemu/test_reliability.py "$@"
