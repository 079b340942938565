#!/usr/bin/env bash
# The byte-level BPE test vocabularies (never committed), in build/models/bpe:
# llama.cpp's own ggml-vocab-*.gguf test files, taken from the git bundle of
# the llama.cpp release node-llama-cpp 3.22.1 ships (tools/install.sh).
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install.sh >/dev/null
bundle=tools/node_modules/node-llama-cpp/llama/gitRelease.bundle
src=build/llama.cpp-bundle
out=build/models/bpe
mkdir -p "$out" build/bpe
if [ ! -d "$src/.git" ]; then
    rm -rf "$src"
    git clone -q --no-checkout "$bundle" "$src"
fi
[ -f "$src/include/llama.h" ] || git -C "$src" checkout -q HEAD -- models include ggml/include
for v in llama-bpe qwen2 gpt-2 starcoder refact command-r mpt gpt-neox aquila; do
    [ -s "$out/$v.gguf" ] || cp "$src/models/ggml-vocab-$v.gguf" "$out/$v.gguf"
done
