"""Spec Test 6: virtio-blk on qcow2 images."""
import os
import random
import re
import sys
import zlib

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, Qemu, Suite, dump_bytes, session  # noqa: E402

SOURCE = os.path.join(ROOT, "build/qcow2/source.img")


def one_gib(suite, q):
    boot = q.output_since_start()
    suite.check("1 GiB qcow2: capacity at boot", "  Capacity: 2097152 sectors (1024 MB)" in boot, boot)
    suite.check("1 GiB qcow2: registered",
                "Registered block device: vda (1024 MB, 2097152 sectors)" in boot, boot)
    out = q.cmd("blkinfo")
    suite.check("1 GiB qcow2: blkinfo", "Capacity: 1024 MB (2097152 sectors)" in out and "Read-only: No" in out, out)
    out = q.cmd("blktest", timeout=60)
    suite.check("1 GiB qcow2: blktest passes", "All tests passed!" in out and out.count("PASS") == 5, out)
    out = q.cmd("blkperf", timeout=120)
    m = re.search(r"Throughput:\s+(\d+) MB/s", out)
    print(f"INFO: qcow2 (empty 1 GiB) blkperf: {m.group(1) if m else '?'} MB/s")
    suite.check("1 GiB qcow2: blkperf meets the 100 MB/s target", "PASS: Throughput meets target" in out, out)


def same_bytes(kind):
    def body(suite, q):
        data = open(SOURCE, "rb").read()
        out = q.cmd(f"blkcrc vda 0 {len(data)}", timeout=120)
        m = re.search(r"crc32 0x([0-9a-f]{8})", out)
        want = zlib.crc32(data)
        suite.check(f"{kind} qcow2: CRC-32 of all {len(data) >> 20} MB equals the raw source's",
                    m and int(m.group(1), 16) == want, f"{out}\nhost crc32 0x{want:08x}")
        rnd = random.Random(6)
        bad = []
        for _ in range(8):
            off, n = rnd.randrange(len(data) - 300), rnd.randrange(1, 300)
            dump = q.cmd(f"blkread vda {off} {n}")
            got = dump_bytes(dump)
            if got != data[off:off + n]:
                bad.append((off, n))
        suite.check(f"{kind} qcow2: unaligned byte reads match the source", not bad, repr(bad))
    return body


def main():
    suite = Suite("test-virtio-qcow2")
    q = Qemu("qcow2-1g", drives=[f"file={ROOT}/build/qcow2/test.qcow2,format=qcow2,if=virtio"], timeout=240)
    session(suite, q, lambda q: one_gib(suite, q))
    for kind, path in (("compressed", "build/qcow2/compressed.qcow2"), ("backing-file", "build/qcow2/overlay.qcow2")):
        q = Qemu(f"qcow2-{kind}", drives=[f"file={ROOT}/{path},format=qcow2,if=virtio"], timeout=240)
        session(suite, q, lambda q, k=kind: same_bytes(k)(suite, q))
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
