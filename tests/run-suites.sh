#!/usr/bin/env bash
# Runs test programs one after another and adds up their results.
# Usage: tests/run-suites.sh LABEL PROGRAM [PROGRAM...]
# Each program prints a line "... N passed, N failed"; a program that prints
# none and exits non-zero counts as one failure. Ends with
# "LABEL: N passed, N failed" and exits non-zero if anything failed.
set -u
label=$1; shift
total_pass=0; total_fail=0
for prog in "$@"; do
    out=$(mktemp)
    "$prog" 2>&1 | tee "$out"
    rc=${PIPESTATUS[0]}
    line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$out" | tail -n 1)
    rm -f "$out"
    if [ -n "$line" ]; then
        p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+')
        f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
    else
        p=0; f=0
    fi
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
        echo "$prog: exited with status $rc"
        f=1
    fi
    total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
done
echo "$label: $total_pass passed, $total_fail failed"
[ "$total_fail" -eq 0 ]
