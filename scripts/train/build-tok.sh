#!/usr/bin/env bash
# Builds build/train/tok: scripts/train/tok.c with the kernel's GGUF reader
# and tokenizer compiled for the host (the same sources as tests/host).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=build/train/tok
# Every kernel/model source but the forward pass and sampler (they need
# kernel/math): the reader and the tokenizer, however many files they span.
mapfile -t model_srcs < <(ls kernel/model/*.c | grep -v -e '/llama' -e '/sampler')
srcs=(scripts/train/tok.c "${model_srcs[@]}" kernel/lib/format.c kernel/lib/string.c kernel/lib/errno.c
      tests/host/host_heap_shim.c tests/host/host_printk_shim.c)
mkdir -p build/train
gcc -O2 -std=gnu11 -Wall -Wextra -Werror -Ikernel -Itests/host -DEMBODIOS_HOST_TEST -o "$out" "${srcs[@]}"
