#!/usr/bin/env bash
# The build and install machinery (issue 8, sections 2 and 5):
#  - `make clean` removes build/ and the kernel only: a user's test.img or
#    model.img in the repository root stays (the README's QEMU line uses
#    test.img for the user's disk);
#  - `make run`/`make debug` with a DISK= that does not exist say so, before
#    installing or building anything; the default disk is still made;
#  - no test or script refers to test.img/model.img/test.qcow2 outside build/;
#  - tools/install.sh pins the installed versions, not the lock file's bytes:
#    an npm that rewrites the lock file in its own dialect (Debian 12's npm 9)
#    is fine, the lock file comes back unchanged, and a wrong version or a
#    failed npm is an error (a fake npm stands in for the registry).
# Ends with "make: N passed, N failed"; exits 1 if anything failed.
set -uo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "PASS: $1"; }
bad() { failed=$((failed + 1)); echo "FAIL: $1"; [ -z "${2:-}" ] || sed 's/^/    /' <<<"$2" | tail -15; }
check() { if [ "$2" = 0 ]; then ok "$1"; else bad "$1" "${3:-}"; fi; }

# ---- make clean, in a scratch copy of the build files --------------------
s=$tmp/clean
mkdir -p "$s/kernel/core" "$s/build/obj" "$s/build/models"
# Every make file (the Makefile includes others), nothing else.
find . \( -name build -o -name node_modules -o -name .git \) -prune -o \
    \( -name Makefile -o -name '*.mk' -o -name '*.ld' \) -type f -exec cp --parents {} "$s/" \;
touch "$s/test.img" "$s/model.img" "$s/test.qcow2" "$s/kernel/core/keep.c" \
      "$s/kernel/embodios.elf" "$s/build/disk.img" "$s/build/model.img" "$s/build/obj/x.o"
out=$(make -C "$s" --no-print-directory clean 2>&1); rc=$?
check "make clean succeeds" $rc "$out"
check "make clean keeps test.img, model.img and test.qcow2 in the root" \
    "$([ -e "$s/test.img" ] && [ -e "$s/model.img" ] && [ -e "$s/test.qcow2" ]; echo $?)" "$(ls -la "$s")"
check "make clean removes build/ and kernel/embodios.elf" \
    "$([ ! -e "$s/build" ] && [ ! -e "$s/kernel/embodios.elf" ]; echo $?)" "$(find "$s" -path "$s/tests" -prune -o -print)"
check "make clean keeps the sources" "$([ -e "$s/kernel/core/keep.c" ]; echo $?)"

# ---- make run / make debug with DISK= ------------------------------------
for target in run debug; do
    out=$(timeout 60 make --no-print-directory $target DISK="$tmp/missing.img" 2>&1 </dev/null); rc=$?
    check "make $target DISK=missing.img fails" "$([ $rc -ne 0 ] && [ $rc -ne 124 ]; echo $?)" "$out"
    check "make $target DISK=missing.img says the file does not exist" \
        "$(grep -q "'$tmp/missing.img' does not exist" <<<"$out" && ! grep -q 'No rule to make target' <<<"$out"; echo $?)" "$out"
    check "make $target DISK=missing.img installs and builds nothing first" \
        "$(! grep -qE '^deps:|^  (CC|AS|LD) ' <<<"$out"; echo $?)" "$out"
done
# The default disk is made (BUILD= elsewhere, so nothing of the tree changes):
# the committed Austen model at offset 0, remade when the model changes.
model=$(ls models/austen-*.gguf | head -n 1)
out=$(make -n --no-print-directory run BUILD="$tmp/b" 2>&1); rc=$?
check "make -n run: plans the default disk \$(BUILD)/disk.img (the Austen model) and boots it" \
    "$([ $rc -eq 0 ] && grep -q "austen-disk.sh $tmp/b/disk.img 64" <<<"$out" &&
       grep -q "run-qemu.sh $tmp/b/disk.img" <<<"$out"; echo $?)" "$out"
out=$(make --no-print-directory BUILD="$tmp/b" "$tmp/b/disk.img" 2>&1); rc=$?
check "make \$(BUILD)/disk.img makes the 64 MB default disk with $model at offset 0" \
    "$([ $rc -eq 0 ] && [ "$(stat -c %s "$tmp/b/disk.img" 2>/dev/null)" = $((64 << 20)) ] &&
       cmp -s -n "$(stat -c %s "$model")" "$model" "$tmp/b/disk.img"; echo $?)" "$out"
out=$(make -n --no-print-directory BUILD="$tmp/b" "$tmp/b/disk.img" 2>&1); rc=$?
check "make \$(BUILD)/disk.img again: up to date, nothing to do" \
    "$([ $rc -eq 0 ] && ! grep -q austen-disk <<<"$out"; echo $?)" "$out"
out=$(make -n -W "$model" --no-print-directory BUILD="$tmp/b" "$tmp/b/disk.img" 2>&1); rc=$?
check "make \$(BUILD)/disk.img: a changed model file remakes the disk" \
    "$([ $rc -eq 0 ] && grep -q "austen-disk.sh $tmp/b/disk.img 64" <<<"$out"; echo $?)" "$out"
check "the Austen model is committed (a fresh clone's make run has it)" \
    "$(git ls-files --error-unmatch "$model" "${model%.gguf}.sha256" >/dev/null 2>&1; echo $?)"
# run-qemu.sh tells the user the default disk holds a model (a fake QEMU).
mkdir -p "$tmp/qbin"
printf '#!/bin/sh\nexit 0\n' >"$tmp/qbin/qemu-system-x86_64"; chmod +x "$tmp/qbin/qemu-system-x86_64"
out=$(PATH="$tmp/qbin:$PATH" bash scripts/run-qemu.sh "$tmp/b/disk.img" 2>&1); rc=$?
check "run-qemu.sh on the default disk: says it holds a model and what to type" \
    "$([ $rc -eq 0 ] && grep -q "disk.img holds a GGUF model: type loadmodel, then generate Once upon a time" <<<"$out"; echo $?)" "$out"
out=$(PATH="$tmp/qbin:$PATH" bash scripts/run-qemu.sh "$tmp/user.img" 2>&1); rc=$?
check "run-qemu.sh on a disk without a model: no such line" \
    "$([ $rc -eq 0 ] && ! grep -q "holds a GGUF model" <<<"$out"; echo $?)" "$out"
# A fresh clone of the committed tree (what a new user has) makes the same disk.
if git clone -q --no-hardlinks "$repo" "$tmp/clone" 2>"$tmp/clone.err"; then
    out=$(make -s -C "$tmp/clone" build/disk.img 2>&1); rc=$?
    check "a fresh clone: make build/disk.img puts the committed model on the default disk" \
        "$([ $rc -eq 0 ] && cmp -s -n "$(stat -c %s "$model")" "$model" "$tmp/clone/build/disk.img"; echo $?)" "$out"
else
    bad "a fresh clone of the repository" "$(cat "$tmp/clone.err")"
fi
# A model that does not match its sha256 makes no disk (a scratch copy of the scripts).
c=$tmp/sum
mkdir -p "$c/scripts/train" "$c/models"
cp scripts/train/austen-disk.sh "$c/scripts/train/"; cp scripts/mkmodel-disk.sh "$c/scripts/"
cp "${model%.gguf}.sha256" "$c/models/"; head -c 4096 "$model" >"$c/$model"
out=$(bash "$c/scripts/train/austen-disk.sh" "$c/build/disk.img" 64 2>&1); rc=$?
check "austen-disk.sh: a model that does not match its sha256 is refused, no disk made" \
    "$([ $rc -ne 0 ] && grep -q 'does not match' <<<"$out" && [ ! -e "$c/build/disk.img" ]; echo $?)" "$out"
truncate -s 1M "$tmp/user.img"
out=$(make -n --no-print-directory run DISK="$tmp/user.img" 2>&1); rc=$?
check "make -n run DISK=user.img: boots the user's disk and makes none" \
    "$([ $rc -eq 0 ] && grep -q "run-qemu.sh $tmp/user.img" <<<"$out" && ! grep -q mkdisk <<<"$out"; echo $?)" "$out"

# ---- no test or script writes or boots an image in the repository root ---
# (test.img and model.img there are the user's: tests use build/test.img,
# build/model.img, build/qcow2/test.qcow2).
hits=$(grep -rnP '(?<!build/)(?<!qcow2/)\b(model|test)\.(img|qcow2)\b' tests scripts test-*.sh bench \
           --exclude-dir=__pycache__ 2>/dev/null | grep -v '^tests/make/run.sh:')
check "tests and scripts name test.img, model.img, test.qcow2 only under build/" \
    "$([ -z "$hits" ]; echo $?)" "$hits"

# ---- tools/install.sh against a fake npm ---------------------------------
# The fake npm "installs" every non-optional package of the lock file (a
# package.json with its version; FAKE_WRONG=name gives that one 0.0.0-wrong),
# rewrites the lock file as npm 9 does (drops the "libc" and "license"
# fields), logs each call, and fails when FAKE_FAIL=1.
mkdir -p "$tmp/bin"
cat >"$tmp/bin/npm" <<'EOF'
#!/usr/bin/env bash
[ "$1" = --version ] && { echo 9.2.0; exit 0; }
echo "npm $*" >>"$FAKE_LOG"
[ "${FAKE_FAIL:-0}" = 1 ] && { echo "npm ERR! code E404" >&2; exit 1; }
exec node -e '
    const fs = require("fs"), path = require("path");
    const lock = JSON.parse(fs.readFileSync("package-lock.json", "utf8"));
    for (const [p, e] of Object.entries(lock.packages)) {
        if (p === "" || e.optional) continue;
        fs.mkdirSync(p, { recursive: true });
        const name = p.replace(/^.*node_modules\//, "");
        const version = name === process.env.FAKE_WRONG ? "0.0.0-wrong" : e.version;
        fs.writeFileSync(path.join(p, "package.json"), JSON.stringify({ name, version }));
        delete e.libc; delete e.license;
    }
    fs.writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");'
EOF
chmod +x "$tmp/bin/npm"
fresh_tools() { rm -rf "$tmp/tools"; mkdir -p "$tmp/tools"; cp tools/install.sh tools/package.json tools/package-lock.json "$tmp/tools/"; : >"$tmp/npm.log"; }
install() { PATH="$tmp/bin:$PATH" FAKE_LOG="$tmp/npm.log" bash "$tmp/tools/install.sh" 2>&1; }
same_lock() { cmp -s "$tmp/tools/package-lock.json" tools/package-lock.json; echo $?; }

fresh_tools
out=$(install); rc=$?
check "install.sh: an npm that rewrites the lock file (npm 9) installs fine" $rc "$out"
check "install.sh: the lock file comes back byte for byte" "$(same_lock)"
n=$(grep -c . "$tmp/npm.log")
check "install.sh: npm ran once, with the lock file ($n call(s))" \
    "$([ "$n" = 1 ] && grep -q 'npm install .*--ignore-scripts' "$tmp/npm.log"; echo $?)" "$(cat "$tmp/npm.log")"
out=$(install); rc=$?
check "install.sh: a second run finds the pinned versions and does not call npm" \
    "$([ $rc -eq 0 ] && [ "$(grep -c . "$tmp/npm.log")" = 1 ]; echo $?)" "$out"
echo '{"name":"node-llama-cpp","version":"3.22.0"}' >"$tmp/tools/node_modules/node-llama-cpp/package.json"
out=$(install); rc=$?
check "install.sh: a changed installed version is noticed and reinstalled" \
    "$([ $rc -eq 0 ] && [ "$(grep -c . "$tmp/npm.log")" = 2 ]; echo $?)" "$out"

fresh_tools
out=$(FAKE_WRONG=node-llama-cpp install); rc=$?
check "install.sh: npm installing another version is an error naming it" \
    "$([ $rc -ne 0 ] && grep -q 'node-llama-cpp: locked 3.22.1, installed 0.0.0-wrong' <<<"$out"; echo $?)" "$out"
check "install.sh: the lock file comes back after a wrong install" "$(same_lock)"

fresh_tools
out=$(FAKE_FAIL=1 install); rc=$?
check "install.sh: a failing npm is an error" \
    "$([ $rc -ne 0 ] && grep -q 'npm install (exit 1)' <<<"$out"; echo $?)" "$out"
check "install.sh: the lock file comes back after a failed npm" "$(same_lock)"

echo "make: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
