#!/usr/bin/env bash
# Installs whatever EMBODIOS needs that this machine lacks, with apt-get
# (through sudo when not root). Usage: scripts/deps.sh build|run|test|train|bench
# A fresh Debian 12 machine with only git and make is the starting point.
set -euo pipefail
mode=${1:-build}

# command -> Debian package
declare -A pkg_of=(
    [gcc]=gcc [ld]=binutils [readelf]=binutils [make]=make [od]=coreutils
    [qemu-system-x86_64]=qemu-system-x86 [qemu-img]=qemu-utils
    [python3]=python3 [node]=nodejs [npm]=npm [clang]=clang [gnuplot]=gnuplot-nox
    [cpio]=cpio [xz]=xz-utils [timeout]=coreutils [dpkg-deb]=dpkg [apt-get]=apt
)
case $mode in
    build) need=(gcc ld readelf make od) ;;
    run)   need=(gcc ld readelf make od qemu-system-x86_64 qemu-img) ;;
    test)  need=(gcc ld readelf make od qemu-system-x86_64 qemu-img python3 node npm clang timeout) ;;
    train) need=(gcc make python3 node npm dpkg-deb apt-get) ;;
    bench) need=(gcc ld readelf make od qemu-system-x86_64 qemu-img python3 gnuplot xz timeout dpkg-deb apt-get) ;;
    *) echo "usage: $0 build|run|test|train|bench" >&2; exit 2 ;;
esac

missing=()
for cmd in "${need[@]}"; do
    command -v "$cmd" >/dev/null 2>&1 || missing+=("${pkg_of[$cmd]}")
done
# Packages that are not commands: libFuzzer's runtime for clang's -fsanitize=fuzzer.
if [ "$mode" = test ] && ! dpkg -s libclang-rt-14-dev >/dev/null 2>&1 && \
   ! ls /usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-x86_64.a >/dev/null 2>&1; then
    missing+=(libclang-rt-14-dev)
fi
# The training scripts (scripts/train/, and its smoke test in `make test`) need
# Debian's PyTorch for Debian's python3 (~190 MB download, ~820 MB installed).
if { [ "$mode" = test ] || [ "$mode" = train ]; } && ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
    missing+=(python3-torch)
fi
# The benchmark's guest tools are linked with gcc -static: the static C library.
if [ "$mode" = bench ] && [ ! -e /usr/lib/x86_64-linux-gnu/libc.a ]; then
    missing+=(libc6-dev)
fi
[ ${#missing[@]} -eq 0 ] && exit 0

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
echo "deps: installing ${missing[*]}"
if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "deps: done"
