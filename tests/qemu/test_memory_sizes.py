"""Issue 2: boots with -m 128M, 2G and 4G (RAM above the PCI hole), reports
memory, and the heap hands out and reuses large allocations."""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(__file__))
from harness import Qemu, QemuTimeout, Suite, build_kernel  # noqa: E402

# (QEMU -m, lowest acceptable usable MB, memtest MB, must touch above 4 GiB)
SIZES = [("128M", 120, 96, False), ("2G", 2000, 1536, False), ("4G", 4000, 3584, True)]


def largest(out):
    m = re.search(r"Largest allocation possible: (\d+) MB", out)
    return int(m.group(1)) if m else -1


def memory_comes_back(suite):
    """Issue 8: the heap gives wholly free arenas back to the page allocator,
    so the largest possible allocation recovers after memtest, also after one
    that ran out of memory, and one 1 GB allocation then succeeds."""
    q = Qemu("mem-comes-back", mem="2G", timeout=300)
    try:
        q.start()
        boot = largest(q.cmd("mem"))
        suite.check(f"-m 2G: largest allocation at boot {boot} MB", boot > 1900)
        for what, cmd, want in (("memtest 1500", "memtest 1500", "written and verified"),
                                ("a failed memtest 3000", "memtest 3000", "out of memory")):
            out = q.cmd(cmd, timeout=180)
            suite.check(f"-m 2G: {what} ran", want in out, out)
            after = largest(q.cmd("mem"))
            suite.check(f"-m 2G: after {what} the largest allocation is back: {after} MB (boot {boot} MB)",
                        after >= boot - 4, f"{after} vs {boot}")
        out = q.cmd("memtest 1024 --one", timeout=180)
        suite.check("-m 2G: then one 1 GB allocation succeeds", "1024 MB written and verified" in out, out)
        out = q.cmd("memtest 3000 --one", timeout=60)
        suite.check("-m 2G: one 3000 MB allocation is refused", "out of memory after 0 MB" in out, out)
        suite.check(f"-m 2G: and memory is back again", largest(q.cmd("mem")) >= boot - 4)
    except QemuTimeout as e:
        suite.check("-m 2G: shell answered", False, str(e))
    finally:
        q.stop()


def main():
    build_kernel()
    suite = Suite("memory-sizes")
    memory_comes_back(suite)
    for mem, min_mb, test_mb, high in SIZES:
        q = Qemu(f"mem-{mem}", mem=mem, timeout=240)
        try:
            boot = q.start()
            m = re.search(r"Memory: (\d+) MB usable", boot)
            usable = int(m.group(1)) if m else 0
            suite.check(f"-m {mem}: boots, {usable} MB usable", min_mb <= usable, boot)
            out = q.cmd("mem")
            suite.check(f"-m {mem}: mem command", re.search(r"Total:\s+\d+ MB", out), out)
            out = q.cmd(f"memtest {test_mb}", timeout=180)
            m = re.search(r"highest address 0x([0-9a-f]+)", out)
            ok = f"memtest: {test_mb} MB written and verified" in out
            if high:
                ok = ok and m and int(m.group(1), 16) > (4 << 30)
            suite.check(f"-m {mem}: memtest {test_mb} MB" + (" reaches above 4 GiB" if high else ""), ok, out)
            out = q.cmd(f"memtest {test_mb}", timeout=180)
            suite.check(f"-m {mem}: freed memory is reused", "written and verified" in out, out)
            out = q.cmd(f"memtest {min_mb * 4}", timeout=180)
            suite.check(f"-m {mem}: too much is refused cleanly", "out of memory" in out, out)
            suite.check(f"-m {mem}: shell alive after exhaustion", q.cmd("echo ok").strip() == "ok")
        except QemuTimeout as e:
            suite.check(f"-m {mem}: shell answered", False, str(e))
        finally:
            q.stop()
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
