#!/usr/bin/env bash
# Builds the Linux guest for the benchmark from Debian's packages:
# build/bench/linux/vmlinuz (linux-image-amd64's kernel) and initrd.cpio.gz
# (busybox-static, the virtio modules of the same kernel, bench/guest/init
# and a static O_DIRECT reader). Nothing of it is committed.
set -euo pipefail
cd "$(dirname "$0")/.."
out=build/bench/linux
[ -s $out/vmlinuz ] && [ -s $out/initrd.cpio.gz ] && [ $out/initrd.cpio.gz -nt bench/guest/init ] && exit 0
mkdir -p build/bench/debs "$out"
kernel_pkg=$(apt-cache depends linux-image-amd64 | awk '/Depends: linux-image-[0-9]/ { print $2; exit }')
(cd build/bench/debs && ls ./*"${kernel_pkg}"_*.deb >/dev/null 2>&1 || apt-get download "$kernel_pkg" 2>/dev/null)
(cd build/bench/debs && ls ./busybox-static_*.deb >/dev/null 2>&1 || apt-get download busybox-static 2>/dev/null)
rm -rf build/bench/extract build/bench/root
mkdir -p build/bench/extract build/bench/root/{bin,modules,proc,sys,dev}
for deb in build/bench/debs/*.deb; do dpkg-deb -x "$deb" build/bench/extract; done
cp build/bench/extract/boot/vmlinuz-* "$out/vmlinuz"
cp build/bench/extract/bin/busybox build/bench/root/bin/busybox
ln -s busybox build/bench/root/bin/sh
for m in virtio_ring virtio virtio_pci_legacy_dev virtio_pci_modern_dev virtio_pci virtio_blk; do
    f=$(find build/bench/extract/lib/modules -name "$m.ko*" | head -n 1)
    case $f in
        *.xz) xz -dc "$f" > build/bench/root/modules/$m.ko ;;
        *) cp "$f" build/bench/root/modules/$m.ko ;;
    esac
done
gcc -O2 -static -o build/bench/root/readbench bench/guest/readbench.c
install -m 755 bench/guest/init build/bench/root/init
(cd build/bench/root && find . | cpio -o -H newc --quiet | gzip -1) > "$out/initrd.cpio.gz"
echo "linux-guest: $(basename "$(ls build/bench/extract/boot/vmlinuz-*)") + busybox initramfs in $out"
