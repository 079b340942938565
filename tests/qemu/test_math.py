"""Issue 9 (math layer): SSE/AVX enabled at boot, and the matvec kernels in
the kernel: on qemu64 (SSE2 only) and -cpu max (AVX2/FMA), the SSE2 kernels
must give bit for bit the scalar kernels' results (both follow ggml's generic
order), and the AVX2 ones must be chosen on -cpu max only."""
import re
import sys

sys.path.insert(0, __import__("os").path.dirname(__file__))
from harness import Qemu, QemuTimeout, Suite, build_kernel  # noqa: E402

TYPES = ["f32", "f16", "bf16", "q4_0", "q4_1", "q5_0", "q5_1", "q8_0",
         "q2_k", "q3_k", "q4_k", "q5_k", "q6_k"]
LINE_RE = re.compile(r"^\s+(\S+)\s+(\d+)x(\d+)\s+\d+ KB:(.*)$", re.M)
LEVEL_RE = re.compile(r"(scalar|sse2|avx2) (\d+)\.(\d+) ms \(([0-9a-f]{8})\)")


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
    out = q.cmd("mathbench q9_9")
    suite.check(f"{label}: unknown type gives usage", "Usage: mathbench" in out, out)
    out = q.cmd("mathbench q4_k --cols 100 --rows 4 --reps 1")
    suite.check(f"{label}: bad width refused", "not a multiple of the block size" in out, out)


def main():
    build_kernel()
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
