#!/usr/bin/env bash
# Boots EMBODIOS with the serial shell on this terminal.
# Usage: scripts/run-qemu.sh [--debug] DISK [MEMORY]
set -euo pipefail
debug=()
if [ "${1:-}" = --debug ]; then
    debug=(-s -S)
    shift
fi
disk=${1:?usage: run-qemu.sh [--debug] DISK [MEMORY]}
mem=${2:-2G}
format=raw
case $disk in *.qcow2) format=qcow2 ;; esac
if [ ${#debug[@]} -gt 0 ]; then
    echo "QEMU is waiting for gdb on localhost:1234. In another terminal:"
    echo "  gdb kernel/embodios.elf -ex 'target remote localhost:1234'"
    echo "  (set breakpoints, e.g. 'break kmain', then 'continue')"
fi
echo "Serial shell below. Type 'help'; 'poweroff' ends QEMU (or press Ctrl-A then X)."
# make run's default disk holds the Austen model (scripts/train/austen-disk.sh).
if [ "$format" = raw ] && [ "$(head -c 4 "$disk" 2>/dev/null)" = GGUF ]; then
    echo "$disk holds a GGUF model: type loadmodel, then generate Once upon a time"
fi
exec qemu-system-x86_64 -kernel kernel/embodios.elf -m "$mem" \
    -drive "file=$disk,format=$format,if=virtio" \
    -serial mon:stdio -display none "${debug[@]}"
