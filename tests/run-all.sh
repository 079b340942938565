#!/usr/bin/env bash
# `make test`: builds everything, runs every suite, and ends with one line
# "Total: N passed, N failed". Exits non-zero if anything failed.
# Set SUITES="boot block" to run only some suites (names below).
set -u
cd "$(dirname "$0")/.."
# Python's bytecode caches go under build/ with every other output.
export PYTHONPYCACHEPREFIX="$PWD/build/pycache"

all_suites=(host boot shell faults memory block qcow2 reliability perf model bpe generate fuzz math train)
declare -A suite_cmd=(
    [host]="make -s host-test"
    [boot]="python3 tests/qemu/test_boot.py"
    [shell]="python3 tests/qemu/test_shell_input.py"
    [faults]="python3 tests/qemu/test_faults.py"
    [memory]="python3 tests/qemu/test_memory_sizes.py"
    [block]="./test-virtio-block.sh"
    [qcow2]="./test-virtio-qcow2.sh"
    [reliability]="./tests/qemu/test-reliability.sh"
    [perf]="./test-virtio-perf.sh"
    [model]="./tests/model/run.sh"
    [bpe]="./tests/model/run-bpe.sh"
    [generate]="python3 tests/qemu/test_generate.py"
    [fuzz]="./tests/fuzz/run.sh"
    [math]="python3 tests/qemu/test_math.py"
    [train]="./tests/train/run.sh"
)
# make clean, make run DISK=, tools/install.sh (kept apart to merge easily).
all_suites+=(make); suite_cmd[make]="./tests/make/run.sh"

if ! make -s kernel; then
    echo "Total: 0 passed, 1 failed (kernel build failed)"
    exit 1
fi

total_pass=0; total_fail=0; summary=()
for s in ${SUITES:-${all_suites[@]}}; do
    cmd=${suite_cmd[$s]:-}
    if [ -z "$cmd" ]; then
        echo "unknown suite $s"; total_fail=$((total_fail + 1)); continue
    fi
    first=${cmd%% *}
    if [ "${first#./}" != "$first" ] && [ ! -e "$first" ]; then
        echo "=== $s: $first is missing ==="
        total_fail=$((total_fail + 1)); summary+=("$s: missing"); continue
    fi
    echo
    echo "##### suite $s: $cmd"
    start=$(date +%s)
    out=$(mktemp)
    bash -c "$cmd" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    rm -f "$out"
    p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+' || echo 0)
    [ -z "$p" ] && p=0; [ -z "$f" ] && f=0
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
    summary+=("$s: $p passed, $f failed ($(( $(date +%s) - start )) s)")
done

echo
echo "##### summary"
for line in "${summary[@]}"; do echo "  $line"; done
echo "Total: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
