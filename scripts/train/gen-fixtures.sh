#!/usr/bin/env bash
# Writes tests/fixtures/austen/tokens.tsv: llama.cpp's ids (BOS added) for
# texts tokenized with the committed model's vocabulary, for the host test
# tests/host/test_austen.c. Usage: scripts/train/gen-fixtures.sh MODEL.gguf
set -euo pipefail
cd "$(dirname "$0")/../.."
model=${1:?usage: gen-fixtures.sh MODEL.gguf}
lib=$(bash scripts/train/build-llama-check.sh)
out=tests/fixtures/austen/tokens.tsv
mkdir -p "$(dirname "$out")"
texts=(
    "Once upon a time"
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife."
    "Elizabeth"
    "\"My dear Mr. Bennet,\" said his lady to him one day, \"have you heard that Netherfield Park is let at last?\""
    "Emma Woodhouse, handsome, clever, and rich"
    "Captain Wentworth's letter -- £10,000 a year!"
    "naïve café, über, 東京, 🙂"
    "  two spaces, a tab	and a newline
here"
    "zyzzyva qwxj"
    ""
)
{
    echo "# hex(text)	ids -- llama.cpp (node-llama-cpp's prebuilt libllama) on $(basename "$model")"
    for t in "${texts[@]}"; do
        printf '%s\t%s\n' "$(printf '%s' "$t" | od -An -tx1 -v | tr -d ' \n')" \
            "$(build/train/llama_check "$lib" tokenize "$model" "$t")"
    done
} > "$out"
echo "gen-fixtures: $out (${#texts[@]} texts)"

# tests/fixtures/austen/greedy.tsv (llama.cpp's greedy ids for three prompts)
# and heldout-logits.txt come from tools/llama-ref/make-austen-fixture.sh:
# llama.cpp's x64 build, what the kernel computes on QEMU's qemu64 CPU (the
# default AVX2/AVX-512 build breaks a near-tie of 'It is a truth universally
# acknowledged' the other way at the 5th token).
