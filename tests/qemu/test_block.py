"""Spec Tests 1-3 (and 4 when tests/model provides a model disk): boot lines,
blkinfo, blktest, blkdevs, blkread, loadmodel on a disk without a model,
and the image unchanged on the host after poweroff."""
import hashlib
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, Qemu, Suite, session  # noqa: E402

IMG = os.path.join(ROOT, "build/test.img")

BOOT_LINES = """VirtIO block device at I/O port 0xc000
  Capacity: 20480 sectors (10 MB)
  Sector size: 512 bytes
  Features: 0x"""


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def spec_tests(suite, q, boot):
    suite.check("Test 1: 'Scanning PCI bus...' printed", "Scanning PCI bus..." in boot, boot)
    suite.check("Test 1: spec boot lines, exactly", BOOT_LINES in boot, boot)
    suite.check("Test 1: registered as vda",
                "Registered block device: vda (10 MB, 20480 sectors)" in boot, boot)

    out = q.cmd("blkinfo")
    expect = ["Block Device: vda", "  Capacity: 10 MB (20480 sectors)", "  Sector size: 512 bytes",
              "  Read-only: No", "  Statistics:", "    Reads: ", "    Writes: "]
    suite.check("Test 2: blkinfo in the spec's format", all(e in out for e in expect), out)

    out = q.cmd("blktest", timeout=60)
    for i, name in enumerate(["Read sector 0", "Read 8 sectors", "Read sector 100",
                              "Write sector 1000", "Verify write"], 1):
        suite.check(f"Test 2: blktest test {i} ({name}) passes", f"Test {i}: {name}... PASS" in out, out)
    suite.check("Test 2: first sector holds the test data",
                "Data: 45 4d 42 4f 44 49 4f 53 20 54 45 53 54 20 44 49 ..." in out, out)
    suite.check("Test 2: 8 sectors = 4096 bytes", "PASS (read 4096 bytes)" in out, out)
    suite.check("Test 2: All tests passed!", "All tests passed!" in out, out)

    out = q.cmd("blkinfo vda")
    m = re.search(r"Reads: (\d+) sectors", out)
    suite.check("blkinfo statistics count the reads", m and int(m.group(1)) >= 10, out)

    out = q.cmd("blkdevs")
    suite.check("Test 3: blkdevs lists vda", re.search(r"vda\s+10 MB\s+20480 sectors", out), out)

    out = q.cmd("blkread vda 3 16")
    suite.check("blkread: unaligned hex dump", "00000003  4f 44 49 4f 53 20 54 45  53 54 20 44 49 53 4b 20" in out, out)
    out = q.cmd("blkread vdz 0 16")
    suite.check("blkread: unknown device named", "No such block device: vdz" in out, out)
    out = q.cmd("blkread vda 10485760 1")
    suite.check("blkread: past the end refused", "out of range" in out, out)
    out = q.cmd("blkread vda")
    suite.check("blkread: usage line", "Usage: blkread <dev> <offset> <len>" in out, out)

    out = q.cmd("loadmodel", timeout=30)
    suite.check("Test 3: loadmodel starts on vda", "Loading GGUF model from vda..." in out, out)
    suite.check("Test 3: graceful 'Failed to load model (error -1)'",
                "Failed to load model (error -1)" in out, out)
    suite.check("Test 3: shell alive after loadmodel", q.cmd("echo alive").strip() == "alive")


SPEC_TEST4 = """Loading GGUF model from vda...
Reading GGUF header...
GGUF Version: 3
Tensor count: 56
Parameters: 15M"""


def spec_test4(suite, q):
    out = q.cmd("loadmodel", timeout=120)
    suite.check("Test 4: header lines as in the spec", SPEC_TEST4 in out, out)
    suite.check("Test 4: Model loaded successfully!", "Model loaded successfully!" in out, out)
    suite.check("Test 4: Initializing tokenizer... / Tokenizer ready.",
                "\nInitializing tokenizer...\nTokenizer ready.\n" in out, out)
    m = re.search(r"Loaded (\d+) bytes in ([\d.]+) ms \((\d+) MB/s\)", out)
    if m:
        print(f"INFO: spec Test 4: loaded {m.group(1)} bytes in {m.group(2)} ms ({m.group(3)} MB/s)")


def main():
    suite = Suite("test-virtio-block")
    before = sha256(IMG)
    q = Qemu("block", drives=[f"file={IMG},format=raw,if=virtio"], timeout=120)
    session(suite, q, lambda q: spec_tests(suite, q, q.output_since_start()))
    suite.check("image bytes unchanged on the host after poweroff", sha256(IMG) == before)
    model = os.path.join(ROOT, "build/model.img")
    q = Qemu("block-model", drives=[f"file={model},format=raw,if=virtio"], timeout=180)
    session(suite, q, lambda q: spec_test4(suite, q))
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
