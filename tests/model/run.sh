#!/usr/bin/env bash
# Issue 5 in the kernel: loadmodel against an independent GGUF reader, the
# tokenizer against llama.cpp's ids over the serial line, F16/v2 and
# unsupported-tokenizer models, a model too big for memory, and every
# hand-made bad GGUF booted as a disk. Ends with "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh test >/dev/null
make -s kernel
bash scripts/make-models.sh
make -s -f tests/host/Makefile build/host/test_gguf
rm -rf build/bad-gguf
./build/host/test_gguf --write-bad build/bad-gguf >/dev/null
node tools/gguf-reference.mjs build/models/tinystories-15m-f32.gguf > build/models/reference-f32.tsv
exec python3 tests/qemu/test_model.py "$@"
