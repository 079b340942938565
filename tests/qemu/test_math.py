"""Issue 9 (math layer): SSE/AVX enabled at boot, and the matvec kernels in
the kernel: on qemu64 (SSE2 only) and -cpu max (AVX2/FMA), the SSE2 kernels
must give bit for bit the scalar kernels' results (both follow ggml's generic
order), and the AVX2 ones must be chosen on -cpu max only."""
import os
import re
import subprocess
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from harness import Qemu, QemuTimeout, Suite, build_kernel  # noqa: E402

TYPES = ["f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0",
         "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"]
LINE_RE = re.compile(r"^\s+(\S+)\s+(\d+)x(\d+)\s+\d+ KB:(.*)$", re.M)
LEVEL_RE = re.compile(r"(scalar|sse2|avx2) (\d+)\.(\d+) ms \(([0-9a-f]{8})\)")


ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
HOST_REF = os.path.join(ROOT, "build", "host", "test_quant")


def host_checksum(name, rows, cols, level):
    """The same weights and matvec on the host (tests/host/test_quant.c)."""
    r = subprocess.run([HOST_REF, "--checksum", name, str(rows), str(cols), str(level)],
                       capture_output=True, text=True, timeout=60)
    return r.stdout.strip() if r.returncode == 0 else None


def bench(q, suite, label, expect_levels):
    out = q.cmd("mathbench " + " ".join(TYPES) + " --rows 64 --reps 1", timeout=240)
    rows = LINE_RE.findall(out)
    suite.check(f"{label}: mathbench printed all {len(TYPES)} types", len(rows) == len(TYPES), out)
    for name, _r, _c, rest in rows:
        levels = {m[0]: m[3] for m in LEVEL_RE.findall(rest)}
        suite.check(f"{label}: {name} ran at {expect_levels}", sorted(levels) == sorted(expect_levels), rest)
        if "sse2" in levels:
            suite.check(f"{label}: {name} sse2 == scalar bit for bit",
                        levels["sse2"] == levels["scalar"], rest)
        for lv, num in (("scalar", 0), ("sse2", 1), ("avx2", 2)):
            if lv in levels and (lv != "avx2" or HOST_AVX2):
                want = host_checksum(name, int(_r), int(_c), num)
                suite.check(f"{label}: {name} {lv} == the host's result bit for bit",
                            levels[lv] == want, f"kernel {levels[lv]}, host {want}")
    out = q.cmd("mathbench q9_9")
    suite.check(f"{label}: unknown type gives usage", "Usage: mathbench" in out, out)
    out = q.cmd("mathbench q4_k --cols 100 --rows 4 --reps 1")
    suite.check(f"{label}: bad width refused", "not a multiple of the block size" in out, out)


HOST_AVX2 = "avx2" in open("/proc/cpuinfo").read() and " fma" in open("/proc/cpuinfo").read()


def main():
    build_kernel()
    subprocess.run(["make", "-s", "build/host/test_quant"], cwd=ROOT, check=True)
    suite = Suite("math")
    for cpu, feat_re, levels in (("qemu64", r"FPU: SSE2 \(vector code uses sse2\)", ["scalar", "sse2"]),
                                 ("max", r"FPU: SSE2 .*AVX2 FMA.*\(vector code uses avx2\)",
                                  ["scalar", "sse2", "avx2"])):
        q = Qemu(f"math-{cpu}", mem="512M", extra=["-cpu", cpu], timeout=400)
        try:
            boot = q.start()
            suite.check(f"{cpu}: boot log names the vector extensions", re.search(feat_re, boot), boot)
            bench(q, suite, cpu, levels)
            suite.check(f"{cpu}: shell alive after mathbench", "EMBODIOS" in q.cmd("version"))
        except QemuTimeout as e:
            suite.check(f"{cpu}: shell answered", False, str(e))
        finally:
            q.stop()
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
