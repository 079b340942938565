#!/usr/bin/env bash
# Issue 10 in the kernel: byte-level BPE vocabularies loaded from disks and
# compared with llama.cpp over the serial line. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh test >/dev/null
make -s kernel
bash scripts/make-bpe-models.sh
exec python3 tests/qemu/test_bpe.py "$@"
