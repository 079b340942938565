"""Runs the benchmark (see bench/run.sh) and writes the report and chart."""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests", "qemu"))
from harness import ROOT, Qemu  # noqa: E402

MIB = 1 << 20
QUIET = 0.25   # cores others may use for a test to count as quiet
IMAGES = [("raw", "build/bench/disk.img"), ("qcow2", "build/bench/disk.qcow2")]
# name, blkperf args at queue depth 1 (as dd), blkperf args pipelined, bytes, Linux spec
CONFIGS = [
    ("seq 1 MiB", "--size 100 --bs 1024 --qd 1", "--size 100 --bs 1024", 100 * MIB, ("seq", 1048576, 100)),
    ("seq 64 KiB", "--size 50 --bs 64 --qd 1", "--size 50 --bs 64", 50 * MIB, ("seq", 65536, 50)),
    ("seq 4 KiB", "--size 8 --bs 4 --qd 1", "--size 8 --bs 4", 8 * MIB, ("seq", 4096, 8)),
    ("rand 4 KiB", "--random --bs 4 --size 8", None, 8 * MIB, ("rand", 4096, 2048)),
]


def mbps(nbytes, us):
    return nbytes / MIB / (us / 1e6)


def embodios(image, fmt, runs):
    """MB/s per config for qd1 and pipelined, runs each after a warm-up."""
    res = {}
    q = Qemu(f"bench-embodios-{fmt}", drives=[f"file={image},format={fmt},if=virtio"], timeout=1200)
    try:
        q.start()
        for name, qd1, piped, nbytes, _ in CONFIGS:
            for label, args in (("qd1", qd1), ("pipelined", piped)):
                if not args:
                    continue
                vals = []
                for rep in range(runs + 1):
                    out = q.cmd(f"blkperf {args}", timeout=600)
                    m = re.search(r"Elapsed time:\s+(\d+) us", out)
                    depth = re.search(r"queue depth (\d+)", out)
                    if rep and m:          # rep 0 warms up (first touch of guest memory)
                        vals.append(mbps(nbytes, int(m.group(1))))
                res[(name, label)] = {"mbps": vals, "qd": int(depth.group(1)) if depth else None}
        q.poweroff()
    finally:
        q.stop()
    return res


def linux(image, fmt, runs):
    seq = ",".join(f"{bs}:{mb}" for _, _, _, _, (mode, bs, mb) in CONFIGS if mode == "seq")
    rand = ",".join(f"{bs}:{n}" for _, _, _, _, (mode, bs, n) in CONFIGS if mode == "rand")
    append = f"console=ttyS0 quiet panic=1 bench_reps={runs + 1} bench_seq={seq} bench_rand={rand}"
    q = Qemu(f"bench-linux-{fmt}", drives=[f"file={image},format={fmt},if=virtio"], timeout=1200,
             kernel="build/bench/linux/vmlinuz",
             extra=["-initrd", os.path.join(ROOT, "build/bench/linux/initrd.cpio.gz"), "-append", append,
                    "-no-reboot"])
    try:
        q.start(wait_prompt=False)
        q.expect(r"BENCH-DONE", timeout=1100)
        text = q.output_since_start()
    finally:
        q.stop()
    res = {}
    for name, _, _, nbytes, (mode, bs, _) in CONFIGS:
        r = [mbps(int(b), int(us)) for b, us in re.findall(rf"RESULT {mode} {bs} (\d+) (\d+)", text)]
        d = [mbps(int(b), int(us)) for b, us in re.findall(rf"DD {bs} (\d+) (\d+)", text)] if mode == "seq" else []
        res[name] = {"mbps": r[1:], "dd_mbps": d[1:]}   # first repetition warms up
    return res


def host_ceiling(image, runs):
    vals = []
    buf = bytearray(MIB)
    with open(image, "rb", buffering=0) as f:
        for rep in range(runs + 1):
            f.seek(0)
            t0 = time.perf_counter()
            total = 0
            while True:
                n = f.readinto(buf)
                if not n:
                    break
                total += n
            if rep:
                vals.append(total / MIB / (time.perf_counter() - t0))
    return vals


def fmt_range(vals):
    if not vals:
        return "n/a"
    return f"{statistics.median(vals):.0f} ({min(vals):.0f}-{max(vals):.0f})"


def med(vals):
    return statistics.median(vals) if vals else 0.0


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    mem = next((int(l.split()[1]) // 1024 for l in open("/proc/meminfo") if l.startswith("MemTotal")), 0)
    qemu = subprocess.run(["qemu-system-x86_64", "--version"], capture_output=True, text=True).stdout.split("\n")[0]
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_mb": mem, "qemu": qemu, "host_kernel": platform.release(),
            "guest_kernel": os.path.basename(sorted(os.listdir(os.path.join(ROOT, "build/bench/extract/boot")))[-1])}


def report(results, runs):
    m = results["machine"]
    lines = [
        "# Benchmarks: EMBODIOS vs a Linux guest",
        "",
        f"Measured {results['date']} with `bench/run.sh --runs {runs}`: one run of everything, on the same "
        "QEMU command line (`qemu-system-x86_64 -m 2G -drive file=IMG,format=raw|qcow2,if=virtio "
        "-serial stdio -display none`, TCG, no KVM) and the same 256 MiB images (raw, and a qcow2 converted "
        "from it). Figures are MB/s (MiB/s), median of the runs with (min-max); a warm-up run before each "
        "is not counted.",
        "",
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_mb']} MiB; host kernel {m['host_kernel']}; "
        f"{m['qemu']}; Linux guest {m['guest_kernel']} (Debian) with busybox.",
        "",
        "- **EMBODIOS qd1**: `blkperf --bs N --qd 1`, one request at a time, as `dd` issues them.",
        "- **EMBODIOS**: `blkperf --bs N`, requests of N pipelined up to the 64-descriptor budget "
        "(queue depth shown).",
        "- **Linux**: O_DIRECT `pread` loop on /dev/vda in the guest (`bench/guest/readbench.c`, timed with "
        "CLOCK_MONOTONIC); `dd iflag=direct` of the same reads is in the last column (timed from the shell, so "
        "it includes starting dd).",
        "- **Host page cache**: the host reading the raw image file in 1 MiB reads, after a warm-up: the ceiling.",
        "",
        "| image | test | EMBODIOS qd1 | EMBODIOS (qd) | Linux | EMBODIOS/Linux (qd1) | EMBODIOS/Linux | Linux dd |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for fmt, _ in IMAGES:
        e, l = results["embodios"][fmt], results["linux"][fmt]
        for name, _, piped, nbytes, (mode, bs, _) in CONFIGS:
            q1 = e[f"{name}|qd1"]["mbps"]
            pp = e.get(f"{name}|pipelined", {}).get("mbps", [])
            qd = e.get(f"{name}|pipelined", {}).get("qd")
            lx = l[name]["mbps"]
            best = max(med(q1), med(pp))
            if mode == "rand":
                iops = lambda v: f"{med(v) * MIB / bs:.0f} IOPS"  # noqa: E731
                row = [fmt, name, f"{fmt_range(q1)} = {iops(q1)}", "-", f"{fmt_range(lx)} = {iops(lx)}",
                       f"{med(q1) / med(lx):.2f}x" if med(lx) else "-", f"{med(q1) / med(lx):.2f}x" if med(lx) else "-", "-"]
            else:
                row = [fmt, name, fmt_range(q1), f"{fmt_range(pp)} (qd {qd})", fmt_range(lx),
                       f"{med(q1) / med(lx):.2f}x" if med(lx) else "-", f"{best / med(lx):.2f}x" if med(lx) else "-",
                       fmt_range(l[name]["dd_mbps"])]
            lines.append("| " + " | ".join(row) + " |")
    host = results["host"]
    lines += ["", f"Host page cache, 1 MiB reads of the raw image: {fmt_range(host)} MB/s. "
              f"EMBODIOS 1 MiB sequential (pipelined, raw) is "
              f"{med(results['embodios']['raw']['seq 1 MiB|pipelined']['mbps']) / med(host) * 100:.0f}% of it.",
              "", "![chart](bench-chart.png)", ""]
    return "\n".join(lines)


def chart(results, path):
    data = os.path.join(ROOT, "build/bench/chart.dat")
    with open(data, "w") as f:
        for fmt, _ in IMAGES:
            for name, _, piped, _, _ in CONFIGS:
                e = results["embodios"][fmt]
                best = max(med(e[f"{name}|qd1"]["mbps"]), med(e.get(f"{name}|pipelined", {}).get("mbps", [])))
                f.write(f"\"{name} {fmt}\" {best:.1f} {med(results['linux'][fmt][name]['mbps']):.1f}\n")
    script = f"""set terminal pngcairo size 1000,520 font ',10' noenhanced
set output '{path}'
set title 'Reads through virtio-blk under QEMU TCG: EMBODIOS vs Linux guest (MB/s, log scale)'
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set logscale y
set yrange [10:*]
set ylabel 'MB/s'
set xtics rotate by -20
set grid ytics
set key top right
set arrow from graph 0, first {med(results['host']):.0f} to graph 1, first {med(results['host']):.0f} nohead dt 2 lc rgb 'gray40'
set label 'host page cache' at graph 0.01, first {med(results['host']) * 1.15:.0f} tc rgb 'gray30'
plot '{data}' using 2:xtic(1) title 'EMBODIOS (best of qd1 / pipelined)' lc rgb '#2b7bba', '' using 3 title 'Linux 6.1 guest (O_DIRECT)' lc rgb '#d95f02'
"""
    subprocess.run(["gnuplot"], input=script, text=True, check=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="2 runs, for a smoke test")
    args = ap.parse_args()
    runs = 2 if args.quick else args.runs
    results = {"date": time.strftime("%Y-%m-%d"), "runs": runs, "machine": machine(), "embodios": {}, "linux": {}}
    for fmt, rel in IMAGES:
        image = os.path.join(ROOT, rel)
        print(f"bench: EMBODIOS on {fmt}...", flush=True)
        e = embodios(image, fmt, runs)
        results["embodios"][fmt] = {f"{k[0]}|{k[1]}": v for k, v in e.items()}
        print(f"bench: Linux on {fmt}...", flush=True)
        results["linux"][fmt] = linux(image, fmt, runs)
    results["host"] = host_ceiling(os.path.join(ROOT, IMAGES[0][1]), runs)
    with open(os.path.join(ROOT, "build/bench/results.json"), "w") as f:
        json.dump(results, f, indent=1)
    md = report(results, runs)
    os.makedirs(os.path.join(ROOT, "docs"), exist_ok=True)
    with open(os.path.join(ROOT, "docs/BENCHMARKS.md"), "w") as f:
        f.write(md)
    chart(results, os.path.join(ROOT, "docs/bench-chart.png"))
    print(md)


if __name__ == "__main__":
    main()
