#!/usr/bin/env bash
# Builds build/train/llama_check (scripts/train/llama_check.c) against the
# prebuilt llama.cpp libraries of node-llama-cpp (tools/install.sh). The
# headers come from the llama.cpp release node-llama-cpp bundles
# (gitRelease.bundle, cloned once into build/llama.cpp). Prints the library
# directory the tool needs as its first argument.
set -euo pipefail
cd "$(dirname "$0")/../.."
lib=$PWD/tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
bundle=tools/node_modules/node-llama-cpp/llama/gitRelease.bundle
[ -e "$lib/libllama.v0.5.0.so" ] || bash tools/install.sh >&2
if [ ! -e build/llama.cpp/include/llama.h ]; then
    rm -rf build/llama.cpp
    git clone -q "$bundle" build/llama.cpp 2>/dev/null
fi
out=build/train/llama_check
if [ ! -x "$out" ] || [ scripts/train/llama_check.c -nt "$out" ]; then
    mkdir -p build/train
    gcc -O2 -std=gnu11 -Wall -Wextra -Werror scripts/train/llama_check.c -o "$out" \
        -Ibuild/llama.cpp/include -Ibuild/llama.cpp/ggml/include \
        -L"$lib" -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,"$lib" -lm
fi
echo "$lib"
