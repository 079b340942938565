"""Issue 2: every exception handler reports (name, error code, RIP, RSP,
CR2, registers) and halts: never a silent reboot or triple fault."""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import Qemu, QemuTimeout, Suite, build_kernel, session  # noqa: E402

CASES = [
    ("pf", r"Page Fault \(#PF\), vector 14", r"CR2=0x0000100000000000"),
    ("ud", r"Invalid Opcode \(#UD\), vector 6", None),
    ("de", r"Divide Error \(#DE\), vector 0", None),
    ("gp", r"General Protection Fault \(#GP\), vector 13", None),
    ("bp", r"Breakpoint \(#BP\), vector 3", None),
    ("panic", r"KERNEL PANIC: test panic requested from the shell", None),
]


def main():
    build_kernel()
    suite = Suite("faults")
    for kind, title, extra in CASES:
        # -no-reboot: a triple fault would make QEMU exit, which we detect.
        q = Qemu(f"fault-{kind}", timeout=60, extra=["-no-reboot"])
        try:
            q.start()
            q.send(f"fault {kind}\r")
            text = q.expect(r"System halted\.", timeout=20)
            ok = re.search(title, text) and all(k in text for k in ("RIP=", "RSP=", "CR2=", "RAX=", "R15="))
            if kind != "panic":
                ok = ok and "error code: 0x" in text
            if extra:
                ok = ok and re.search(extra, text)
            suite.check(f"fault {kind}: reported with registers", ok, text)
            suite.check(f"fault {kind}: backtrace printed", "backtrace:" in text, text)
            time.sleep(0.5)
            suite.check(f"fault {kind}: machine halted, not reset", q.running() and
                        "booting" not in q.output_since_start().split("System halted.")[-1])
        except QemuTimeout as e:
            suite.check(f"fault {kind}: reported", False, str(e))
        finally:
            q.stop()

    def usage(q):
        out = q.cmd("fault")
        suite.check("fault without argument prints usage", "Usage: fault" in out, out)
        out = q.cmd("fault xyz")
        suite.check("fault with bad argument prints usage", "Usage: fault" in out, out)
    session(suite, Qemu("fault-usage", timeout=60), usage)
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
