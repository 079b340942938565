#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan + UBSan) and runs each for a
# bounded time (FUZZ_SECONDS, default 20) from the committed seed corpus:
# fuzz_gguf (parser invariants: same result with another read-ahead window,
# written back it is the same bytes and parses the same; tokenizer ids in
# range), fuzz_tokenizer (LLaMA's vocabulary: ids in range, round trip),
# fuzz_vocab (fuzzed vocabularies: ids in range, round trip, add_special).
# New inputs go to build/fuzz/, so the repository stays clean; a crash leaves
# its reproducer in build/fuzz/. Ends with "fuzz: N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh test >/dev/null || exit 1
bash scripts/make-models.sh >/dev/null || exit 1
seconds=${FUZZ_SECONDS:-20}
out=build/fuzz
mkdir -p "$out"
common=(kernel/model/gguf.c kernel/model/gguf_reader.c kernel/model/ggml_types.c kernel/model/name_set.c
        kernel/model/tokenizer.c kernel/model/tokenizer_encode.c kernel/lib/format.c kernel/lib/string.c
        kernel/lib/errno.c tests/host/host_heap_shim.c tests/host/host_printk_shim.c
        kernel/model/tokenizer_bpe.c kernel/model/tokenizer_bpe_encode.c kernel/model/tokenizer_api.c
        kernel/model/token_partition.c kernel/model/bpe_pretok.c kernel/model/unicode_class.c
        kernel/model/unicode_tables.c)
pass=0; fail=0
llama=(kernel/model/llama.c kernel/model/llama_attn.c kernel/model/llama_prefill.c kernel/model/llama_load.c kernel/model/model.c $(ls kernel/math/*.c | grep -v mathbench))
for target in gguf tokenizer vocab tokenizer_bpe llama; do
    bin=$out/fuzz_$target
    if ! clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
            -Ikernel -Itests/host -DEMBODIOS_HOST_TEST -o "$bin" tests/fuzz/fuzz_$target.c "${common[@]}" \
            $([ $target = llama ] && echo "${llama[@]} -lm"); then
        echo "FAIL: fuzz_$target does not build"; fail=$((fail + 1)); continue
    fi
    work=$out/corpus-$target
    mkdir -p "$work"
    cp -n tests/fuzz/corpus/$target/* "$work"/ 2>/dev/null
    # The parser also starts from every hand-made bad file of the host test.
    [ "$target" = gguf ] && [ -d build/bad-gguf ] && cp -n build/bad-gguf/*.gguf "$work"/ 2>/dev/null
    if EMBODIOS_QUIET=1 "$bin" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
            -artifact_prefix="$out/crash-$target-" -print_final_stats=1 "$work" >"$out/$target.log" 2>&1; then
        runs=$(grep -oE 'stat::number_of_executed_units: *[0-9]+' "$out/$target.log" | grep -oE '[0-9]+$')
        echo "PASS: fuzz_$target: ${runs:-?} inputs in ${seconds} s, no crash ($(ls "$work" | wc -l) corpus files)"
        pass=$((pass + 1))
    else
        echo "FAIL: fuzz_$target found a problem:"; tail -30 "$out/$target.log"; fail=$((fail + 1))
    fi
done
echo "fuzz: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
