#!/usr/bin/env bash
# The training pipeline's smoke test (issue 11), well under a minute: the
# corpus extraction reproduces the shipped model's corpus, a vocabulary cut
# and the kernel's tokenizer agree with llama.cpp, a tiny llama trains a few
# steps on a slice (loss falls, runs repeat exactly), its GGUF export loads in
# the kernel's loader and in llama.cpp with the same logits as PyTorch; and
# the committed model matches its checksum and loads. Ends "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh train >/dev/null
B=build/train; S=build/train/smoke; PY=/usr/bin/python3
mkdir -p $S $B/deb
pass=0; fail=0
ok()  { echo "PASS $1"; pass=$((pass + 1)); }
bad() { echo "FAIL $1"; fail=$((fail + 1)); }
check() { local name=$1; shift; if "$@"; then ok "$name"; else bad "$name"; fi; }

bash scripts/make-models.sh >/dev/null
bash scripts/train/build-tok.sh || bad "build the host tokenizer tool"
lib=$(bash scripts/train/build-llama-check.sh) || bad "build the llama.cpp checker"
bash scripts/train/fetch-debs.sh $B/deb r-cran-janeaustenr || bad "apt-get download r-cran-janeaustenr"
for d in $B/deb/r-cran-janeaustenr_*.deb; do dpkg -x "$d" $S/root; done

# 1. The R data reader and the cleaning give exactly the shipped model's corpus.
$PY scripts/train/corpus.py --pkg-root $S/root --out-dir $S/data >/dev/null
check "corpus matches scripts/train/corpus.sha256" \
    bash -c "cd $S/data && sha256sum -c --quiet $PWD/scripts/train/corpus.sha256"

# 2. A 512-piece cut of LLaMA's vocabulary (the shipped model's kind: its first N pieces)
#    keeps <unk> <s> </s> and the 256 bytes.
head -n 300 $S/data/train.txt > $S/train.txt
tail -n 20 $S/data/val.txt > $S/val.txt
$PY scripts/train/vocab.py --tokenizer build/models/tokenizer.model --cut first --size 512 \
    --out $S/vocab.gguf >/dev/null
vocab_ok() {
    local v; v=$($B/tok $S/vocab.gguf vocab) || return 1
    [ "$(wc -l <<<"$v")" -eq 512 ] && [ "$(sed -n 2p <<<"$v")" = "$(printf '1\t3\t<s>')" ] &&
        [ "$(awk -F'\t' '$2 == 6' <<<"$v" | wc -l)" -eq 256 ] &&
        [ "$(sed -n 259p <<<"$v" | cut -f3)" = "<0xFF>" ]
}
check "vocabulary cut to 512 keeps the specials and 256 byte pieces" vocab_ok

# 3. The kernel's tokenizer and llama.cpp give the same ids with the cut vocabulary.
same_ids() {
    local line n=0
    while IFS= read -r line; do
        [ "$($B/tok $S/vocab.gguf ids "$line")" = "$($B/llama_check "$lib" tokenize $S/vocab.gguf "$line")" ] || return 1
        n=$((n + 1))
    done < <(head -n 5 $S/val.txt; echo 'Once upon a time, naïve £5 — "Well!"')
    [ $n -eq 6 ]
}
check "kernel tokenizer ids == llama.cpp ids (6 texts, cut vocabulary)" same_ids

# 4. A tiny llama trains: the validation loss falls; the same command repeats exactly.
$B/tok $S/vocab.gguf docs $S/train.txt $S/train.u16 2>/dev/null
$B/tok $S/vocab.gguf docs $S/val.txt $S/val.u16 2>/dev/null
blas=$PWD/$B/root/usr/lib/x86_64-linux-gnu/openblas-serial
tiny() {
    LD_LIBRARY_PATH=$blas $PY scripts/train/train.py --train $S/train.u16 --val $S/val.u16 --out "$1" --log "$1.tsv" \
        --vocab 512 --dim 64 --layers 2 --heads 2 --ffn 128 --ctx 64 --batch 8 --steps "$2" --warmup 5 \
        --lr 3e-3 --eval-every 1000 --seed 7 >/dev/null
}
tiny $S/a.pt 40; tiny $S/b.pt 40
loss_falls() {
    local first last
    first=$(awk -F'\t' 'NR == 2 {print $3}' $S/a.pt.tsv); last=$(awk -F'\t' 'END {print $3}' $S/a.pt.tsv)
    echo "  validation loss $first -> $last after 40 steps"
    awk -v a="$first" -v b="$last" 'BEGIN {exit !(b < a - 0.5)}'
}
check "tiny training lowers the validation loss" loss_falls
check "training is repeatable (same loss log twice)" cmp -s <(cut -f1-4 $S/a.pt.tsv) <(cut -f1-4 $S/b.pt.tsv)

# 5. Its export loads in the kernel's loader and in llama.cpp, with PyTorch's logits.
$PY scripts/train/export.py --ckpt $S/a.pt --vocab $S/vocab.gguf --out $S/tiny.gguf >/dev/null
kernel_loads() {
    local out; out=$($B/tok "$1" load) || return 1
    grep -q "^loaded $2 tensors" <<<"$out" && grep -q "^tensor token_embd.weight type $3 dims $4$" <<<"$out"
}
check "kernel loader accepts the exported GGUF" kernel_loads $S/tiny.gguf 20 F32 "64 512"
check "llama.cpp logits == PyTorch's within 5e-5" $PY scripts/train/check_export.py --ckpt $S/a.pt \
    --gguf $S/tiny.gguf --tokens $S/val.u16 --check $B/llama_check --lib "$lib" --n 64 --tol 5e-5

# 6. The committed model: checksum, the kernel loads it, llama.cpp's tokenizer agrees.
for sum in models/austen-*.sha256; do
    [ -e "$sum" ] || { bad "no committed model (models/austen-*.sha256)"; break; }
    model=models/$(awk '{print $2}' "$sum")
    check "$model matches $sum" bash -c "cd models && sha256sum -c --quiet $(basename "$sum")"
    check "kernel loader accepts $model" kernel_loads "$model" 56 "[A-Z0-9_]*" "256 4096"
    committed_ids() {
        local t
        for t in "Once upon a time" "It is a truth universally acknowledged" "Mr. Darcy's £10,000 a year!"; do
            [ "$($B/tok "$model" ids "$t")" = "$($B/llama_check "$lib" tokenize "$model" "$t")" ] || return 1
        done
    }
    check "kernel tokenizer == llama.cpp on $model" committed_ids
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
