#!/usr/bin/env bash
# After training: exports every type, measures them with llama.cpp, and
# writes the report numbers (build/train/run/report.txt). Then, with
# SHIP=<type>, copies that file to models/austen-6m-<type>.gguf with its
# .sha256 and regenerates the tokenizer fixtures from it.
set -euo pipefail
cd "$(dirname "$0")/../.."
B=build/train; OUT=${OUT:-$B/run}; PY=/usr/bin/python3
bash scripts/train/run.sh export | tee "$OUT/report.txt"
$PY scripts/train/sample.py --ckpt "$OUT/austen.pt" --vocab $B/data/vocab.gguf --tok $B/tok --n 80 --seed 1 \
    "Once upon a time" "It is a truth universally acknowledged" "Elizabeth" "Mr. Darcy" \
    "The next morning" | tee -a "$OUT/report.txt"
if [ -n "${SHIP:-}" ]; then
    name=austen-6m-$SHIP.gguf
    mkdir -p models
    rm -f models/austen-*.gguf models/austen-*.sha256
    cp "$OUT/austen-$SHIP.gguf" "models/$name"
    (cd models && sha256sum "$name" > "${name%.gguf}.sha256")
    bash scripts/train/gen-fixtures.sh "models/$name"
fi
