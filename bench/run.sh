#!/usr/bin/env bash
# Benchmark: EMBODIOS blkperf vs a Linux guest (Debian's kernel + busybox,
# O_DIRECT reads) vs the host's page cache, on the same QEMU command line and
# the same raw and qcow2 images, in one run.
#   bench/run.sh [--runs N] [--quick]
# Writes build/bench/results.json, docs/BENCHMARKS.md and docs/bench-chart.png.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh bench
make -s kernel
bash bench/linux-guest.sh
mkdir -p build/bench
[ -s build/bench/disk.img ] || python3 scripts/mkpattern.py build/bench/disk.img $((256 * 1024 * 1024))
[ build/bench/disk.qcow2 -nt build/bench/disk.img ] || qemu-img convert -O qcow2 build/bench/disk.img build/bench/disk.qcow2
exec python3 bench/bench.py "$@"
