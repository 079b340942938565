#!/usr/bin/env bash
# Developer check, not part of `make test` (it takes 10-60 minutes on two
# cores): the README's two commands on a fresh Debian 12 that has only git
# and make, as root, first time, nothing left over from an earlier run.
#
#   sudo scripts/check-fresh-debian.sh [--only run|test] [--ref REF] [DIR]
#
# DIR (default /var/tmp/embodios-deb12; keep it out of the repository, and
# out of build/, which `make clean` removes) holds:
#   DIR/base   `debootstrap bookworm` plus git and make; made once, reused
#              (delete it, or pass --new-base, to make it again)
#   DIR/run    a copy of base: `make run` (its deps step installs gcc and
#              QEMU), passed when the kernel's shell prompt appears
#   DIR/test   a copy of base: `make test`, passed when it exits 0 with
#              "Total: N passed, 0 failed"
#   DIR/*.log  what each command printed
# `make test` gets TEST_TIMEOUT seconds (default 7200); on two busy cores it
# took 7.5 minutes, about half of it apt-get.
# Each copy gets a clone of REF (default: HEAD, the committed state of this
# repository; uncommitted changes are not tested) in /root/embodios, and
# /proc, /sys and /dev mounted for the time of the command. The copies stay
# for inspection and are replaced on the next run. Needs root, the network
# (deb.debian.org and the npm registry; local CA certificates of the host are
# copied in) and debootstrap (installed with
# apt-get when missing).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
only="run test" ref=HEAD new_base=0
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
while [ $# -gt 0 ]; do
    case $1 in
        --only) only=$2; shift 2 ;;
        --ref) ref=$2; shift 2 ;;
        --new-base) new_base=1; shift ;;
        -h|--help) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) break ;;
    esac
done
dir=$(realpath -m "${1:-/var/tmp/embodios-deb12}")
case $dir/ in "$repo"/*) echo "check-fresh-debian: $dir is inside the repository; choose another DIR" >&2; exit 2 ;; esac
[ "$(id -u)" -eq 0 ] || { echo "check-fresh-debian: run as root (debootstrap, chroot, mount)" >&2; exit 1; }
commit=$(git -C "$repo" rev-parse --verify "$ref^{commit}")
[ -z "$(git -C "$repo" status --porcelain --untracked-files=no)" ] || [ "$ref" != HEAD ] ||
    echo "check-fresh-debian: note: uncommitted changes in $repo are not part of the check"
mkdir -p "$dir"

log() { echo "check-fresh-debian: $*"; }
mounted_under() { awk -v d="$1" '$2 == d || index($2, d "/") == 1 { print $2 }' /proc/self/mounts; }

# Mounts /proc, /sys and /dev into a root; unmount() undoes it (lazily, so
# a busy mount cannot keep it) and ends what still runs inside that root.
mount_root() {
    local root=$1
    mount -t proc proc "$root/proc"
    mount --rbind /sys "$root/sys" && mount --make-rslave "$root/sys"
    mount --rbind /dev "$root/dev" && mount --make-rslave "$root/dev"
    cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}
# Behind a TLS-intercepting proxy the host trusts extra CAs; the chroot gets
# the same (Debian's ca-certificates adds them when apt installs it; Debian's
# node uses the system store). Without them npm fails with
# SELF_SIGNED_CERT_IN_CHAIN. A plain host has none and nothing changes.
copy_local_cas() {
    local root=$1 f n=0
    for f in /usr/local/share/ca-certificates/*.crt; do
        [ -f "$f" ] || continue
        mkdir -p "$root/usr/local/share/ca-certificates"
        cp "$f" "$root/usr/local/share/ca-certificates/"; n=$((n + 1))
    done
    [ "$n" -eq 0 ] || log "copied the host's $n local CA certificate(s) (/usr/local/share/ca-certificates)"
}
unmount() {
    local root=$1 p pids=()
    for p in /proc/[0-9]*; do
        [ "$(readlink "$p/root" 2>/dev/null)" = "$root" ] && pids+=("${p#/proc/}")
    done
    if [ ${#pids[@]} -gt 0 ]; then
        log "ending processes left in $root: $(ps -o pid=,comm= -p "${pids[*]}" | paste -sd ' ')"
        kill -TERM "${pids[@]}" 2>/dev/null || true
        sleep 2
        kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
    local m
    for m in dev sys proc; do
        mountpoint -q "$root/$m" && umount -l "$root/$m"
    done
    if [ -n "$(mounted_under "$root")" ]; then
        echo "check-fresh-debian: still mounted under $root:" >&2
        mounted_under "$root" >&2
        return 1
    fi
}
current_root=
trap '[ -z "$current_root" ] || unmount "$current_root"' EXIT
trap 'exit 130' INT TERM
in_root() { # in_root ROOT COMMAND: a login-like root shell in the chroot
    chroot "$1" /usr/bin/env -i HOME=/root TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        /bin/bash -c "$2"
}
remove_root() { # never crosses into another file system, never while mounted
    local root=$1
    [ -e "$root" ] || return 0
    unmount "$root"
    rm -rf --one-file-system "$root"
}

# ---- the base system: Debian 12 plus git and make -----------------------
if [ "$new_base" -eq 1 ] || [ ! -x "$dir/base/usr/bin/make" ] || [ ! -x "$dir/base/usr/bin/git" ]; then
    command -v debootstrap >/dev/null || { apt-get update -qq && apt-get install -y -qq debootstrap >/dev/null; }
    remove_root "$dir/base.new"
    log "debootstrap bookworm $dir/base ($mirror)"
    debootstrap bookworm "$dir/base.new" "$mirror" >"$dir/debootstrap.log" 2>&1 ||
        { tail -20 "$dir/debootstrap.log"; exit 1; }
    current_root=$dir/base.new
    mount_root "$current_root"
    in_root "$current_root" 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq &&
        apt-get install -y -qq --no-install-recommends git make >/dev/null && apt-get clean'
    unmount "$current_root"; current_root=
    remove_root "$dir/base"
    mv "$dir/base.new" "$dir/base"
fi
for cmd in gcc cc python3 node npm qemu-system-x86_64 clang; do
    ! in_root "$dir/base" "command -v $cmd" >/dev/null || { echo "check-fresh-debian: the base has $cmd" >&2; exit 1; }
done
log "base: $(cat "$dir/base/etc/debian_version"), $(in_root "$dir/base" 'git --version; make --version | head -1' | paste -sd ' ')"

# ---- one check: a fresh copy, a clone, one command ----------------------
failed=0
check() { # check NAME WHAT COMMAND-IN-/root/embodios
    local name=$1 what=$2 cmd=$3 root=$dir/$1 start rc=0
    remove_root "$root"
    cp -a "$dir/base" "$root"
    git clone -q --no-local "$repo" "$root/root/embodios"
    git -C "$root/root/embodios" checkout -q --detach "$commit"
    copy_local_cas "$root"
    current_root=$root
    mount_root "$root"
    log "$name: chroot $root, /root/embodios at $(git -C "$root/root/embodios" log -1 --format='%h %s' | cut -c1-70)"
    log "$name: $what (output in $dir/$name.log)"
    start=$(date +%s)
    in_root "$root" "cd /root/embodios || exit 1; $cmd" >"$dir/$name.log" 2>&1 || rc=$?
    unmount "$root"; current_root=
    elapsed=$(( $(date +%s) - start ))
    log "$name: exit $rc after $((elapsed / 60)) min $((elapsed % 60)) s"
    return $rc
}

# make run: boots QEMU on the serial line; passed when the prompt appears.
# The wait is inside the chroot so that `timeout` ends make and QEMU together.
run_cmd='timeout 900 make run </dev/null > /root/run.out 2>&1 & pid=$!
    for i in $(seq 900); do
        grep -q "EMBODIOS> " /root/run.out && break
        kill -0 $pid 2>/dev/null || break
        sleep 1
    done
    kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null
    cat /root/run.out; grep -q "EMBODIOS> " /root/run.out'
for what in $only; do
    case $what in
        run)
            if check run "make run </dev/null until the shell prompt appears" "$run_cmd"; then
                log "run: PASS, the shell prompt appeared ($(grep -m1 -o 'Boot complete in [^)]*' "$dir/run.log" || true))"
                log "run: its deps step: $(grep -m1 '^deps: installing' "$dir/run.log" || echo 'installed nothing')"
            else
                log "run: FAIL"; tail -20 "$dir/run.log"; failed=1
            fi ;;
        test)
            rc=0; check test "make test" "timeout ${TEST_TIMEOUT:-7200} make test" || rc=$?
            sed -n '/^##### summary/,$p' "$dir/test.log"
            total=$(grep -E '^Total: [0-9]+ passed, [0-9]+ failed' "$dir/test.log" | tail -1)
            # Build outputs belong under build/: anything else new in the tree
            # (ignored or untracked) is a finding.
            left=$(git -C "$dir/test/root/embodios" status --porcelain --ignored --untracked-files=all |
                   grep -vE '^.. (build/|tools/node_modules/|kernel/embodios\.elf$)' || true)
            if [ -n "$left" ]; then
                log "test: files made outside build/:"; sed 's/^/    /; 20q' <<<"$left"; rc=1
            fi
            if [ "$rc" -eq 0 ] && [[ $total == *" 0 failed"* ]]; then
                log "test: PASS ($total)"
            else
                log "test: FAIL (exit $rc, ${total:-no Total line})"; failed=1
            fi ;;
        *) echo "check-fresh-debian: --only run|test" >&2; exit 2 ;;
    esac
done
exit $failed
