#!/usr/bin/env bash
# Adds llama.cpp to the benchmark's Linux guest (bench/linux-guest.sh builds
# the kernel, busybox and virtio modules first):
#   build/bench/llamabench          the driver, for the host (the ceiling)
#   build/bench/llamabench-guest    the same, linked to run from /opt/llama
#   build/bench/llamaquant          llama.cpp's quantizer (makes the Q8_0 and
#                                   Q4_K_M models from the F32 one)
#   build/bench/llama-initramfs.cpio  the guest's initramfs plus /opt/llama:
#       llamabench, the prebuilt libllama/libggml* of npm's
#       @node-llama-cpp/linux-x64 3.22.1 (every CPU variant: ggml picks one at
#       run time from CPUID, as node-llama-cpp does), and the host's C and C++
#       runtime libraries they need (Debian 12's glibc and libstdc++).
# Headers come from the llama.cpp source bundled in the npm package.
set -euo pipefail
cd "$(dirname "$0")/.."
B=build/bench
L=tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
bash tools/install.sh >/dev/null
bash bench/linux-guest.sh >/dev/null

src=build/llama.cpp-src
if [ ! -e "$src/include/llama.h" ]; then
    rm -rf "$src"
    git clone -q tools/node_modules/node-llama-cpp/llama/gitRelease.bundle "$src" 2>/dev/null
fi
inc=(-I"$src/include" -I"$src/ggml/include")
libs=(-L"$L" -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so)
gcc -O2 -Wall -Wextra -Werror "${inc[@]}" bench/guest/llamabench.c "${libs[@]}" \
    -Wl,-rpath,"$(realpath "$L")" -o "$B/llamabench"
gcc -O2 -Wall -Wextra -Werror "${inc[@]}" bench/guest/llamabench.c "${libs[@]}" \
    -Wl,-rpath,/opt/llama -o "$B/llamabench-guest"
gcc -O2 -Wall -Wextra -Werror "${inc[@]}" bench/guest/llamaquant.c "${libs[@]}" \
    -Wl,-rpath,"$(realpath "$L")" -o "$B/llamaquant"

extra=("opt/llama/llamabench=$B/llamabench-guest" "opt/llama/prompt.txt=bench/prompt.txt")
for f in "$L"/*.so; do extra+=("opt/llama/$(basename "$f")=$f"); done
# The C/C++ runtime: whatever the driver and the libraries need, from the host.
for lib in libc.so.6 libm.so.6 libstdc++.so.6 libgcc_s.so.1; do
    path=$(ldconfig -p | awk -v l="$lib" '$1 == l && /x86-64/ && !p { p = $NF } END { print p }')
    [ -n "$path" ] || { echo "llama-guest: $lib not found on the host" >&2; exit 1; }
    extra+=("opt/llama/$lib=$path")
done
extra+=("lib64/ld-linux-x86-64.so.2=/lib64/ld-linux-x86-64.so.2")
python3 bench/mkinitramfs.py "$B/llama-initramfs.cpio" "$B/guest-root" bench/guest/init \
    "$B/rdbench" "${extra[@]}"
echo "llama-guest: $B/llama-initramfs.cpio ready"
