"""Issue 2: every exception handler reports (name, error code, RIP, RSP,
CR2, registers) and halts: never a silent reboot or triple fault."""
import os
import re
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import ROOT, Qemu, QemuTimeout, Suite, build_kernel, session  # noqa: E402

CASES = [
    ("pf", r"Page Fault \(#PF\), vector 14", r"CR2=0x0000100000000000"),
    ("ud", r"Invalid Opcode \(#UD\), vector 6", None),
    ("de", r"Divide Error \(#DE\), vector 0", None),
    ("gp", r"General Protection Fault \(#GP\), vector 13", None),
    ("bp", r"Breakpoint \(#BP\), vector 3", None),
    ("panic", r"KERNEL PANIC: test panic requested from the shell", None),
    # Issue 8: page 0 unmapped, a guard page below the boot stack, NX on
    # data, read-only text, and backtraces that name functions.
    ("null", r"Page Fault \(#PF\), vector 14", r"CR2=0x0000000000000008"),
    ("stack", r"Double Fault \(#DF\), vector 8", None),
    ("nx", r"Page Fault \(#PF\), vector 14", r"error code: 0x11\n"),
    ("ro", r"Page Fault \(#PF\), vector 14", r"error code: 0x3\n"),
    ("tail", r"KERNEL PANIC: test panic from a call that ends its function", None),
]


def symbol_address(name):
    out = subprocess.run(["nm", os.path.join(ROOT, "kernel/embodios.elf")], capture_output=True, text=True).stdout
    m = re.search(r"^([0-9a-f]+) \w " + re.escape(name) + "$", out, re.M)
    return int(m.group(1), 16) if m else None


def symbol_checks(suite, kind, text):
    """The backtrace names functions: the faulting instruction's, every
    frame's, the outermost one right (looked up at ret - 1)."""
    frames = re.findall(r"#\d+ 0x[0-9a-f]{16}  ([\w.]+)\+0x[0-9a-f]+", text)
    if kind == "panic":
        suite.check("fault panic: backtrace names cmd_fault, shell_execute and kmain",
                    frames[:1] == ["cmd_fault"] and "shell_execute" in frames and "kmain" in frames, text)
        suite.check("fault panic: the faulting instruction is named", re.search(r"  panic\+0x[0-9a-f]+ <- faulting", text), text)
    elif kind == "tail":
        suite.check("fault tail: a frame whose call ends its function is named by ret - 1",
                    frames[:2] == ["fault_tail_panic", "fault_noreturn_tail"] and "fault_after_tail" not in text, text)
    elif kind == "null":
        suite.check("fault null: the faulting instruction is named",
                    re.search(r"  cmd_fault\+0x[0-9a-f]+ <- faulting", text) and frames[-1:] == ["long_mode_entry"], text)
    elif kind == "stack":
        guard = symbol_address("boot_stack_guard")
        m = re.search(r"CR2=0x([0-9a-f]+)", text)
        suite.check("fault stack: the overflow hit the guard page below the boot stack",
                    guard and m and guard <= int(m.group(1), 16) < guard + 4096, f"guard {guard}\n{text}")


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
            if kind not in ("panic", "tail"):
                ok = ok and "error code: 0x" in text
            if extra:
                ok = ok and re.search(extra, text)
            suite.check(f"fault {kind}: reported with registers", ok, text)
            suite.check(f"fault {kind}: backtrace printed", "backtrace:" in text, text)
            symbol_checks(suite, kind, text)
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
