#!/usr/bin/env bash
# Fails if any of the given objects (everything built -mgeneral-regs-only,
# interrupt handlers included) contains an SSE/AVX register: the kernel never
# saves vector state on interrupts, so only kernel/math and the model's float
# files may touch it (see kernel/arch/x86_64/fpu.h).
set -u
OBJDUMP=${OBJDUMP:-objdump}
bad=0
for o in "$@"; do
    if "$OBJDUMP" -d "$o" | grep -qE '%[xyz]mm[0-9]'; then
        echo "check-fpu-use: $o uses vector registers but is not built as float code" >&2
        bad=1
    fi
done
exit $bad
