#!/usr/bin/env bash
# Block-read benchmark: EMBODIOS blkperf vs a Debian Linux guest vs the host's
# page cache, on the same QEMU command line and the same images.
#
#   bench/run.sh                 5 runs of everything (~10 min on 2 cores);
#                                writes docs/bench-chart.png and the results
#                                section of docs/BENCHMARKS.md
#   bench/run.sh --quick         1 run, quarter sizes, results in build/bench/quick only
#   bench/run.sh --runs N        N runs
#   bench/run.sh --no-docs       leave docs/ alone
#   bench/run.sh --only linux    (or host, embodios; repeatable): re-measure
#                                those, keep the others from results.json
#   bench/run.sh --summarize     redo tables and chart from build/bench/results.json
#
# Results: build/bench/results.{json,csv,md}, chart build/bench/bench-chart.png
# (or docs/bench-chart.png). Images and downloads live in build/bench/.
set -euo pipefail
cd "$(dirname "$0")/.."

runs=5 quick=0 docs=1 image_mb=512 pass=()
while [ $# -gt 0 ]; do
    case $1 in
        --runs) runs=$2; shift ;;
        --quick) quick=1 runs=1 docs=0 ;;
        --no-docs) docs=0 ;;
        --image-mb) image_mb=$2; shift ;;
        --only) pass+=(--only "$2"); shift ;;
        --summarize) pass+=(--summarize) ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) echo "bench/run.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done

bash scripts/deps.sh bench
make -s kernel
bash bench/linux-guest.sh

B=build/bench/img
mkdir -p $B
# One image of random bytes (so nothing is sparse and qcow2 allocates every
# cluster), and the same bytes as qcow2.
if [ ! -e $B/disk.raw ] || [ "$(stat -c %s $B/disk.raw)" -ne $((image_mb * 1048576)) ]; then
    echo "bench: making ${image_mb} MiB images"
    rm -f $B/disk.raw $B/disk.qcow2
    head -c "${image_mb}M" /dev/urandom > $B/disk.raw.tmp && mv $B/disk.raw.tmp $B/disk.raw
fi
if [ ! -e $B/disk.qcow2 ] || [ $B/disk.qcow2 -ot $B/disk.raw ]; then
    qemu-img convert -f raw -O qcow2 $B/disk.raw $B/disk.qcow2
fi

args=(--runs "$runs" --image-mb "$image_mb" "${pass[@]}")
[ $quick -eq 1 ] && args+=(--quick)
[ $docs -eq 1 ] && args+=(--docs)
python3 bench/bench.py "${args[@]}"
