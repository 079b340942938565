#!/usr/bin/env bash
# Spec Test 5: blkperf on a 100 MB disk of known content. Checks the spec's
# output, the 100 MB/s floor, that the time blkperf reports agrees with the
# host's clock (serial lines are timestamped as they arrive), and that the
# bytes read are right (kernel CRC-32 vs the host's). Ends with
# "N passed, N failed"; exits non-zero on failure.
set -euo pipefail
cd "$(dirname "$0")"
bash scripts/deps.sh run >/dev/null
command -v python3 >/dev/null || bash scripts/deps.sh test
make -s kernel
mkdir -p build/perf
python3 scripts/mkpattern.py build/perf/perf100.img $((100 * 1024 * 1024))
exec python3 tests/qemu/test_perf.py "$@"
