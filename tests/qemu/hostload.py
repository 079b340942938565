"""A busy host for the clock tests, and the host's own TSC rate to compare with.

BusyHost starts one busy loop per host core (os.cpu_count(), like `nproc`)
and stops them by PID when the `with` block ends, also when a test fails or
raises. Each loop also exits by itself when its parent goes away, so a test
killed with SIGKILL leaves nothing spinning.
"""
import os
import re
import subprocess
import sys

# Spins, and every ~0.1 s checks that the test that started it is still there.
_SPIN = ("import os,sys\n"
         "parent = int(sys.argv[1])\n"
         "while os.getppid() == parent:\n"
         "    for _ in range(200000): pass\n")


class BusyHost:
    def __init__(self, loops=None):
        self.loops = loops or os.cpu_count() or 1
        self.procs = []

    def __enter__(self):
        for _ in range(self.loops):
            self.procs.append(subprocess.Popen([sys.executable, "-c", _SPIN, str(os.getpid())],
                                               stdin=subprocess.DEVNULL))
        return self

    def __exit__(self, *exc):
        for p in self.procs:
            if p.poll() is None:
                p.kill()               # by PID: only the loops this test started
        for p in self.procs:
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        self.procs = []

    def describe(self):
        try:
            load = os.getloadavg()[0]
        except OSError:
            load = float("nan")
        return f"{self.loops} busy loops on {os.cpu_count()} cores, load average {load:.1f}"


def _kernel_log():
    for cmd in (["dmesg"], ["journalctl", "-k", "-b", "--no-pager", "-q"]):
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if r.returncode == 0 and "tsc" in r.stdout.lower():
            return r.stdout
    return ""


def host_tsc_hz():
    """The host's TSC rate in Hz and where it came from, or (None, why).

    Under QEMU's TCG a guest's RDTSC returns the host's TSC, so the guest
    must measure the host's rate. Sources, best first:
    1. Linux's own log: "tsc: Refined TSC clocksource calibration: X MHz"
       (measured against the HPET/PM timer over a long baseline), else
       "tsc: Detected X MHz processor" (from CPUID or the hypervisor when
       the flags say tsc_known_freq, else a quick PIT calibration).
    2. /proc/cpuinfo "cpu MHz", only with constant_tsc and only if every core
       shows the same value: on a VM that is the TSC rate, but on bare metal
       with frequency scaling it is the current clock, which varies from core
       to core and read to read, and is then not the TSC's rate.
    """
    log = _kernel_log()
    for pattern, what in ((r"tsc: Refined TSC clocksource calibration: ([\d.]+) MHz", "kernel log (refined)"),
                          (r"tsc: Detected ([\d.]+) MHz processor", "kernel log (detected)")):
        found = re.findall(pattern, log)
        if found:
            return float(found[-1]) * 1e6, what
    try:
        info = open("/proc/cpuinfo").read()
    except OSError:
        return None, "no kernel log and no /proc/cpuinfo"
    if not re.search(r"^flags\s*:.*\bconstant_tsc\b", info, re.M):
        return None, "the host's TSC rate is unknown (no constant_tsc)"
    mhz = set(re.findall(r"^cpu MHz\s*:\s*([\d.]+)", info, re.M))
    if len(mhz) != 1:
        return None, f"/proc/cpuinfo shows several clock rates {sorted(mhz)}: not the TSC's"
    return float(mhz.pop()) * 1e6, "/proc/cpuinfo"
