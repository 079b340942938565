#!/usr/bin/env bash
# The Austen model, end to end and reproducibly (docs/TRAINING.md):
#   corpus from Debian's r-cran-janeaustenr -> plain text (train + fixed held-out slice)
#   -> LLaMA's vocabulary cut to 4096 pieces -> ids from the kernel's own tokenizer
#   -> PyTorch training on one thread (OpenBLAS) -> GGUF F32/F16 -> Q8_0/Q4_K by
#   llama.cpp's quantizer -> llama.cpp checks (logits vs PyTorch, loss per type).
# Usage: scripts/train/run.sh [all|data|train|export]   (default all)
# Outputs under build/train/ (run/ holds the checkpoint, loss log and GGUF files).
# Environment: STEPS, OUT (build/train/run) override the fixed settings for experiments.
set -euo pipefail
cd "$(dirname "$0")/../.."
stage=${1:-all}
B=build/train
OUT=${OUT:-$B/run}
PY=/usr/bin/python3          # Debian's python3 with python3-torch (not a pyenv one)
mkdir -p "$B/deb" "$OUT"

# ---- the fixed settings of the shipped model ----
MODEL_ARGS=(--vocab 4096 --dim 256 --layers 6 --heads 4 --ffn 704 --ctx 256 --dropout 0.1)
TRAIN_ARGS=(--batch 16 --steps "${STEPS:-2400}" --warmup 100 --lr 1.5e-3 --lr-min 1e-4 --wd 0.1 --seed 1234
            --eval-every 200)

data() {
    bash scripts/deps.sh train
    [ -s build/models/tokenizer.model ] || bash scripts/make-models.sh
    bash scripts/train/fetch-debs.sh $B/deb r-cran-janeaustenr libopenblas0-serial
    for d in $B/deb/*.deb; do dpkg -x "$d" $B/root; done
    $PY scripts/train/corpus.py --pkg-root $B/root --out-dir $B/data
    (cd $B/data && sha256sum train.txt val.txt) > $B/data/corpus.sha256
    if ! diff -q <(cut -d' ' -f1 $B/data/corpus.sha256) <(cut -d' ' -f1 scripts/train/corpus.sha256) >/dev/null; then
        echo "run: the corpus differs from the one the shipped model saw (scripts/train/corpus.sha256)" >&2
        exit 1
    fi
    bash scripts/train/build-tok.sh
    $B/tok build/models/vocab-only.gguf docs $B/data/train.txt $B/data/train.full.u16
    # LLaMA's first 4096 pieces (vocab.py --cut first; docs/TRAINING.md says why).
    $PY scripts/train/vocab.py --tokenizer build/models/tokenizer.model --cut first --size 4096 \
        --out $B/data/vocab.gguf
    $B/tok $B/data/vocab.gguf docs $B/data/train.txt $B/data/train.u16
    $B/tok $B/data/vocab.gguf docs $B/data/val.txt $B/data/val.u16
}

train() {
    # OpenBLAS (serial) for this process only: ~120 GFLOPS on one thread against
    # ~8 with Debian's reference BLAS that python3-torch links by default.
    LD_LIBRARY_PATH=$PWD/$B/root/usr/lib/x86_64-linux-gnu/openblas-serial \
        $PY scripts/train/train.py --train $B/data/train.u16 --val $B/data/val.u16 \
        --out "$OUT/austen.pt" --log "$OUT/loss.tsv" "${MODEL_ARGS[@]}" "${TRAIN_ARGS[@]}"
}

export_all() {
    lib=$(bash scripts/train/build-llama-check.sh)
    $PY scripts/train/export.py --ckpt "$OUT/austen.pt" --vocab $B/data/vocab.gguf --out "$OUT/austen-f32.gguf" --type f32
    $PY scripts/train/export.py --ckpt "$OUT/austen.pt" --vocab $B/data/vocab.gguf --out "$OUT/austen-f16.gguf" --type f16
    $B/llama_check "$lib" quantize "$OUT/austen-f32.gguf" "$OUT/austen-q8_0.gguf" 7
    # llama.cpp's own Q4_K_M mix: ffn_down (704 columns, not a multiple of
    # Q4_K's 256-element super-block) falls back to Q5_0, as llama.cpp does.
    $B/llama_check "$lib" quantize "$OUT/austen-f32.gguf" "$OUT/austen-q4_k_m.gguf" 15
    $PY scripts/train/check_export.py --ckpt "$OUT/austen.pt" --gguf "$OUT/austen-f32.gguf" \
        --tokens $B/data/val.u16 --check $B/llama_check --lib "$lib" --n 256 --tol 5e-5
    echo "type   bytes      validation loss (llama.cpp, nats/token)"
    for t in f32 f16 q8_0 q4_k_m; do
        f="$OUT/austen-$t.gguf"
        printf '%-6s %-10s %s\n' "$t" "$(stat -c %s "$f")" "$($B/llama_check "$lib" nll "$f" $B/data/val.u16 256)"
    done
}

case $stage in
    data) data ;;
    train) train ;;
    export) export_all ;;
    all) data; train; export_all ;;
    *) echo "usage: $0 [all|data|train|export]" >&2; exit 2 ;;
esac
