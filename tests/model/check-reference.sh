#!/usr/bin/env bash
# Reference parity of the model tooling (issue 5):
#  - the npm tools install at their pinned versions (tools/install.sh);
#  - scripts/mkmodel.py is deterministic, and llama.cpp itself loads the F32
#    and F16 models it writes (weights included) and reads the shape,
#    vocabulary type and special tokens mkmodel meant;
#  - the committed token fixtures are what llama.cpp gives today;
#  - @huggingface/gguf reads the expected header, and the kernel's loadmodel
#    and modelinfo print the same header and metadata (tests/model/compare_reference.py,
#    booted in QEMU; skip with --no-kernel).
# Ends with "N passed, N failed"; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
kernel=1
[ "${1:-}" = "--no-kernel" ] && kernel=0
out=build/reference
mkdir -p "$out"
passed=0 failed=0
check() { # check WHAT COMMAND...
    local what=$1; shift
    if "$@" >"$out/last.log" 2>&1; then
        passed=$((passed + 1)); echo "PASS: $what"
    else
        failed=$((failed + 1)); echo "FAIL: $what"; sed 's/^/    /' "$out/last.log" | tail -15
    fi
}
finish() { echo "check-reference: $passed passed, $failed failed"; [ "$failed" -eq 0 ]; exit $?; }

check "npm tools installed at their pinned versions" bash tools/install.sh
check "models made (scripts/make-models.sh)" bash scripts/make-models.sh
[ "$failed" -eq 0 ] || finish
m=build/models

t0=$(date +%s%N)
check "mkmodel.py writes the same F32 file again (deterministic)" \
    bash -c "python3 scripts/mkmodel.py --vocab $m/tokenizer.model --out $out/again.gguf && cmp $out/again.gguf $m/tinystories-15m-f32.gguf"
echo "INFO: F32 model generated and compared in $((($(date +%s%N) - t0) / 1000000)) ms," \
     "$(stat -c %s $m/tinystories-15m-f32.gguf) bytes (F16: $(stat -c %s $m/tinystories-15m-f16.gguf) bytes)"
rm -f "$out/again.gguf"

node tools/llama-load-check.mjs $m/tinystories-15m-f32.gguf $m/tinystories-15m-f16.gguf \
    >"$out/llama.tsv" 2>"$out/llama.err"
llama() { awk -F'\t' -v f="$1" -v k="$2" '$1 == f && $2 == k { print $3 }' "$out/llama.tsv"; }
# Tensor bytes: F32 is 4 x 15191712; F16 is 2 bytes a weight but its 13 norm
# vectors of 288 (3744 values) stay F32, as llama.cpp's converter keeps them.
for f in tinystories-15m-f32.gguf:60766848 tinystories-15m-f16.gguf:30390912; do
    file=${f%:*} bytes=${f#*:}
    check "llama.cpp loads $file with its weights and runs it" test "$(llama "$file" loaded)" = yes
    check "llama.cpp: $file holds $bytes bytes of tensors" test "$(llama "$file" tensor_bytes)" = "$bytes"
    check "llama.cpp: $file context 256, embedding 288" \
        test "$(llama "$file" train_context)/$(llama "$file" embedding)" = 256/288
    check "llama.cpp: $file vocabulary spm, bos 1, eos 2, add_bos" \
        test "$(llama "$file" vocabulary_type)/$(llama "$file" bos)/$(llama "$file" eos)/$(llama "$file" add_bos)" = spm/1/2/true
    echo "INFO: llama.cpp: $file loaded in $(llama "$file" load_ms) ms ($(llama "$file" description)), greedy tokens after 'Once upon a time': $(llama "$file" greedy_tokens)"
done

rm -rf "$out/fixtures"
check "the committed token fixtures are what llama.cpp gives (tools/gen-token-fixtures.mjs)" \
    bash -c "node tools/gen-token-fixtures.mjs $out/fixtures &&
             for f in llama_spm.json llama_spm.tsv llama_spm_special.json llama_spm_special.tsv; do
                 cmp $out/fixtures/\$f tests/fixtures/tokenizer/\$f || exit 1; done"
echo "INFO: $(grep -c '"text"' tests/fixtures/tokenizer/llama_spm.json) fixture strings"

# Inference fixtures (issue 9): tools/llama-ref (a C driver of the same prebuilt llama.cpp) again.
rm -rf "$out/llama-fixtures"
check "the committed inference fixtures are what llama.cpp gives (tools/llama-ref/make-fixtures.sh)" \
    bash -c "bash tools/llama-ref/make-fixtures.sh $out/llama-fixtures && diff -r $out/llama-fixtures tests/fixtures/llama"

for v in f32 f16; do
    node tools/gguf-reference.mjs $m/tinystories-15m-$v.gguf >"$out/reference-$v.tsv" 2>"$out/reference-$v.err"
    ref() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$out/reference-$v.tsv"; }
    check "@huggingface/gguf reads $v: 56 tensors, 15191712 parameters, 32000 tokens" \
        test "$(ref tensor_count)/$(ref parameters)/$(ref tokenizer.ggml.tokens)" = "56/15191712/[32000]"
done
cp "$out/reference-f32.tsv" $m/reference-f32.tsv

if [ "$kernel" -eq 1 ]; then
    check "kernel builds" make -s kernel
    for v in f32 f16; do
        disk=build/model.img
        [ $v = f16 ] && disk=$m/tinystories-15m-f16.gguf
        python3 tests/model/compare_reference.py "$out/reference-$v.tsv" --boot "$disk" \
            --save "$out/serial-$v.txt" >"$out/compare-$v.txt" 2>&1
        rc=$?
        check "kernel loadmodel/modelinfo match @huggingface/gguf on $v ($(tail -1 "$out/compare-$v.txt"))" \
            test $rc -eq 0
        [ $rc -eq 0 ] || grep -v '^PASS' "$out/compare-$v.txt" | head -20
    done
fi
finish
