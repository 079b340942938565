#!/usr/bin/env bash
# Builds build/llama-ref/llama-ref: a host C driver of llama.cpp (the prebuilt
# libraries from @node-llama-cpp/linux-x64, installed by tools/install.sh),
# with the headers of the same release taken from node-llama-cpp's
# gitRelease.bundle (only include/ and ggml/include/ are checked out).
set -euo pipefail
cd "$(dirname "$0")/../.."
B=tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
BUNDLE=tools/node_modules/node-llama-cpp/llama/gitRelease.bundle
OUT=build/llama-ref
[ -d "$B" ] && [ -f "$BUNDLE" ] || bash tools/install.sh
mkdir -p "$OUT"
if [ ! -f "$OUT/src/include/llama.h" ]; then
    rm -rf "$OUT/src"
    git clone -q --no-checkout "$BUNDLE" "$OUT/src"
    git -C "$OUT/src" -c advice.detachedHead=false checkout -q HEAD -- include ggml/include
fi
if [ ! -x "$OUT/llama-ref" ] || [ tools/llama-ref/llama-ref.c -nt "$OUT/llama-ref" ]; then
    gcc -std=gnu11 -O2 -Wall -Wextra -Werror -o "$OUT/llama-ref" tools/llama-ref/llama-ref.c \
        -I"$OUT/src/include" -I"$OUT/src/ggml/include" -L"$B" \
        -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,"$PWD/$B" -lm -DLLAMA_REF_DEFAULT_LIBS="\"$PWD/$B\""
fi
echo "$OUT/llama-ref"
