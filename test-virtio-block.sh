#!/usr/bin/env bash
# Spec Tests 1-4: virtio-blk detection, sector I/O (blktest), byte-level reads
# through loadmodel, and loading the 15M GGUF model from build/model.img.
# Boots the spec's command line (plus -display none) and types into the
# serial shell. Ends with "N passed, N failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/deps.sh run >/dev/null
command -v python3 >/dev/null || bash scripts/deps.sh test
make -s kernel
# The spec's 10 MB raw test disk (build/test.img) whose first sector starts with "EMBODIOS TEST DISK".
bash scripts/mkdisk.sh build/test.img 10
# Spec Test 4: a 512 MB build/model.img with the 15M model at offset 0.
bash scripts/deps.sh test >/dev/null
bash scripts/make-models.sh
exec python3 tests/qemu/test_block.py "$@"
