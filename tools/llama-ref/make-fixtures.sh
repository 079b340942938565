#!/usr/bin/env bash
# Regenerates tests/fixtures/llama/ (or the directory given) from llama.cpp (developer tool; the
# fixtures are committed). The baseline x64 ggml-cpu build is used: no FMA
# and no contraction, generic activation quantization, which is what the
# kernel computes at the SSE2 level (QEMU's default qemu64 CPU).
set -euo pipefail
cd "$(dirname "$0")/../.."
REF=$(bash tools/llama-ref/build.sh)
out=${1:-tests/fixtures/llama}
mkdir -p "$out"
# tiny-*: every type on a 2-layer shape; tinystories-15m-q4_k: the 15M shape with
# llama.cpp's Q4_K fallback to Q5_0 for 288-column rows (a mixed-type model).
for m in build/models/tiny-*.gguf build/models/tinystories-15m-q4_k.gguf; do
    name=$(basename "$m" .gguf)
    case $name in tiny-arch-*) continue ;; esac
    full=""
    [ "$name" = tiny-f32 ] && full=--full
    LLAMA_REF_CPU=x64 "$REF" "$m" -k 8 -n 32 $full "Once upon a time" > "$out/$name.txt"
    echo "llama-ref: $out/$name.txt ($(grep -c '^pos' "$out/$name.txt") positions, $(sed -n 2p "$out/$name.txt"))"
done
# Byte-level BPE vocabularies on random-weight models (scripts/make-bpe-models.sh): a prompt
# whose pre-tokenization differs between the regexes (contraction, "!", digit run, spaces).
for m in build/models/bpe-tiny/qwen3-vocab-qwen2.gguf build/models/bpe-tiny/llama3-vocab-llama.gguf; do
    name=$(basename "$m" .gguf)
    LLAMA_REF_CPU=x64 "$REF" "$m" -k 8 -n 32 "Hello, y'all! 123 test" > "$out/$name.txt"
    echo "llama-ref: $out/$name.txt ($(grep -c '^pos' "$out/$name.txt") positions, $(sed -n 2p "$out/$name.txt"))"
done
# A chat-template prompt: special-token text parsed into the tokens themselves, as
# generate does (in chat/: test_llama reads only the top directory; test_generate.py reads it).
mkdir -p "$out/chat"
LLAMA_REF_CPU=x64 "$REF" build/models/bpe-tiny/qwen3-vocab-qwen2.gguf -k 8 -n 8 \
    $'<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n' > "$out/chat/qwen3-vocab-qwen2.txt"
echo "llama-ref: $out/chat/qwen3-vocab-qwen2.txt ($(grep -c '^pos' "$out/chat/qwen3-vocab-qwen2.txt") positions)"
