"""Issue 3 reliability: two disks, readonly=on, odd sizes, blkdebug fault
injection, and byte-exact data integrity checked on the host."""
import hashlib
import os
import re
import subprocess
import sys
import time
import zlib

sys.path.insert(0, os.path.dirname(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "scripts"))
from harness import ROOT, Qemu, Suite, dump_bytes, session  # noqa: E402
from mkpattern import pattern  # noqa: E402

WORK = os.path.join(ROOT, "build", "reliability")
MB = 1 << 20


def path(name):
    return os.path.join(WORK, name)


def make_pattern_disk(name, size):
    subprocess.run([sys.executable, os.path.join(ROOT, "scripts/mkpattern.py"), path(name), str(size)], check=True)
    return path(name)


def digest(p):
    return hashlib.sha256(open(p, "rb").read()).hexdigest()


def two_disks(suite):
    a = make_pattern_disk("a.img", 8 * MB)
    b = path("b.img")
    with open(b, "wb") as f:
        f.write(b"SECOND DISK".ljust(512, b"\0") + bytes(range(256)) * (16 * MB // 256 - 2))
    crc_a, crc_b = zlib.crc32(open(a, "rb").read()), zlib.crc32(open(b, "rb").read())

    def body(q):
        boot = q.output_since_start()
        suite.check("two disks: vda and vdb registered in order",
                    "Registered block device: vda (8 MB" in boot and "Registered block device: vdb (16 MB" in boot, boot)
        out = q.cmd("blkdevs")
        suite.check("two disks: blkdevs lists both", "vda" in out and "vdb" in out and "2 block devices" in out, out)
        out = q.cmd(f"blkcrc vda 0 {8 * MB}")
        suite.check("two disks: vda reads its own bytes", f"crc32 0x{crc_a:08x}" in out, out)
        out = q.cmd(f"blkcrc vdb 0 {16 * MB}")
        suite.check("two disks: vdb reads its own bytes", f"crc32 0x{crc_b:08x}" in out, out)
        out = q.cmd("blktest vdb", timeout=60)
        suite.check("two disks: blktest vdb passes", "All tests passed!" in out, out)
        out = q.cmd("blkinfo vdb")
        suite.check("two disks: statistics are per disk", "Block Device: vdb" in out, out)
        out = q.cmd("blkinfo vda")
        m = re.search(r"Writes: (\d+) sectors", out)
        suite.check("two disks: writes to vdb did not touch vda's counters", m and m.group(1) == "0", out)
    before_a = digest(a)
    session(suite, Qemu("rel-two-disks", drives=[f"file={a},format=raw,if=virtio", f"file={b},format=raw,if=virtio"]),
            body)
    suite.check("two disks: vda image unchanged", digest(a) == before_a)


def read_only(suite):
    img = make_pattern_disk("ro.img", 4 * MB)
    before = digest(img)

    def body(q):
        boot = q.output_since_start()
        suite.check("readonly=on: registered read-only", "read-only" in boot, boot)
        out = q.cmd("blkinfo")
        suite.check("readonly=on: blkinfo says Read-only: Yes", "Read-only: Yes" in out, out)
        out = q.cmd("blktest", timeout=60)
        suite.check("readonly=on: write tests SKIPPED, reads pass",
                    "Test 4: Write sector 1000... SKIPPED" in out and "Test 5: Verify write... SKIPPED" in out
                    and "All tests passed!" in out, out)
        out = q.cmd("blkstress vda 100 10")
        suite.check("readonly=on: writes refused", "read-only" in out, out)
        out = q.cmd("blkperf --write --yes --size 1")
        suite.check("readonly=on: blkperf --write refused", "read-only" in out, out)
        out = q.cmd("blkstress vda 500 0 7", timeout=60)
        suite.check("readonly=on: reads still verified", "500 reads, 0 mismatches" in out, out)
    session(suite, Qemu("rel-readonly", drives=[f"file={img},format=raw,if=virtio,readonly=on"]), body)
    suite.check("readonly=on: image unchanged", digest(img) == before)


def odd_sizes(suite):
    odd = path("odd.img")
    size = 5 * MB + 7 * 512
    open(odd, "wb").write(pattern(0, size))
    big = path("big.img")
    big_size = (2 << 40) + (3 << 30) + 4096            # a little over 2 TiB, sparse
    with open(big, "wb") as f:
        f.truncate(big_size)
        f.seek(big_size - 512)
        f.write(b"END OF THE BIG DISK".ljust(512, b"!"))
    sectors = big_size // 512

    def body(q):
        boot = q.output_since_start()
        suite.check("odd size: capacity exact (10247 sectors, 5 MB)", "Capacity: 10247 sectors (5 MB)" in boot, boot)
        out = q.cmd(f"blkread vda {size - 16} 16")
        suite.check("odd size: last 16 bytes read right", dump_bytes(out) == pattern(size - 16, 16), out)
        out = q.cmd(f"blkread vda {size - 15} 16")
        suite.check("odd size: one byte past the end refused", "out of range" in out, out)
        out = q.cmd("blktest vda", timeout=60)
        suite.check("odd size: blktest passes", "All tests passed!" in out, out)
        suite.check(f"> 2 TiB: capacity {sectors} sectors (above 2^32)",
                    f"Capacity: {sectors} sectors ({big_size >> 20} MB)" in boot and sectors > 1 << 32, boot)
        out = q.cmd(f"blkread vdb {big_size - 512} 19")
        suite.check("> 2 TiB: read at the very end", dump_bytes(out) == b"END OF THE BIG DISK", out)
        out = q.cmd(f"blkread vdb {big_size - 1} 1")
        suite.check("> 2 TiB: last byte readable", dump_bytes(out) == b"!", out)
        out = q.cmd(f"blkread vdb {big_size} 1")
        suite.check("> 2 TiB: past the end refused", "out of range" in out, out)
        out = q.cmd("blkinfo vdb")
        suite.check("> 2 TiB: blkinfo", f"({sectors} sectors)" in out, out)
    session(suite, Qemu("rel-odd-sizes", drives=[f"file={odd},format=raw,if=virtio",
                                                  f"file={big},format=raw,if=virtio"]), body)


def fault_injection(suite):
    img = make_pattern_disk("faulty.img", 4 * MB)
    for kind, event in (("read", "read_aio"), ("write", "write_aio")):
        conf = path(f"blkdebug-{kind}.conf")
        with open(conf, "w") as f:
            f.write(f'[inject-error]\nevent = "{event}"\nerrno = "5"\n')

        def body(q, kind=kind):
            out = q.cmd("blktest", timeout=60)
            if kind == "read":
                suite.check("blkdebug read errors: blktest reports FAIL (EIO)",
                            "Test 1: Read sector 0... FAIL (EIO)" in out and "FAILED" in out, out)
                out = q.cmd("blkread vda 100 10")
                suite.check("blkdebug read errors: blkread says I/O error", "I/O error" in out, out)
            else:
                suite.check("blkdebug write errors: reads pass, write reported as EIO",
                            "Test 1: Read sector 0... PASS" in out and "Test 4: Write sector 1000... FAIL (EIO)" in out,
                            out)
                out = q.cmd("blkstress vda 0 5 --yes")
                suite.check("blkdebug write errors: byte writes report the error", "I/O error" in out, out)
            out = q.cmd("blkinfo")
            m = re.search(r"Errors: (\d+)", out)
            suite.check(f"blkdebug {kind} errors: counted in statistics", m and int(m.group(1)) > 0, out)
            suite.check(f"blkdebug {kind} errors: shell keeps working", q.cmd("echo alive").strip() == "alive")
        drive = f"file=blkdebug:{conf}:{img},format=raw,if=virtio"
        session(suite, Qemu(f"rel-blkdebug-{kind}", drives=[drive], timeout=120), body)


def queue_sizes(suite):
    img = make_pattern_disk("queues.img", 8 * MB)
    crc = zlib.crc32(open(img, "rb").read())
    for qs in (4, 16, 64, 256, 1024):
        def body(q, qs=qs):
            boot = q.output_since_start()
            suite.check(f"queue-size={qs}: the device's size is used", f"queue {qs} entries" in boot, boot)
            out = q.cmd(f"blkcrc vda 0 {8 * MB}", timeout=60)
            suite.check(f"queue-size={qs}: reads are right", f"crc32 0x{crc:08x}" in out, out)
            out = q.cmd("blktest", timeout=60)
            suite.check(f"queue-size={qs}: blktest passes", "All tests passed!" in out, out)
        q = Qemu(f"rel-queue-{qs}", extra=["-drive", f"file={img},format=raw,if=none,id=d0",
                                           "-device", f"virtio-blk-pci,drive=d0,queue-size={qs}"])
        session(suite, q, body)


def pci_topology(suite):
    """Disks behind a PCI-to-PCI bridge and on functions 0 and 3 of one
    multi-function slot: the scan must follow both (issue 3, PCI)."""
    imgs = [make_pattern_disk(f"pci{i}.img", (i + 1) * MB) for i in range(3)]
    crcs = [zlib.crc32(open(p, "rb").read()) for p in imgs]

    def body(q):
        boot = q.output_since_start()
        suite.check("PCI: the bridge is listed", re.search(r"00:06\.0 1b36:0001 class 06\.04", boot) is not None, boot)
        suite.check("PCI: the disk behind the bridge is found",
                    re.search(r"\n  0[1-9a-f]:03\.0 1af4:1001", boot) is not None, boot)
        suite.check("PCI: functions 0 and 3 of a multi-function slot are found",
                    "00:07.0 1af4:1001" in boot and "00:07.3 1af4:1001" in boot, boot)
        out = q.cmd("lspci")
        suite.check("PCI: lspci lists the same functions",
                    "00:07.3 1af4:1001" in out and re.search(r"\d+ PCI functions", out) is not None, out)
        # Discovery order: bus 0 slot 6's bridge leads to the 1 MB disk first.
        for i, name in enumerate(("vda", "vdb", "vdc")):
            out = q.cmd(f"blkcrc {name} 0 {(i + 1) * MB}", timeout=60)
            suite.check(f"PCI: {name} reads its own bytes", f"crc32 0x{crcs[i]:08x}" in out, out)
    extra = ["-device", "pci-bridge,id=br1,chassis_nr=1,addr=0x6"]
    places = ["bus=br1,addr=0x3", "addr=0x7.0x0,multifunction=on", "addr=0x7.0x3"]
    for i, (img, where) in enumerate(zip(imgs, places)):
        extra += ["-drive", f"file={img},format=raw,if=none,id=p{i}", "-device", f"virtio-blk-pci,drive=p{i},{where}"]
    session(suite, Qemu("rel-pci-topology", extra=extra), body)


def no_legacy_and_no_disk(suite):
    img = make_pattern_disk("modern.img", 1 * MB)

    def modern(q):
        boot = q.output_since_start()
        suite.check("disable-legacy=on: a clear line says there is no legacy interface",
                    "no legacy interface" in boot, boot)
        suite.check("disable-legacy=on: no disk, shell works",
                    "No block devices found" in boot and q.cmd("echo ok").strip() == "ok", boot)
    q = Qemu("rel-modern-only", extra=["-drive", f"file={img},format=raw,if=none,id=d0",
                                       "-device", "virtio-blk-pci,drive=d0,disable-legacy=on"])
    session(suite, q, modern)

    def nodisk(q):
        boot = q.output_since_start()
        suite.check("no disk: boot says No block devices found", "No block devices found" in boot, boot)
        for cmd in ("blkinfo", "blkdevs", "blktest", "blkperf", "loadmodel"):
            out = q.cmd(cmd)
            suite.check(f"no disk: {cmd} explains", "No block devices found" in out, out)
    session(suite, Qemu("rel-no-disk"), nodisk)


def timeout(suite):
    """QEMU's I/O throttling makes a 1 MiB read take ~30 minutes: the driver
    must give up after its 10 s timeout, reset the device and disable the
    disk, so no late completion can be taken for a later request."""
    img = make_pattern_disk("slow.img", 4 * MB)

    def body(q):
        # QEMU lets a first burst through the throttle; a later read stalls.
        for part in range(3):
            t0 = time.monotonic()
            out = q.cmd(f"blkcrc vda {part * MB} {MB}", timeout=60)
            took = time.monotonic() - t0
            if "timed out" in out:
                break
        suite.check(f"throttled disk: a stalled read times out ({took:.1f} s) and says so",
                    "timed out" in out and 9 < took < 30, out)
        out = q.cmd("blkread vda 0 16", timeout=20)
        suite.check("throttled disk: later requests fail with EIO, not stale data", "I/O error" in out, out)
        out = q.cmd("blkinfo")
        suite.check("throttled disk: blkinfo shows it disabled", "DISABLED" in out, out)
        suite.check("throttled disk: shell keeps working", q.cmd("echo alive").strip() == "alive")
    drive = f"file={img},format=raw,if=virtio,throttling.bps-read=512"
    session(suite, Qemu("rel-timeout", drives=[drive], timeout=120), body)


# --- data integrity: replay the kernel's blkstress sequence on the host ---
M64 = (1 << 64) - 1


def xorshift(state):
    x = state
    x ^= x >> 12
    x ^= (x << 25) & M64
    x ^= x >> 27
    return x, (x * 0x2545F4914F6CDD1D) & M64


def ranges(seed, count, size):
    state = seed
    for _ in range(count):
        state, r = xorshift(state)
        length = 1 + (r >> 1) % (1024 if r & 1 else 128 * 1024)
        length = min(length, size)
        state, r2 = xorshift(state)
        yield r2 % (size - length + 1), length


def integrity(suite):
    size = 32 * MB
    img = make_pattern_disk("integrity.img", size)
    seed, reads, writes = 12345, 4000, 2000
    out_holder = {}

    def body(q):
        out = q.cmd(f"blkstress vda {reads} {writes} {seed} --yes", timeout=600)
        out_holder["out"] = out
        suite.check(f"integrity: {reads} random unaligned reads all match",
                    f"{reads} reads, 0 mismatches" in out, out)
        suite.check(f"integrity: {writes} random unaligned writes read back right",
                    f"{writes} writes, 0 read-back mismatches" in out, out)
    session(suite, Qemu("rel-integrity", drives=[f"file={img},format=raw,if=virtio"], timeout=660), body)
    m = re.search(r"\((\d+) ms\)", out_holder.get("out", ""))
    if m:
        print(f"INFO: blkstress {reads} reads + {writes} writes (each flushed) took {m.group(1)} ms")
    expected = bytearray(pattern(0, size))
    xor = bytes(b ^ 0xA5 for b in range(256))
    seq = list(ranges(seed, reads + writes, size))
    for off, length in seq[reads:]:
        expected[off:off + length] = pattern(off, length).translate(xor)
    actual = open(img, "rb").read()
    mismatches = sum(1 for i in range(0, size, 4096) if actual[i:i + 4096] != expected[i:i + 4096])
    suite.check(f"integrity: every byte of the image is what was written ({mismatches} bad 4 KiB blocks)",
                actual == expected)


def main():
    os.makedirs(WORK, exist_ok=True)
    suite = Suite("reliability")
    two_disks(suite)
    read_only(suite)
    odd_sizes(suite)
    fault_injection(suite)
    queue_sizes(suite)
    pci_topology(suite)
    no_legacy_and_no_disk(suite)
    timeout(suite)
    integrity(suite)
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
