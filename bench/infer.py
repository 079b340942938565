#!/usr/bin/env python3
"""Inference benchmark: EMBODIOS `generate` vs llama.cpp in a Linux guest vs
llama.cpp natively on the host, on the same QEMU command line and CPU model.

Usage (bench/infer.sh runs it after building everything):
  infer.py --runs N --gen N [--cpus qemu64,max] [--types f32,q8_0,q4_k_m] [--docs]

For every CPU model and weight type, one boot of each guest runs the same
prompt (bench/prompt.txt, tokenized by each with the model's vocabulary) and
decodes --gen tokens greedily, --runs times; the host runs llamabench --runs
times. Prompt and decode speeds come from each system's own clock (EMBODIOS:
the calibrated TSC; Linux: CLOCK_MONOTONIC). Guest figures are also given
normalised to a full host core: the QEMU process's CPU time over the host
wall time of the same span (taken from serial-line timestamps) says what
share of a core the guest had; a busy host makes it less than 1.

Results: build/bench/infer/results.{json,md}, chart infer-chart.png; with
--docs, docs/BENCHMARKS.md's inference section and docs/infer-chart.png.
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "qemu"))
from harness import Qemu  # noqa: E402

B = os.path.join(ROOT, "build", "bench")
OUT = os.path.join(B, "infer")
LIBS = os.path.join(ROOT, "tools", "node_modules", "@node-llama-cpp", "linux-x64", "bins", "linux-x64")
PROMPT_FILE = os.path.join(ROOT, "bench", "prompt.txt")
TYPES = {"f32": "F32", "q8_0": "Q8_0", "q4_k_m": "Q4_K_M"}
CPUS = {"qemu64": [], "max": ["-cpu", "max"]}


def qemu_cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Share:
    """What share of one host core QEMU had between two moments."""

    def __init__(self, pid):
        self.pid = pid
        self.t0, self.c0 = time.monotonic(), qemu_cpu_seconds(pid)

    def end(self):
        dt = time.monotonic() - self.t0
        return (qemu_cpu_seconds(self.pid) - self.c0) / dt if dt > 0 else None


def model_path(kind):
    return os.path.join(B, "infer", f"tinystories-15m-{kind}.gguf")


def disk_for(kind):
    """A raw disk with the model at byte 0 (padded to whole sectors)."""
    src, img = model_path(kind), model_path(kind) + ".img"
    if not os.path.exists(img) or os.path.getmtime(img) < os.path.getmtime(src):
        size = os.path.getsize(src)
        with open(src, "rb") as f, open(img + ".tmp", "wb") as o:
            o.write(f.read())
            o.truncate((size + (1 << 20) - 1) // (1 << 20) * (1 << 20))
        os.replace(img + ".tmp", img)
    return img


def prompt_text():
    with open(PROMPT_FILE) as f:
        return " ".join(f.read().split())


# -- EMBODIOS -------------------------------------------------------------
PROMPT_RE = re.compile(r"^prompt eval:\s+(\d+) tokens?, ([\d.]+) ms", re.M)
GEN_RE = re.compile(r"^generation:\s+(\d+) tokens?, ([\d.]+) ms(?:[^\n]*?\((\d+) forward passes\))?", re.M)


def parse_generate(out):
    """(prompt tokens, prompt ms, forward passes, generation ms) from
    generate's closing timing lines. Decode speed counts forward passes (the
    first generated token comes from the prompt's logits), as llamabench's
    gen_tokens counts llama_decode calls."""
    p, g = PROMPT_RE.search(out), GEN_RE.search(out)
    if not (p and g):
        raise RuntimeError("generate printed no timings:\n" + out[-1500:])
    passes = int(g.group(3)) if g.group(3) else int(g.group(1))
    return int(p.group(1)), float(p.group(2)), passes, float(g.group(2))


def run_embodios(kind, cpu, runs, gen, samples):
    q = Qemu(f"bench-infer-embodios-{kind}-{cpu}", drives=[f"file={disk_for(kind)},format=raw,if=virtio"],
             mem="2G", extra=["-no-reboot"] + CPUS[cpu], timeout=3600)
    try:
        q.start(prompt_timeout=60)
        out = q.cmd("loadmodel", timeout=300)
        if "Model loaded successfully" not in out:
            raise RuntimeError("EMBODIOS loadmodel failed:\n" + out[-1500:])
        for r in range(runs):
            share = Share(q.proc.pid)
            out = q.cmd(f"generate -n {gen} --temp 0 {prompt_text()}", timeout=1800)
            s = share.end()
            pt, pms, gt, gms = parse_generate(out)
            samples.append(dict(system="embodios", type=kind, cpu=cpu, run=r, prompt_tokens=pt,
                                prompt_ms=pms, gen_tokens=gt, gen_ms=gms, share=s))
            print(f"  embodios {kind} {cpu} run {r}: prompt {pt / pms * 1e3:.2f} tok/s, "
                  f"decode {gt / gms * 1e3:.2f} tok/s (core share {s:.2f})", flush=True)
        q.poweroff()
    finally:
        q.stop()


# -- llama.cpp in a Linux guest and on the host ----------------------------
LLAMA_RE = re.compile(r"@@LLAMA prompt_tokens=(\d+) prompt_ms=([\d.]+) gen_tokens=(\d+) "
                      r"gen_ms=([\d.]+) cpu=\"([^\"]*)\"")


def run_linux(kind, cpu, runs, gen, samples):
    path = model_path(kind)
    plan = f"{os.path.getsize(path)}:{gen}:{runs}"
    q = Qemu(f"bench-infer-linux-{kind}-{cpu}", drives=[f"file={disk_for(kind)},format=raw,if=virtio"],
             mem="2G", kernel=os.path.join(B, "vmlinuz"), timeout=3600,
             extra=["-no-reboot", "-initrd", os.path.join(B, "llama-initramfs.cpio"),
                    "-append", f"console=ttyS0 quiet panic=-1 llamaplan={plan}"] + CPUS[cpu])
    try:
        q.start(wait_prompt=False)
        q.expect(r"@@INFO[^\n]*\n", timeout=300)     # booted, model copied
        for r in range(runs):
            share = Share(q.proc.pid)
            q.expect(r"@@LLAMA [^\n]*\n|@@ERROR[^\n]*\n", timeout=1800)
            s = share.end()
            text = q.output_since_start()
            if "@@ERROR" in text:
                raise RuntimeError("Linux guest: " + re.search(r"@@ERROR.*", text).group(0))
            m = LLAMA_RE.findall(text)[r]
            samples.append(dict(system="linux", type=kind, cpu=cpu, run=r, prompt_tokens=int(m[0]),
                                prompt_ms=float(m[1]), gen_tokens=int(m[2]), gen_ms=float(m[3]),
                                variant=m[4], share=s))
            print(f"  linux {kind} {cpu} run {r}: prompt {int(m[0]) / float(m[1]) * 1e3:.2f} tok/s, "
                  f"decode {int(m[2]) / float(m[3]) * 1e3:.2f} tok/s ({m[4]}, core share {s:.2f})", flush=True)
        q.expect(r"@@DONE", timeout=60)
        q.wait_exit(20)
    finally:
        q.stop()


def run_host(kind, runs, gen, samples):
    for r in range(runs):
        out = subprocess.run([os.path.join(B, "llamabench"), model_path(kind), LIBS, PROMPT_FILE, str(gen)],
                             capture_output=True, text=True, timeout=600).stdout
        m = LLAMA_RE.search(out)
        if not m:
            raise RuntimeError("host llamabench: " + out[-500:])
        samples.append(dict(system="host", type=kind, cpu="host", run=r, prompt_tokens=int(m[1]),
                            prompt_ms=float(m[2]), gen_tokens=int(m[3]), gen_ms=float(m[4]),
                            variant=m[5], share=1.0))


# -- summary --------------------------------------------------------------
def rate(s, phase, normalise):
    tok, ms = s[f"{phase}_tokens"], s[f"{phase}_ms"]
    r = tok / ms * 1e3
    if normalise and s.get("share"):
        r /= min(1.0, s["share"])
    return r


def stats(vals):
    return dict(median=statistics.median(vals), min=min(vals), max=max(vals), n=len(vals))


def summarize(samples):
    groups = {}
    for s in samples:
        groups.setdefault((s["system"], s["type"], s["cpu"]), []).append(s)
    summary = {}
    for key, ss in groups.items():
        summary[key] = {f"{ph}{'_norm' if n else ''}": stats([rate(s, ph, n) for s in ss])
                        for ph in ("prompt", "gen") for n in (False, True)}
        summary[key]["variant"] = ss[0].get("variant", "")
        summary[key]["prompt_tokens"] = ss[0]["prompt_tokens"]
    return summary


def cell(st):
    return f"{st['median']:.2f} ({st['min']:.2f}–{st['max']:.2f})"


def table_md(summary, types, cpus):
    rows = ["| CPU model | type | EMBODIOS decode | llama.cpp Linux guest decode | ratio | "
            "EMBODIOS prompt | llama.cpp guest prompt | ratio | host llama.cpp decode |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|"]
    for cpu in cpus:
        for kind in types:
            e, l = summary.get(("embodios", kind, cpu)), summary.get(("linux", kind, cpu))
            h = summary.get(("host", kind, "host"))
            if not (e and l):
                continue
            rows.append(
                f"| {cpu} | {TYPES[kind]} | {cell(e['gen_norm'])} | {cell(l['gen_norm'])} ({l['variant']}) | "
                f"{e['gen_norm']['median'] / l['gen_norm']['median']:.2f}× | {cell(e['prompt_norm'])} | "
                f"{cell(l['prompt_norm'])} | {e['prompt_norm']['median'] / l['prompt_norm']['median']:.2f}× | "
                f"{cell(h['gen']) if h else '–'} |")
    return "\n".join(rows)


def write_chart(summary, types, cpus, png):
    dat = os.path.join(OUT, "chart.dat")
    with open(dat, "w") as f:
        for cpu in cpus:
            for kind in types:
                e, l = summary.get(("embodios", kind, cpu)), summary.get(("linux", kind, cpu))
                if e and l:
                    f.write(f"\"{TYPES[kind]} {cpu}\" {e['gen_norm']['median']:.3f} {l['gen_norm']['median']:.3f}\n")
    script = f"""set terminal pngcairo size 1100,550 font 'DejaVu Sans,11' noenhanced
set output "{png}"
set title "Decode tok/s, 15M llama, one vCPU under TCG (median, normalised to a full core)"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set ylabel "tokens per second"
set yrange [0:*]
set grid ytics
plot "{dat}" using 2:xtic(1) title "EMBODIOS generate", "" using 3 title "llama.cpp in a Linux guest"
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True, capture_output=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"infer: no chart ({e})", file=sys.stderr)


def report_md(summary, types, cpus, args, machine):
    lines = ["Decode and prompt tok/s, median (min–max) of "
             f"{args.runs} runs, {args.gen} generated tokens, prompt `bench/prompt.txt`; "
             "guest figures normalised to a full host core (see bench/infer.py). "
             "Command: `bench/infer.sh" + (f" --runs {args.runs}" if args.runs != 5 else "") + "`.",
             "", table_md(summary, types, cpus), "",
             "Host llama.cpp (the ceiling), decode tok/s: " + ", ".join(
                 f"{TYPES[k]} {summary[('host', k, 'host')]['gen']['median']:.0f}"
                 for k in types if ("host", k, "host") in summary) + ".",
             "", "Machine: " + machine]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gen", type=int, default=32)
    ap.add_argument("--cpus", default="qemu64,max")
    ap.add_argument("--types", default="f32,q8_0,q4_k_m")
    ap.add_argument("--only", action="append", choices=["embodios", "linux", "host"])
    ap.add_argument("--docs", action="store_true")
    args = ap.parse_args()
    types, cpus = args.types.split(","), args.cpus.split(",")
    only = set(args.only or ["embodios", "linux", "host"])
    os.makedirs(OUT, exist_ok=True)
    results = os.path.join(OUT, "results.json")
    samples = []
    if os.path.exists(results) and args.only:
        samples = [s for s in json.load(open(results)) if s["system"] not in only]
    for kind in types:
        if "host" in only:
            run_host(kind, args.runs, args.gen, samples)
        for cpu in cpus:
            if "embodios" in only:
                run_embodios(kind, cpu, args.runs, args.gen, samples)
            if "linux" in only:
                run_linux(kind, cpu, args.runs, args.gen, samples)
            json.dump(samples, open(results, "w"), indent=1)
    summary = summarize(samples)
    machine = subprocess.run("echo \"$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), "
                             "$(nproc) cores, $(qemu-system-x86_64 --version | head -1), TCG\"",
                             shell=True, capture_output=True, text=True).stdout.strip()
    md = report_md(summary, types, cpus, args, machine)
    with open(os.path.join(OUT, "results.md"), "w") as f:
        f.write(md + "\n")
    write_chart(summary, types, cpus, os.path.join(OUT, "infer-chart.png"))
    print(md)
    if args.docs:
        splice_docs(md)


def splice_docs(md):
    """Replaces the inference section of docs/BENCHMARKS.md (between its
    markers) and copies the chart."""
    path = os.path.join(ROOT, "docs", "BENCHMARKS.md")
    text = open(path).read()
    begin, end = "<!-- infer-results -->", "<!-- /infer-results -->"
    block = f"{begin}\n{md}\n\n![decode tok/s](infer-chart.png)\n{end}"
    if begin in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda _: block, text, flags=re.S)
    else:
        text += "\n## Inference: `generate` vs llama.cpp\n\n" + block + "\n"
    open(path, "w").write(text)
    subprocess.run(["cp", os.path.join(OUT, "infer-chart.png"), os.path.join(ROOT, "docs", "infer-chart.png")])


if __name__ == "__main__":
    main()
