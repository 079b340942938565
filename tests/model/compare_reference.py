#!/usr/bin/env python3
"""Compares what the kernel's `loadmodel` and `modelinfo` print with what an
independent GGUF reader (@huggingface/gguf, tools/gguf-reference.mjs) reads
from the same file. Python 3 standard library only.

  compare_reference.py REFERENCE.tsv SERIAL.txt
      SERIAL.txt: the kernel's serial output holding a `loadmodel` and a
      `modelinfo` (a QEMU log is fine: the first of each is used).
  compare_reference.py REFERENCE.tsv --boot DISK.img [--save SERIAL.txt]
      boots the kernel (kernel/embodios.elf, `make kernel` first) with DISK
      as vda through tests/qemu/harness.py, runs both commands, compares.

Prints one PASS/FAIL line per field and ends with "N passed, N failed";
exits 1 when a field differs.

Fields: GGUF version, tensor count, key-value count, alignment, total
parameter count (exact, and rounded as the spec's "Parameters: 15M"),
architecture, name, the hyperparameters loadmodel prints, vocabulary size,
every metadata value modelinfo lists (arrays by length and element type
count), and the tensor table (name, shape, ggml type, offset).
"""
import os
import re
import sys

GGML_NAMES = {0: "F32", 1: "F16", 2: "Q4_0", 3: "Q4_1", 6: "Q5_0", 7: "Q5_1", 8: "Q8_0", 9: "Q8_1",
              10: "Q2_K", 11: "Q3_K", 12: "Q4_K", 13: "Q5_K", 14: "Q6_K", 15: "Q8_K", 24: "I8",
              25: "I16", 26: "I32", 27: "I64", 28: "F64", 30: "BF16"}
HYPER = ("context_length", "embedding_length", "block_count", "feed_forward_length",
         "attention.head_count", "attention.head_count_kv", "rope.dimension_count")


def read_reference(path):
    ref, tensors = {}, []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if parts[0] == "tensor":
                name, shape, dtype, offset = parts[1:5]
                tensors.append((name, shape, GGML_NAMES.get(int(dtype), dtype), offset))
            elif len(parts) == 2:
                ref[parts[0]] = parts[1]
    return ref, tensors


def rounded(n):
    """The spec's rounding (kernel/model/model.c model_format_params)."""
    if n >= 10**9:
        tenths = (n + 5 * 10**7) // 10**8
        return f"{tenths // 10}.{tenths % 10}B"
    if n >= 10**6:
        return f"{(n + 500000) // 10**6}M"
    return f"{(n + 500) // 1000}K"


def same_number(want, got):
    try:
        w, g = float(want), float(got)
    except ValueError:
        return False
    return w == g or abs(w - g) <= 1e-6 * max(abs(w), abs(g))


def section(serial, start, end_re):
    """The text of the first command output starting at `start`, up to the
    next prompt (or end)."""
    at = serial.find(start)
    if at < 0:
        return ""
    m = re.compile(end_re).search(serial, at + len(start))
    return serial[at:m.start() if m else len(serial)]


class Report:
    def __init__(self):
        self.passed = self.failed = 0

    def field(self, what, want, got, ok=None):
        if ok is None:
            ok = got is not None and str(want) == str(got)
        if ok:
            self.passed += 1
            print(f"PASS: {what} = {want}")
        else:
            self.failed += 1
            print(f"FAIL: {what}: reference {want!r}, kernel {got!r}")


def grab(pattern, text, group=1):
    m = re.search(pattern, text, re.M)
    return m.group(group) if m else None


def compare_loadmodel(rep, ref, load):
    arch = ref.get("general.architecture")
    rep.field("loadmodel: GGUF version", ref["version"], grab(r"^GGUF Version: (\d+)$", load))
    rep.field("loadmodel: tensor count", ref["tensor_count"], grab(r"^Tensor count: (\d+)$", load))
    params = int(ref["parameters"])
    rep.field("loadmodel: parameter count", params, grab(r"^Parameters: \S+ \((\d+)\)$", load))
    rep.field("loadmodel: parameters rounded", rounded(params), grab(r"^Parameters: (\S+) \(", load))
    rep.field("loadmodel: architecture", arch or "(none)", grab(r"^  Architecture: (.*)$", load))
    rep.field("loadmodel: name", ref.get("general.name", "(none)"), grab(r"^  Name: (.*)$", load))
    for key in HYPER:
        full = f"{arch}.{key}"
        if full in ref:
            rep.field(f"loadmodel: {key}", ref[full], grab(rf"^  {re.escape(key)}: (\d+)$", load))
    eps = f"{arch}.attention.layer_norm_rms_epsilon"
    if eps in ref:
        got = grab(r"^  attention.layer_norm_rms_epsilon: (\S+)$", load)
        rep.field("loadmodel: attention.layer_norm_rms_epsilon", ref[eps], got,
                  ok=got is not None and same_number(ref[eps], got))
    tokens = ref.get("tokenizer.ggml.tokens", "")
    if tokens.startswith("["):
        rep.field("loadmodel: vocabulary size", tokens[1:-1], grab(r"^  Vocabulary size: (\d+)$", load))


def compare_metadata(rep, ref, info):
    kernel = dict(re.findall(r"^  (\S+)\s+\S+\s+(.*)$", section(info, "Metadata:", r"\nTensors:"), re.M))
    for key, want in ref.items():
        if key in ("version", "tensor_count", "kv_count", "parameters"):
            continue
        got = kernel.get(key)
        if got is None:
            ok = False
        elif want.startswith("["):      # arrays: "[32000]" vs "[32000 x string]"
            ok = got.startswith(want[:-1] + " x ")
        elif got.startswith('"'):
            ok = got[1:-1] == want or (got.endswith('..."') and want.startswith(got[1:-4]))
        elif want in ("true", "false"):
            ok = got == want
        else:
            ok = same_number(want, got)
        rep.field(f"modelinfo: {key}", want, got, ok=ok)


def compare_modelinfo(rep, ref, tensors, info):
    m = re.search(r"^Model from \S+: GGUF v(\d+), (\d+) key-values, (\d+) tensors, alignment (\d+)", info, re.M)
    rep.field("modelinfo: GGUF version", ref["version"], m and m.group(1))
    rep.field("modelinfo: key-value count", ref["kv_count"], m and m.group(2))
    rep.field("modelinfo: tensor count", ref["tensor_count"], m and m.group(3))
    rep.field("modelinfo: alignment", ref.get("general.alignment", "32"), m and m.group(4))
    compare_metadata(rep, ref, info)
    rows = re.findall(r"^\s+\d+ (\S+)\s+(\S+)\s+\[([\d, ]+)\]\s+(\d+)$", section(info, "Tensors:", r"EMBODIOS> |$"),
                      re.M)
    kernel = [(n, s.replace(" ", ""), t, o) for n, t, s, o in rows]
    want = list(tensors)
    bad = [(w, k) for w, k in zip(want, kernel) if w != k]
    detail = bad[0] if bad else (len(want), len(kernel))
    rep.field(f"modelinfo: tensor table ({len(want)} rows: name, shape, type, offset)", "identical",
              "identical" if not bad and len(want) == len(kernel) else f"differs: {detail}")


def compare(ref_path, serial):
    ref, tensors = read_reference(ref_path)
    rep = Report()
    load = section(serial, "Loading GGUF model from", r"\nEMBODIOS> |\nTokenizer ready")
    info = section(serial, "Model from ", r"\nEMBODIOS> ")
    if not load:
        rep.field("loadmodel output present", "present", None)
    else:
        compare_loadmodel(rep, ref, load)
    if not info:
        rep.field("modelinfo output present", "present", None)
    else:
        compare_modelinfo(rep, ref, tensors, info)
    print(f"compare_reference: {rep.passed} passed, {rep.failed} failed")
    return rep.failed == 0


def boot(disk, timeout):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "qemu"))
    from harness import Qemu  # noqa: E402
    q = Qemu("compare-reference", drives=[f"file={os.path.abspath(disk)},format=raw,if=virtio"], timeout=timeout)
    try:
        q.start()
        out = q.cmd("loadmodel", timeout=timeout)
        out += "\nEMBODIOS> \n" + q.cmd("modelinfo", timeout=60) + "\nEMBODIOS> \n"
        q.poweroff()
        return out
    finally:
        q.stop()


def main(argv):
    if len(argv) >= 2 and argv[1] == "--boot":
        disk = argv[2] if len(argv) > 2 else None
        if not disk:
            sys.exit(__doc__)
        serial = boot(disk, 300)
        if "--save" in argv[3:]:
            with open(argv[argv.index("--save") + 1], "w", encoding="utf-8") as f:
                f.write(serial)
    elif len(argv) == 2:
        with open(argv[1], encoding="utf-8", errors="replace") as f:
            serial = f.read()
    else:
        sys.exit(__doc__)
    return 0 if compare(argv[0], serial) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
