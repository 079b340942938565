#!/usr/bin/env bash
# Spec Test 6: the driver on qcow2 images (QEMU does the format). A 1 GiB
# qcow2 reports 2097152 sectors and passes blktest; a compressed qcow2 and
# one with a backing file read back exactly the bytes of their raw source.
# Ends with "N passed, N failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/deps.sh run >/dev/null
command -v python3 >/dev/null || bash scripts/deps.sh test
make -s kernel
mkdir -p build/qcow2
rm -f build/qcow2/*
qemu-img create -q -f qcow2 build/qcow2/test.qcow2 1G
python3 scripts/mkpattern.py build/qcow2/source.img $((48 * 1024 * 1024))
qemu-img convert -q -c -O qcow2 build/qcow2/source.img build/qcow2/compressed.qcow2
qemu-img create -q -f qcow2 -b "$PWD/build/qcow2/source.img" -F raw build/qcow2/overlay.qcow2
exec python3 tests/qemu/test_qcow2.py "$@"
