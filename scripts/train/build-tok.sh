#!/usr/bin/env bash
# Builds build/train/tok: scripts/train/tok.c with the kernel's GGUF reader
# and tokenizer compiled for the host (the same sources as tests/host).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/train/tok
# Every kernel/model source (the tokenizer may be split into more files).
# The forward pass and the sampler (llama*.c, sampler.c) need kernel/math/ and
# are not the tokenizer: left out.
srcs=(scripts/train/tok.c kernel/lib/format.c kernel/lib/string.c kernel/lib/errno.c
      tests/host/host_heap_shim.c tests/host/host_printk_shim.c)
for f in kernel/model/*.c; do
    case $f in kernel/model/llama*.c | kernel/model/sampler.c) ;; *) srcs+=("$f") ;; esac
done
mkdir -p build/train
gcc -O2 -std=gnu11 -Wall -Wextra -Werror -Ikernel -Itests/host -DEMBODIOS_HOST_TEST -o "$out" "${srcs[@]}"
