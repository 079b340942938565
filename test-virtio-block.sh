#!/usr/bin/env bash
# Spec Tests 1-4: virtio-blk detection, sector I/O (blktest), byte-level reads
# through loadmodel, and (when a model disk can be made) loading a GGUF model.
# Boots the spec's command line (plus -display none) and types into the
# serial shell. Ends with "N passed, N failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/deps.sh run >/dev/null
command -v python3 >/dev/null || bash scripts/deps.sh test
make -s kernel
# The spec's 10 MB raw test.img whose first sector starts with "EMBODIOS TEST DISK".
bash scripts/mkdisk.sh test.img 10
exec python3 tests/qemu/test_block.py "$@"
