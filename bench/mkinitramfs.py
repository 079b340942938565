#!/usr/bin/env python3
"""Writes the Linux guest's initramfs (uncompressed cpio, "newc" format).

Usage: mkinitramfs.py OUT.cpio ROOT INIT RDBENCH [DEST=SRC ...]
  ROOT     the tree dpkg-deb -x made of linux-image-*.deb and busybox-static
  INIT     bench/guest/init
  RDBENCH  the statically linked bench/guest/rdbench
  DEST=SRC more files, e.g. lib64/ld-linux-x86-64.so.2=/lib64/ld-linux-x86-64.so.2
           (the inference benchmark's llama.cpp and the C library it needs);
           their directories are made as needed

The archive holds /init, /bin/busybox, /bin/rdbench, the virtio modules from
the same kernel package (flat, in /lib/modules/NAME.ko) and a /dev/console
node, without which the kernel gives /init no console to print to.
Written by hand (not with cpio(1)) so the bench needs one package fewer.
"""
import glob
import lzma
import os
import stat
import sys

MODULES = ["virtio_ring", "virtio", "virtio_pci_legacy_dev", "virtio_pci_modern_dev",
           "virtio_pci", "virtio_blk"]


class Newc:
    def __init__(self, f):
        self.f = f
        self.ino = 1

    def entry(self, name, mode, data=b"", rdev=(0, 0)):
        name_b = name.encode() + b"\0"
        fields = [self.ino, mode, 0, 0, 1, 0, len(data), 0, 0, rdev[0], rdev[1], len(name_b), 0]
        self.ino += 1
        hdr = b"070701" + b"".join(b"%08X" % v for v in fields)
        self.f.write(hdr + name_b)
        self._pad(len(hdr) + len(name_b))
        self.f.write(data)
        self._pad(len(data))

    def _pad(self, n):
        self.f.write(b"\0" * ((4 - n % 4) % 4))

    def directory(self, name):
        self.entry(name, stat.S_IFDIR | 0o755)

    def file(self, name, path, mode=0o644):
        with open(path, "rb") as src:
            self.entry(name, stat.S_IFREG | mode, src.read())

    def trailer(self):
        self.ino = 0
        self.entry("TRAILER!!!", 0)


def main():
    if len(sys.argv) < 5 or any("=" not in a for a in sys.argv[5:]):
        sys.exit(__doc__)
    out, root, init, rdbench = sys.argv[1:5]
    extra = [a.split("=", 1) for a in sys.argv[5:]]
    kos = {}
    for m in MODULES:
        hits = [h for ext in (".ko", ".ko.xz")
                for h in glob.glob(os.path.join(root, "lib/modules/*/kernel/drivers/**", m + ext), recursive=True)]
        if len(hits) != 1:
            sys.exit(f"mkinitramfs: module {m}.ko: found {len(hits)} in {root}")
        kos[m] = hits[0]
    busybox = os.path.join(root, "bin/busybox")
    with open(out + ".tmp", "wb") as f:
        w = Newc(f)
        for d in ("bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"):
            w.directory(d)
        w.entry("dev/console", stat.S_IFCHR | 0o600, rdev=(5, 1))
        w.file("init", init, 0o755)
        w.file("bin/busybox", busybox, 0o755)
        w.file("bin/rdbench", rdbench, 0o755)
        made = {"bin", "dev", "proc", "sys", "tmp", "lib", "lib/modules"}
        for dest, src in extra:
            parts = dest.split("/")[:-1]
            for i in range(1, len(parts) + 1):
                d = "/".join(parts[:i])
                if d not in made:
                    w.directory(d)
                    made.add(d)
            w.file(dest, os.path.realpath(src), 0o755)
        for m, path in kos.items():
            # Debian 12 ships plain .ko; later kernels compress them, and
            # busybox insmod wants them plain.
            opener = lzma.open if path.endswith(".xz") else open
            with opener(path, "rb") as src:
                w.entry(f"lib/modules/{m}.ko", stat.S_IFREG | 0o644, src.read())
        w.trailer()
        f.write(b"\0" * ((512 - f.tell() % 512) % 512))
    os.replace(out + ".tmp", out)


if __name__ == "__main__":
    main()
