#!/usr/bin/env bash
# Regenerates tests/fixtures/austen/greedy.tsv and heldout-logits.txt
# (developer tool; the fixtures are committed), for tests/qemu/test_austen.py:
#  - greedy.tsv: llama.cpp's prompt ids and 64 greedy ids for three prompts;
#  - heldout-logits.txt: llama.cpp's teacher-forced top-8 logits at every
# position of a paragraph from the validation slice (the last part of Sense
# and Sensibility, never trained on), with the x64 ggml-cpu build, which is
# what the kernel computes on QEMU's default qemu64 CPU.
set -euo pipefail
cd "$(dirname "$0")/../.."
REF=$(bash tools/llama-ref/build.sh)
out=tests/fixtures/austen/heldout-logits.txt
para=$(sed -n 's/^paragraph //p' tests/fixtures/austen/heldout.txt)
model=$(ls models/austen-*.gguf | head -n 1)
LLAMA_REF_CPU=x64 "$REF" "$model" -k 8 -n 0 "$para" > "$out"
echo "llama-ref: $out ($(grep -c '^pos' "$out") positions)"

greedy=tests/fixtures/austen/greedy.tsv
{
    echo "# prompt	prompt ids (BOS added)	64 greedy ids (not stopped at EOS) -- llama.cpp (x64 build) on $(basename "$model")"
    for p in "Once upon a time" "It is a truth universally acknowledged" "Elizabeth"; do
        r=$(LLAMA_REF_CPU=x64 "$REF" "$model" -k 1 -n 64 "$p")
        printf '%s\t%s\t%s\n' "$p" "$(sed -n 's/^prompt [0-9]* //p' <<<"$r")" "$(sed -n 's/^greedy [0-9]* //p' <<<"$r")"
    done
} > "$greedy"
echo "llama-ref: $greedy (3 prompts x 64 ids)"
