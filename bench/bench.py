#!/usr/bin/env python3
"""Block-read benchmark: EMBODIOS `blkperf` against a Linux guest, with the
host's page cache as the ceiling. Run it through bench/run.sh, which builds
the kernel, the Linux guest and the images first.

For each of --runs rounds, and for each image format (raw, qcow2, same bytes),
it boots EMBODIOS and then Linux on the same QEMU command line
    qemu-system-x86_64 -m 2G -drive file=IMG,format=FMT,if=virtio
                       -serial stdio -display none -no-user-config -no-reboot
(TCG, one vCPU; Linux adds -kernel/-initrd/-append) and runs, in one boot:
    seq1m   sequential reads, 1 MiB blocks
    seq64k  sequential reads, 64 KiB blocks
    seq4k   sequential reads, 4 KiB blocks
    rand4k  4 KiB reads at random 4 KiB-aligned offsets, one at a time
EMBODIOS: `blkperf` (its own queue depth, and again with --qd 1 for the
sequential tests). Linux: `dd iflag=direct` for sequential reads, with
rdbench's pread (O_DIRECT, queue depth 1) and native AIO (--linux-qd in
flight) on the same reads as cross-checks, and rdbench's pread for random
reads. Host: rdbench from the page cache, and `qemu-img bench` for QEMU's
block layer with no guest. Every QEMU runs under the harness's watchdog and
is killed by its own PID. MB/s here is MiB/s (2^20 bytes per second), as
blkperf prints it.
"""
import argparse
import csv
import datetime
import json
import os
import platform
import re
import resource
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
from harness import Qemu, QemuTimeout  # noqa: E402

MIB = 1 << 20
QUIET = 0.25   # cores others may use for a test to count as quiet
B = os.path.join(ROOT, "build", "bench")
FORMATS = ("raw", "qcow2")
CONFIG_LABEL = {"seq1m": "seq 1 MiB", "seq64k": "seq 64 KiB", "seq4k": "seq 4 KiB", "rand4k": "random 4 KiB"}
SERIES = [("host", "Host page cache"), ("qemu_d21", "QEMU block layer alone: qemu-img bench -d 21"),
          ("linux", "Linux guest: dd iflag=direct (random: pread), qd 1"),
          ("linux_aio", "Linux guest: AIO O_DIRECT, qd {qd}"), ("embodios", "EMBODIOS blkperf"),
          ("embodios_qd1", "EMBODIOS blkperf --qd 1")]


def configs(image_mb, quick):
    """(name, kind, block bytes, total bytes): sizes keep each test at or
    under a couple of seconds in the slowest guest."""
    div = 4 if quick else 1
    big = image_mb * MIB // div
    return [("seq1m", "seq", MIB, big),
            ("seq64k", "seq", 64 << 10, big),
            ("seq4k", "seq", 4 << 10, 64 * MIB // div),
            ("rand4k", "random", 4 << 10, 32 * MIB // div)]


def sh(cmd):
    return subprocess.run(cmd, shell=True, capture_output=True, text=True, cwd=ROOT).stdout.strip()


def machine():
    cpu = sh("sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1")
    mhz = sh("sed -n 's/^cpu MHz[[:space:]]*: //p' /proc/cpuinfo | head -1")
    mem_kb = int(sh("sed -n 's/^MemTotal: *\\([0-9]*\\).*/\\1/p' /proc/meminfo") or 0)
    return {
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "cpu": cpu, "cpu_mhz": mhz, "cores": os.cpu_count(),
        "memory_gib": round(mem_kb / 1024 / 1024, 1),
        "host_kernel": platform.release(),
        "qemu": sh("qemu-system-x86_64 --version | head -1"),
        "guest_linux": open(os.path.join(B, "linux-version")).read().strip(),
        "busybox": open(os.path.join(B, "busybox-version")).read().strip(),
        "embodios": sh("git describe --always --dirty 2>/dev/null") or "unknown",
        "gcc": sh("gcc --version | head -1"),
        "load_start": round(os.getloadavg()[0], 2),
    }


def group(system):
    """Which --only choice measures a system: host, linux or embodios."""
    return "host" if system.startswith(("host", "qemu")) else system.split("_")[0]


def busy_seconds():
    """CPU seconds all processes on the machine have spent busy (not idle or iowait)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")


def own_seconds():
    """CPU seconds of this script and of the children it has waited for (QEMU)."""
    a, b = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return a.ru_utime + a.ru_stime + b.ru_utime + b.ru_stime


class CpuSampler:
    """Samples, ten times a second, the machine's busy CPU time and that of
    QEMU (pid) and this script, so each test can be told how many cores other
    processes took while it ran (its host-timestamped span)."""

    def __init__(self, pid):
        self.pid, self.rows, self.stopping = pid, [], threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _qemu_seconds(self):
        try:
            with open(f"/proc/{self.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def _loop(self):
        while not self.stopping.is_set():
            q = self._qemu_seconds()
            if q is not None:
                a = resource.getrusage(resource.RUSAGE_SELF)
                self.rows.append((time.monotonic(), busy_seconds(), q + a.ru_utime + a.ru_stime))
            self.stopping.wait(0.1)

    def others(self, t0, t1):
        """Cores used by other processes between t0 and t1 (host monotonic)."""
        if not t0 or not t1:
            return None
        deadline = time.monotonic() + 1
        while self.rows[-1:] and self.rows[-1][0] < t1 and time.monotonic() < deadline:
            time.sleep(0.05)      # the sample after t1 is at most 0.1 s away
        before = [r for r in self.rows if r[0] <= t0]
        after = [r for r in self.rows if r[0] >= t1]
        if not before or not after:
            return None
        a, b = before[-1], after[0]
        return round(max(0.0, (b[1] - a[1] - (b[2] - a[2])) / (b[0] - a[0])), 2)

    def stop(self):
        self.stopping.set()
        self.thread.join(timeout=2)


def wait_quiet(limit=0.3, max_wait=60):
    """Waits (up to max_wait s) until other processes use under `limit` cores,
    so a boot does not start in the middle of someone else's build; the
    same rule applies to both guests. Returns the cores others used last."""
    deadline = time.monotonic() + max_wait
    while True:
        b0, o0, t0 = busy_seconds(), own_seconds(), time.monotonic()
        time.sleep(1)
        others = (busy_seconds() - b0 - (own_seconds() - o0)) / (time.monotonic() - t0)
        if others < limit or time.monotonic() > deadline:
            return others


def warm(path):
    """Reads the image so QEMU and the host ceiling both read from page cache."""
    with open(path, "rb") as f:
        while f.read(8 * MIB):
            pass


# -- host ceiling ---------------------------------------------------------
def run_host(raw, cfgs, runs, samples):
    warm(raw)
    for r in range(runs):
        for name, kind, bs, total in cfgs:
            # Several passes over the cached image for the sequential tests, so
            # the timed span is tens of milliseconds rather than a few.
            out = sh(f"{B}/rdbench read {raw} {bs} {total * 4} {kind} buffered")
            m = parse_kv(out)
            samples.append(dict(system="host", fmt="raw", config=name, run=r, tool="rdbench buffered",
                                bytes=int(m["bytes"]), us=int(m["elapsed_us"]), reads=int(m["reads"])))
        dd = sh(f"dd if={raw} of=/dev/null bs=1M 2>&1 | tail -1")
        m = re.search(r"^(\d+) bytes .* copied, ([0-9.]+) s", dd)
        if m:
            samples.append(dict(system="host_dd", fmt="raw", config="seq1m", run=r, tool="dd bs=1M",
                                bytes=int(m.group(1)), us=int(float(m.group(2)) * 1e6), reads=0))


def run_qemu_img(images, cfgs, runs, samples, depths=(1, 21)):
    """QEMU's block layer alone (`qemu-img bench`, same cache mode and AIO
    backend as the -drive default: writeback, threads), no guest at all. A
    ceiling for large requests only: QEMU's virtio-blk merges adjacent guest
    requests of one batch, which qemu-img bench does not. Sequential only
    (qemu-img bench has no random offsets); offsets wrap at the image end."""
    for r in range(runs):
        for fmt, img in images.items():
            warm(img)
            for name, kind, bs, total in cfgs:
                if kind != "seq":
                    continue
                for d in depths:
                    out = sh(f"qemu-img bench -f {fmt} -t writeback -i threads -c {total * 4 // bs} "
                             f"-d {d} -s {bs} -S {bs} {img} 2>&1")
                    m = re.search(r"Run completed in ([0-9.]+) seconds", out)
                    if not m:
                        raise RuntimeError(f"qemu-img bench: {out[-500:]}")
                    samples.append(dict(system=f"qemu_d{d}", fmt=fmt, config=name, run=r,
                                        tool=f"qemu-img bench -d {d}", bytes=total * 4,
                                        us=max(1, int(float(m.group(1)) * 1e6)), reads=total * 4 // bs, qd=d))


def parse_kv(text):
    m = re.search(r"@@RESULT (.*)", text)
    if not m:
        raise RuntimeError(f"no @@RESULT in: {text[-500:]}")
    return dict(kv.split("=", 1) for kv in m.group(1).split())


def line_time(q, pattern, after=0.0):
    """Host time of the first serial line at or after `after` matching pattern."""
    rx = re.compile(pattern)
    for t, line in q.lines:
        if t >= after and rx.search(line):
            return t
    return None


def drive(img, fmt):
    return f"file={img},format={fmt},if=virtio"


# -- EMBODIOS -------------------------------------------------------------
def run_embodios(img, fmt, cfgs, r, samples):
    q = Qemu(f"bench-embodios-{fmt}-{r}", drives=[drive(img, fmt)], mem="2G",
             extra=["-no-reboot"], timeout=300)
    sampler = None
    try:
        q.start(prompt_timeout=60)
        sampler = CpuSampler(q.proc.pid)
        tests = [(c, "embodios", "") for c in cfgs]
        tests += [(c, "embodios_qd1", " --qd 1") for c in cfgs if c[1] == "seq"]
        for (name, kind, bs, total), system, extra in tests:
            cmd = f"blkperf vda --size {total // MIB} --bs {bs // 1024}{extra}"
            cmd += " --random" if kind == "random" else ""
            t_sent = time.monotonic()
            out = q.cmd(cmd, timeout=180)
            us = re.search(r"Elapsed time:\s+(\d+) us", out)
            req = re.search(r"Request:\s+(\d+) KB per request, queue depth (\d+)", out)
            if kind == "random":
                done = re.search(r"Read complete: (\d+) random reads of (\d+) KB", out)
                reads = int(done.group(1)) if done else 0
                nbytes = reads * bs
            else:
                done = re.search(r"Read complete: (\d+) sectors", out)
                nbytes = int(done.group(1)) * 512 if done else 0
                reads = nbytes // bs
            if not (us and done):
                raise RuntimeError(f"EMBODIOS {cmd}: unexpected output:\n{out[-1500:]}")
            t0 = line_time(q, r"^Starting .* test", t_sent)
            t1 = line_time(q, r"^Read complete", t_sent)
            samples.append(dict(system=system, fmt=fmt, config=name, run=r, tool=cmd,
                                bytes=nbytes, us=int(us.group(1)), reads=reads,
                                host_us=int((t1 - t0) * 1e6) if t0 and t1 else None,
                                request_kb=int(req.group(1)) if req else None,
                                qd=int(req.group(2)) if req else None,
                                others_cores=sampler.others(t0, t1)))
        q.poweroff()
    finally:
        if sampler:
            sampler.stop()
        q.stop()


# -- Linux ----------------------------------------------------------------
def run_linux(img, fmt, cfgs, r, samples, info, linux_qd):
    def tag(kind, bs, total):
        return f"{kind}:{bs}:{total}" + (f":{linux_qd}" if kind == "seq" and linux_qd > 1 else "")
    plan = ",".join(tag(kind, bs, total) for _, kind, bs, total in cfgs)
    q = Qemu(f"bench-linux-{fmt}-{r}", drives=[drive(img, fmt)], mem="2G",
             kernel=os.path.join(B, "vmlinuz"), timeout=300,
             extra=["-no-reboot", "-initrd", os.path.join(B, "initramfs.cpio"),
                    "-append", f"console=ttyS0 quiet panic=-1 benchplan={plan}"])
    sampler = None
    try:
        q.start(wait_prompt=False)
        sampler = CpuSampler(q.proc.pid)
        q.expect(r"@@DONE", timeout=240)
        text = q.output_since_start()
        if "@@ERROR" in text:
            raise RuntimeError("Linux guest: " + re.search(r"@@ERROR.*", text).group(0))
        m = re.search(r"@@INFO (.*)", text)
        if m:
            info.update(dict(kv.split("=", 1) for kv in m.group(1).split()))
        m = re.search(r"@@BEGIN ddstart\n(.*?)@@END ddstart", text, re.S)
        if m:
            info.setdefault("dd_start_us", []).append(int(parse_kv(m.group(1))["elapsed_us"]))
        for name, kind, bs, total in cfgs:
            t = tag(kind, bs, total)
            # system: dd is the measure for sequential reads (linux);
            # pread at queue depth 1 is its cross-check (linux_pread) and the
            # measure for random reads; AIO is Linux with a queue (linux_aio).
            tools = [("dd", "linux", "dd iflag=direct")] if kind == "seq" else []
            tools.append(("rdbench", "linux_pread" if kind == "seq" else "linux", "pread O_DIRECT"))
            if kind == "seq" and linux_qd > 1:
                tools.append(("aio", "linux_aio", f"io_submit O_DIRECT qd {linux_qd}"))
            for tool, system, label in tools:
                seg = re.search(rf"@@BEGIN {tool} {t}\n(.*?)@@END {tool} {t}", text, re.S)
                if not seg:
                    raise RuntimeError(f"Linux guest: no output for {tool} {t}")
                kv = parse_kv(seg.group(1))
                if kv.get("status", "0") != "0":
                    raise RuntimeError(f"Linux guest: {tool} {t} failed:\n{seg.group(1)}")
                t0 = line_time(q, rf"^@@BEGIN {tool} {t}$")
                t1 = line_time(q, r"^@@RESULT", t0 or 0)
                samples.append(dict(system=system, fmt=fmt, config=name, run=r, tool=label,
                                    bytes=total, us=int(kv["elapsed_us"]), reads=total // bs,
                                    host_us=int((t1 - t0) * 1e6) if t0 and t1 and t1 > t0 else None,
                                    qd=int(kv.get("qd", 1)), others_cores=sampler.others(t0, t1)))
        q.wait_exit(20)
    finally:
        if sampler:
            sampler.stop()
        q.stop()


# -- summary --------------------------------------------------------------
def mbps(s):
    return s["bytes"] / MIB / (s["us"] / 1e6)


def iops(s):
    return s["reads"] / (s["us"] / 1e6)


def stats(values):
    return (statistics.median(values), min(values), max(values)) if values else None


def summarize(samples):
    out = {}
    for s in samples:
        key = (s["system"], s["fmt"], s["config"])
        out.setdefault(key, []).append(s)
    summary = {}
    for key, ss in out.items():
        summary[key] = {"mbps": stats([mbps(s) for s in ss]), "iops": stats([iops(s) for s in ss]),
                        "n": len(ss), "qd": ss[0].get("qd"), "request_kb": ss[0].get("request_kb"),
                        "clock_err": stats([abs(s["host_us"] - s["us"]) / s["us"] * 100
                                            for s in ss if s.get("host_us")])}
    return summary


def fmt_range(st, digits=0):
    if not st:
        return "–"
    f = f"{{:,.{digits}f}}"
    return f"{f.format(st[0])} ({f.format(st[1])}–{f.format(st[2])})"


def ceiling(summary, name):
    return summary.get(("host", "raw", name))


def ratio(a, b, what="mbps"):
    return f"{a[what][0] / b[what][0]:.2f}×" if a and b else "–"


def table_md(summary, cfgs):
    def get(system, fmt, name):
        return summary.get((system, "raw" if system == "host" else fmt, name))

    def qd_of(x):
        return f" (qd {x['qd']})" if x and x.get("qd") else ""
    rows = ["Throughput, MiB/s:", "",
            "| Test | Image | Host page cache | Linux `dd` (qd 1) | Linux AIO | EMBODIOS `blkperf` "
            "| EMBODIOS `--qd 1` |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, *_ in cfgs:
        for fmt in FORMATS:
            h, l, la, e, e1 = (get(k, fmt, name) for k in ("host", "linux", "linux_aio", "embodios", "embodios_qd1"))
            lname = "" if name != "rand4k" else " (pread)"
            rows.append(f"| {CONFIG_LABEL[name]} | {fmt} | {fmt_range(h and h['mbps'])} "
                        f"| {fmt_range(l and l['mbps'])}{lname} | {fmt_range(la and la['mbps'])}{qd_of(la)} "
                        f"| {fmt_range(e and e['mbps'])}{qd_of(e)} | {fmt_range(e1 and e1['mbps'])} |")
    rows += ["", "Ratios of the medians:", "",
             "| Test | Image | EMBODIOS / Linux `dd` | EMBODIOS / Linux AIO | EMBODIOS `--qd 1` / Linux `dd` "
             "| EMBODIOS / host |", "|---|---|---:|---:|---:|---:|"]
    for name, *_ in cfgs:
        for fmt in FORMATS:
            h, l, la, e, e1 = (get(k, fmt, name) for k in ("host", "linux", "linux_aio", "embodios", "embodios_qd1"))
            pct = f"{e['mbps'][0] / h['mbps'][0] * 100:.0f}%" if e and h else "–"
            rows.append(f"| {CONFIG_LABEL[name]} | {fmt} | {ratio(e, l)} | {ratio(e, la)} | {ratio(e1, l)} | {pct} |")
    rows += ["", "Random 4 KiB reads, one at a time (queue depth 1 in both guests):", "",
             "| Image | Linux IOPS | EMBODIOS IOPS | EMBODIOS / Linux | Linux µs per read | "
             "EMBODIOS µs per read |", "|---|---:|---:|---:|---:|---:|"]
    for fmt in FORMATS:
        lin, emb = summary.get(("linux", fmt, "rand4k")), summary.get(("embodios", fmt, "rand4k"))
        lat = [f"{1e6 / x['iops'][0]:.0f}" if x else "–" for x in (lin, emb)]
        rows.append(f"| {fmt} | {fmt_range(lin and lin['iops'])} | {fmt_range(emb and emb['iops'])} "
                    f"| {ratio(emb, lin, 'iops')} | {lat[0]} | {lat[1]} |")
    return "\n".join(rows)


def ceiling_md(summary, cfgs):
    """Where the ceiling is: the host's page cache, and QEMU's block layer with
    no guest (qemu-img bench) at queue depth 1 and 21."""
    rows = ["| Test | Image | Host page cache | QEMU alone, depth 1 | QEMU alone, depth 21 "
            "| EMBODIOS `--qd 1` / QEMU depth 1 | EMBODIOS / QEMU depth 21 |",
            "|---|---|---:|---:|---:|---:|---:|"]
    for name, kind, *_ in cfgs:
        if kind != "seq":
            continue
        for fmt in FORMATS:
            h = summary.get(("host", "raw", name))
            q1, q21 = summary.get(("qemu_d1", fmt, name)), summary.get(("qemu_d21", fmt, name))
            e, e1 = summary.get(("embodios", fmt, name)), summary.get(("embodios_qd1", fmt, name))
            rows.append(f"| {CONFIG_LABEL[name]} | {fmt} | {fmt_range(h and h['mbps'])} | {fmt_range(q1 and q1['mbps'])} "
                        f"| {fmt_range(q21 and q21['mbps'])} | {ratio(e1, q1)} | {ratio(e, q21)} |")
    return "\n".join(rows)


def crosscheck_md(summary, cfgs):
    """Second opinions: Linux sequential reads timed with pread inside the loop
    (no process start in the timing), and how far each guest's clock was from
    the host's timestamps of the serial lines around each test."""
    rows = ["| Test | Image | Linux `dd` | Linux pread, qd 1 | EMBODIOS `--qd 1` / Linux pread "
            "| clock check, Linux | clock check, EMBODIOS |", "|---|---|---:|---:|---:|---:|---:|"]
    for name, kind, *_ in cfgs:
        for fmt in FORMATS:
            lin, emb = summary.get(("linux", fmt, name)), summary.get(("embodios", fmt, name))
            pr = summary.get(("linux_pread", fmt, name)) if kind == "seq" else lin
            e1 = summary.get(("embodios_qd1", fmt, name)) if kind == "seq" else emb

            def err(x):
                return f"{x['clock_err'][0]:.1f}% (max {x['clock_err'][2]:.1f}%)" if x and x["clock_err"] else "–"
            rows.append(f"| {CONFIG_LABEL[name]} | {fmt} | {fmt_range(lin and lin['mbps']) if kind == 'seq' else '–'} "
                        f"| {fmt_range(pr and pr['mbps'])} | {ratio(e1, pr)} | {err(lin)} | {err(emb)} |")
    return "\n".join(rows)


def write_chart(summary, cfgs, png, out):
    dat = os.path.join(out, "chart.dat")
    with open(dat, "w") as f:
        f.write("# label " + " ".join(f"{k} {k}_min {k}_max" for k, _ in SERIES) + "\n")
        for name, *_ in cfgs:
            for fmt in FORMATS:
                cols = []
                for key, _ in SERIES:
                    st = summary.get((key, "raw" if key == "host" else fmt, name))
                    cols += [f"{v:.1f}" for v in st["mbps"]] if st else ["NaN"] * 3
                f.write(f"\"{CONFIG_LABEL[name]}\\n{fmt}\" " + " ".join(cols) + "\n")
    colors = ["#999999", "#cccccc", "#d95f02", "#fdae61", "#1b9e77", "#a6dba0"]
    plots = []
    aio_qd = next((v["qd"] for k, v in summary.items() if k[0] == "linux_aio" and v.get("qd")), "?")
    for i, (key, title) in enumerate(SERIES):
        title = title.format(qd=aio_qd)
        c = 2 + 3 * i
        src = f"'{dat}'" if i == 0 else "''"
        xt = ":xtic(1)" if i == 0 else ""
        plots.append(f"{src} using {c}:{c + 1}:{c + 2}{xt} title '{title}' lc rgb '{colors[i]}'")
    script = f"""
set terminal pngcairo size 1500,750 font 'DejaVu Sans,11' noenhanced
set output '{png}'
set title 'Block reads under QEMU 7.2 TCG (virtio-blk, image in host page cache): median MiB/s, bars = min–max'
set style data histograms
set style histogram errorbars gap 2 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [10:*]
set ylabel 'MiB/s (log scale)'
set grid ytics
set key top right
set xtics font ',10'
set bmargin 4
plot {', '.join(plots)}
"""
    gp = os.path.join(out, "chart.gp")
    with open(gp, "w") as f:
        f.write(script)
    r = subprocess.run(["gnuplot", gp], capture_output=True, text=True)
    if r.returncode != 0:
        print("bench: gnuplot failed:\n" + r.stderr, file=sys.stderr)
        return False
    return True


def write_csv(samples, path):
    keys = ["system", "fmt", "config", "run", "tool", "bytes", "us", "reads", "host_us", "qd", "request_kb",
            "others_cores", "boot_others_cores"]
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys + ["mbps", "iops"], extrasaction="ignore")
        w.writeheader()
        for s in samples:
            w.writerow({**s, "mbps": f"{mbps(s):.2f}", "iops": f"{iops(s):.0f}"})


def others_md(samples):
    lines = []
    for system in ("embodios", "linux"):
        v = [s["others_cores"] for s in samples if s["system"].startswith(system) and s.get("others_cores") is not None]
        if v:
            lines.append(f"- CPU used by other processes while the {system} tests ran: median "
                         f"{statistics.median(v):.2f} cores, max {max(v):.2f} (of {os.cpu_count()}); "
                         f"{sum(x < QUIET for x in v)} of {len(v)} tests under {QUIET} cores")
    return lines


def machine_md(m, info, samples):
    return "\n".join([
        f"- Date: {m['date']}",
        f"- CPU: {m['cpu']} ({m['cpu_mhz']} MHz as /proc/cpuinfo says), {m['cores']} cores",
        f"- Memory: {m['memory_gib']} GiB; host kernel {m['host_kernel']}",
        f"- {m['qemu']}, TCG (no KVM), one vCPU, `-m 2G`",
        f"- Linux guest: Debian kernel {m['guest_linux']} (package linux-image-{m['guest_linux']}), "
        f"busybox-static {m['busybox']}; virtio_blk queue: scheduler {info.get('scheduler', '?')}, "
        f"max_sectors_kb {info.get('max_sectors_kb', '?')}, max_segments {info.get('max_segments', '?')}, "
        f"clocksource {info.get('clocksource', '?')}",
        f"- EMBODIOS: `git describe` {m['embodios']}; {m['gcc']}",
        f"- Load average (1 min) when the run started: {m.get('load_start', '?')}, when it ended: "
        f"{m.get('load_end', '?')} (the machine is shared; other QEMUs widen the min–max)",
    ] + others_md(samples) + ([f"- Linux `dd` process start plus one 4 KiB read, timed like the `dd` runs: median "
          f"{statistics.median(info['dd_start_us']) / 1000:.1f} ms (inside every `dd` number)"]
         if info.get("dd_start_us") else []))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="quarter sizes (for a smoke test)")
    ap.add_argument("--image-mb", type=int, default=512)
    ap.add_argument("--linux-qd", type=int, default=32,
                    help="queue depth of the Linux AIO sequential runs (1: none)")
    ap.add_argument("--only", choices=["host", "linux", "embodios"], action="append",
                    help="measure only these (repeatable); default: all")
    ap.add_argument("--docs", action="store_true",
                    help="also write docs/bench-chart.png and the results section of docs/BENCHMARKS.md")
    ap.add_argument("--summarize", action="store_true", help="only redo the summary from results.json")
    args = ap.parse_args()

    cfgs = configs(args.image_mb, args.quick)
    raw, qcow2 = os.path.join(B, "img", "disk.raw"), os.path.join(B, "img", "disk.qcow2")
    images = {"raw": raw, "qcow2": qcow2}
    # A --quick smoke test keeps its results apart from the real ones.
    out = os.path.join(B, "quick") if args.quick else B
    os.makedirs(out, exist_ok=True)
    jpath = os.path.join(out, "results.json")
    if args.summarize:
        with open(jpath) as f:
            saved = json.load(f)
        samples, info, m = saved["samples"], saved["linux_queue"], saved["machine"]
        cfgs = [tuple(c) for c in saved["configs"]]
    else:
        only = set(args.only or ["host", "linux", "embodios"])
        m, info, samples = machine(), {}, []
        if args.only and os.path.exists(jpath):
            # Re-measure only these; keep the other systems' samples.
            with open(jpath) as f:
                saved = json.load(f)
            info = saved["linux_queue"] if "linux" not in only else {}
            samples = [x for x in saved["samples"] if group(x["system"]) not in only]

        def save():
            with open(jpath, "w") as f:
                json.dump({"machine": m, "linux_queue": info, "configs": cfgs, "samples": samples}, f, indent=1)

        if "host" in only:
            print("bench: host page cache ...", flush=True)
            run_host(raw, cfgs, args.runs, samples)
            run_qemu_img(images, cfgs, args.runs, samples)
            save()
        for r in range(args.runs):
            for fmt in FORMATS:
                warm(images[fmt])
                for system in ("embodios", "linux"):
                    if system not in only:
                        continue
                    wait_quiet()
                    t, b0, o0, n0 = time.monotonic(), busy_seconds(), own_seconds(), len(samples)
                    try:
                        if system == "embodios":
                            run_embodios(images[fmt], fmt, cfgs, r, samples)
                        else:
                            run_linux(images[fmt], fmt, cfgs, r, samples, info, args.linux_qd)
                    except (QemuTimeout, RuntimeError) as e:
                        print(f"bench: run {r + 1} {system} {fmt} FAILED: {e}", file=sys.stderr, flush=True)
                    # What else ran meanwhile, in cores: it explains a slow run.
                    dt = time.monotonic() - t
                    others = max(0.0, (busy_seconds() - b0 - (own_seconds() - o0)) / dt)
                    for smp in samples[n0:]:
                        smp["boot_others_cores"] = round(others, 2)
                    print(f"bench: run {r + 1}/{args.runs} {system} {fmt}: {dt:.1f} s, "
                          f"other processes used {others:.2f} cores", flush=True)
                    save()

        m["load_end"] = round(os.getloadavg()[0], 2)
        save()

    summary = summarize(samples)
    write_csv(samples, os.path.join(out, "results.csv"))
    n = min((v["n"] for k, v in summary.items() if k[0] in ("linux", "embodios")), default=0)
    md = [f"Medians of {n} runs (min–max), MiB/s. Image: {args.image_mb} MiB of random bytes, raw and "
          "qcow2 (fully allocated), read from the host's page cache.", "", table_md(summary, cfgs), "",
          "Where the ceiling is (MiB/s; QEMU alone = `qemu-img bench`, same cache mode and I/O threads as "
          "the guests' -drive, no guest):", "", ceiling_md(summary, cfgs), "",
          "Cross-checks:", "", crosscheck_md(summary, cfgs), "", "Machine:", "", machine_md(m, info, samples)]
    text = "\n".join(md) + "\n"
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(text)
    print(text)
    if args.docs:
        os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    png = os.path.join(ROOT, "docs", "bench-chart.png") if args.docs else os.path.join(out, "bench-chart.png")
    if write_chart(summary, cfgs, png, out):
        print(f"bench: chart {os.path.relpath(png, ROOT)}")
    if args.docs:
        splice_docs(text)


BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"


def splice_docs(text):
    """Puts the generated tables between the markers of docs/BENCHMARKS.md,
    leaving the hand-written text around them alone."""
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    doc = open(path).read() if os.path.exists(path) else f"# Benchmarks\n\n{BEGIN}\n{END}\n"
    if BEGIN not in doc or END not in doc:
        doc += f"\n{BEGIN}\n{END}\n"
    head, rest = doc.split(BEGIN, 1)
    tail = rest.split(END, 1)[1]
    with open(path, "w") as f:
        f.write(f"{head}{BEGIN}\n<!-- generated by bench/run.sh; edits here are overwritten -->\n\n"
                f"{text}\n![benchmark chart](bench-chart.png)\n\n{END}{tail}")
    print(f"bench: wrote {os.path.relpath(path, ROOT)}")


if __name__ == "__main__":
    main()
