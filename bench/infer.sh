#!/usr/bin/env bash
# Inference benchmark: EMBODIOS `generate` vs llama.cpp in a Linux guest vs
# llama.cpp on the host, 15M llama shape in F32, Q8_0 and Q4_K_M, on QEMU's
# default CPU (qemu64) and -cpu max. See bench/infer.py.
#
#   bench/infer.sh                 5 runs of everything; updates docs/
#   bench/infer.sh --runs 3 --no-docs
#   bench/infer.sh --only linux    re-measure one system, keep the others
# Any other option is passed to bench/infer.py.
set -euo pipefail
cd "$(dirname "$0")/.."
docs=(--docs) pass=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-docs) docs=() ;;
        -h|--help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0"; exit 0 ;;
        *) pass+=("$1") ;;
    esac
    shift
done
bash scripts/deps.sh bench
make -s kernel
bash scripts/make-models.sh >/dev/null
bash bench/llama-guest.sh
# The three weight types, made from the F32 model by llama.cpp's own quantizer.
D=build/bench/infer
mkdir -p $D
cp -u build/models/tinystories-15m-f32.gguf $D/tinystories-15m-f32.gguf
for t in q8_0 q4_k_m; do
    [ -s $D/tinystories-15m-$t.gguf ] || \
        build/bench/llamaquant $D/tinystories-15m-f32.gguf $D/tinystories-15m-$t.gguf "${t^^}" >/dev/null 2>&1
done
python3 bench/infer.py "${docs[@]}" "${pass[@]}"
