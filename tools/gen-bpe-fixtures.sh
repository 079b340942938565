#!/usr/bin/env bash
# Regenerates tests/fixtures/tokenizer/bpe_*.tsv: llama.cpp's ids and
# detokenized texts (tools/bpe-fixtures.c against node-llama-cpp 3.22.1's
# prebuilt libllama) for the byte-level BPE vocabularies of
# scripts/make-bpe-models.sh. Needs tools/install.sh and gcc.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/make-bpe-models.sh
B=tools/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
S=build/llama.cpp-bundle
gcc -O1 -o build/bpe/bpe-fixtures tools/bpe-fixtures.c -I$S/include -I$S/ggml/include -L$B \
    -l:libllama.v0.5.0.so -l:libggml.v0.5.0.so -l:libggml-base.so -Wl,-rpath,"$(pwd)/$B"
python3 tools/bpe-strings.py $S/models/ggml-vocab-llama-bpe.gguf.inp > build/bpe/strings.hex
for m in build/models/bpe/*.gguf; do
    name=$(basename "$m" .gguf)
    ./build/bpe/bpe-fixtures "$B" "$m" build/bpe/strings.hex > "tests/fixtures/tokenizer/bpe_$name.tsv"
    echo "gen-bpe-fixtures: $name: $(grep -vc '^#' "tests/fixtures/tokenizer/bpe_$name.tsv") strings"
done
