"""Issue 5 in the kernel: loadmodel, modelinfo, tokenize/detokenize over
the serial line, compared with llama.cpp's ids and @huggingface/gguf's
reading of the same file; bad GGUF files booted as disks."""
import json
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import PROMPT, ROOT, Qemu, Suite, session  # noqa: E402

MODELS = os.path.join(ROOT, "build", "models")
BAD = os.path.join(ROOT, "build", "bad-gguf")
GGML_NAMES = {0: "F32", 1: "F16"}


def escape(text):
    """The kernel's tokenize escapes: printable ASCII as is, \\\\, and \\xHH."""
    if text == "":
        return '""'
    out = []
    for b in text.encode("utf-8"):
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F:
            out.append(chr(b))
        else:
            out.append(f"\\x{b:02x}")
    return "".join(out)


def reference_checks(suite, q):
    ref = {}
    tensors = []
    for line in open(os.path.join(MODELS, "reference-f32.tsv"), encoding="utf-8"):
        parts = line.rstrip("\n").split("\t")
        if parts[0] == "tensor":
            tensors.append(parts[1:])
        else:
            ref[parts[0]] = parts[1]
    out = q.cmd("loadmodel", timeout=120)
    for line in ("Loading GGUF model from vda...", "Reading GGUF header...", "Model loaded successfully!",
                 "Initializing tokenizer...", "Tokenizer ready."):
        suite.check(f"loadmodel prints '{line}'", line in out, out)
    suite.check("GGUF Version matches the reference", f"GGUF Version: {ref['version']}\n" in out, out)
    suite.check("Tensor count matches the reference", f"Tensor count: {ref['tensor_count']}\n" in out, out)
    suite.check("Parameters: 15M and the exact count match the reference",
                f"Parameters: 15M ({ref['parameters']})" in out, out)
    suite.check("progress every 10%", all(f"{p:3d}% (" in out for p in range(10, 101, 10)), out)
    m = re.search(r"Loaded (\d+) bytes in ([\d.]+) ms \((\d+) MB/s\)", out)
    load_mbps = int(m.group(3)) if m else 0
    m2 = re.search(r"built in (\d+) us", out)
    info = q.cmd("modelinfo", timeout=30)
    kernel_kv = dict(re.findall(r"^  (\S+)\s+\S+\s+(.*)$", info, re.M))
    bad = []
    for key, want in ref.items():
        if key in ("version", "tensor_count", "kv_count", "parameters"):
            continue
        got = kernel_kv.get(key)
        if got is None:
            bad.append((key, want, None))
        elif want.startswith("["):
            if not got.startswith(want[:-1] + " x"):
                bad.append((key, want, got))
        elif got.startswith('"'):
            if got.strip('"') != want:
                bad.append((key, want, got))
        elif want in ("true", "false"):
            if got != want:
                bad.append((key, want, got))
        else:
            w, g = float(want), float(got)
            if abs(w - g) > 1e-5 * max(abs(w), 1e-30):
                bad.append((key, want, got))
    suite.check(f"all {len(ref) - 4} metadata values match @huggingface/gguf", not bad, repr(bad))
    rows = re.findall(r"^\s+\d+ (\S+)\s+(\S+)\s+\[([\d, ]+)\]\s+(\d+)$", info, re.M)
    kernel_tensors = [[n, s.replace(" ", ""), t, o] for n, t, s, o in rows]
    want_tensors = [[n, s, GGML_NAMES.get(int(t), t), o] for n, s, t, o in tensors]
    suite.check(f"tensor table ({len(want_tensors)} rows) matches @huggingface/gguf",
                kernel_tensors == want_tensors, f"{kernel_tensors[:3]} vs {want_tensors[:3]}")
    return load_mbps, int(m2.group(1)) if m2 else None


def tokenizer_checks(suite, q):
    cases = json.load(open(os.path.join(ROOT, "tests/fixtures/tokenizer/llama_spm.json"), encoding="utf-8"))
    matched, failures = 0, []
    for case in cases:
        flag = "" if case["add_bos"] else "--no-bos "
        out = q.cmd(f"tokenize {flag}{escape(case['text'])}", timeout=20)
        m = re.search(r"^ids:(.*)$", out, re.M)
        got = [int(x) for x in m.group(1).split()] if m else None
        if got == case["ids"]:
            matched += 1
        else:
            failures.append((case["text"], case["ids"], got, out[-200:]))
    print(f"INFO: {matched} of {len(cases)} fixture strings give llama.cpp's ids in the kernel")
    suite.check(f"kernel tokenizer matches llama.cpp on all {len(cases)} fixture strings",
                matched == len(cases), repr(failures[:5]))
    out = q.cmd("detokenize 1 9038 2501 263 931")
    suite.check("detokenize gives the text back", 'text: " Once upon a time"' in out, out)
    out = q.cmd("detokenize 15043 13 11526")
    suite.check("detokenize shows escapes", 'text: "Hello\\nworld"' in out, out)
    out = q.cmd("detokenize 99999")
    suite.check("detokenize rejects a bad id", "not a token id" in out, out)
    out = q.cmd("tokenize bad\\q")
    suite.check("tokenize names a bad escape", "Bad escape" in out, out)
    out = q.cmd("tokenize")
    suite.check("tokenize without text prints usage", "Usage: tokenize" in out, out)


def main_model(suite):
    state = {}

    def body(q):
        state["load_mbps"], state["tok_us"] = reference_checks(suite, q)
        tokenizer_checks(suite, q)
        out = q.cmd("blkperf", timeout=120)
        m = re.search(r"Throughput:\s+(\d+) MB/s", out)
        state["blkperf"] = int(m.group(1)) if m else 0
        out = q.cmd("loadmodel", timeout=120)
        m = re.search(r"\((\d+) MB/s\)", out)
        state["reload_mbps"] = int(m.group(1)) if m else 0
        suite.check("a second loadmodel frees the first model and loads again",
                    "unloading the model" in out and "Tokenizer ready." in out, out)
        out = q.cmd("mem")
        suite.check("shell alive after two loads", "Free:" in out, out)
    session(suite, Qemu("model-f32", drives=[f"file={ROOT}/build/model.img,format=raw,if=virtio"], timeout=300), body)
    print(f"INFO: loadmodel {state.get('load_mbps')} MB/s first load, {state.get('reload_mbps')} MB/s reload; "
          f"blkperf {state.get('blkperf')} MB/s on the same disk; tokenizer built in {state.get('tok_us')} us")


def other_models(suite):
    def f16(q):
        out = q.cmd("loadmodel", timeout=120)
        suite.check("F16 GGUF v2 model loads", "GGUF Version: 2" in out and "Parameters: 15M" in out
                    and "Tokenizer ready." in out, out)
        out = q.cmd("tokenize Hello world")
        suite.check("F16 model tokenizes", "ids: 1 15043 3186" in out, out)
        out = q.cmd("loadmodel vdb", timeout=60)
        suite.check("gpt2-tokenizer model still loads", "Model loaded successfully!" in out, out)
        suite.check("gpt2 tokenizer reported unsupported by name",
                    "tokenizer model 'gpt2' is not supported" in out, out)
        out = q.cmd("tokenize hi")
        suite.check("tokenize explains there is no tokenizer", "no supported tokenizer" in out, out)
        suite.check("modelinfo works for the gpt2 model", "tokenizer.ggml.model" in q.cmd("modelinfo"))
    session(suite, Qemu("model-f16-gpt2", drives=[f"file={MODELS}/tinystories-15m-f16.gguf,format=raw,if=virtio",
                                                   f"file={MODELS}/gpt2-tokenizer.gguf,format=raw,if=virtio"],
                        timeout=300), f16)

    def small_memory(q):
        out = q.cmd("loadmodel", timeout=60)
        suite.check("-m 40M: a model that does not fit is refused clearly",
                    "Failed to load model (error -12)" in out and "can be allocated" in out, out)
        suite.check("-m 40M: shell alive", q.cmd("echo ok").strip() == "ok")
    session(suite, Qemu("model-small-memory", mem="40M",
                        drives=[f"file={ROOT}/build/model.img,format=raw,if=virtio"], timeout=120), small_memory)


def bad_files(suite):
    """Every hand-made bad file, booted as a disk. A disk has no file length
    (it is whole sectors, and QEMU pads a short file with zeros), so the
    host tests check the truncation cases at every byte; here truncation is
    tested with the real model cut at sector boundaries in each section."""
    cases = [line.rstrip("\n").split("\t") for line in open(os.path.join(BAD, "cases.tsv"), encoding="utf-8")]
    disks = []
    for name, code, code_name, words in cases:
        if name.startswith(("truncated", "data_past_end")):
            continue
        disks.append((name, int(code), code_name, words, os.path.join(BAD, f"{name}.gguf")))
    model = open(os.path.join(MODELS, "tinystories-15m-f32.gguf"), "rb").read()
    data_at = 727264
    for name, cut, code, code_name, words in (
            ("model_cut_in_metadata", 4096, -201, "EGGUF_TRUNCATED", "past the end"),
            ("model_cut_in_tensor_infos", (data_at - 1500) // 512 * 512, -201, "EGGUF_TRUNCATED", "truncated"),
            ("model_cut_in_data", 30 << 20, -213, "EGGUF_BOUNDS", "beyond the end")):
        path = os.path.join(BAD, f"{name}.gguf")
        open(path, "wb").write(model[:cut])
        disks.append((name, code, code_name, words, path))
    slowest = 0.0
    for start in range(0, len(disks), 7):
        batch = disks[start:start + 7]

        def body(q, batch=batch):
            nonlocal slowest
            for i, (name, code, code_name, words, _) in enumerate(batch):
                t0 = time.monotonic()
                out = q.cmd(f"loadmodel vd{chr(97 + i)}", timeout=20)
                took = time.monotonic() - t0
                slowest = max(slowest, took)
                ok = f"Failed to load model (error {code})" in out and words in out and "byte offset" in out
                suite.check(f"bad GGUF {name}: rejected ({code_name}) in {took * 1000:.0f} ms", ok and took < 1.0, out)
            suite.check(f"bad GGUF batch {start // 7}: shell alive", q.cmd("echo alive").strip() == "alive")
        drives = [f"file={disk},format=raw,if=virtio" for *_, disk in batch]
        session(suite, Qemu(f"bad-gguf-{start // 7}", drives=drives, timeout=120), body)
    print(f"INFO: slowest bad-file rejection {slowest * 1000:.0f} ms (host clock, command to prompt)")


def main():
    suite = Suite("model")
    main_model(suite)
    other_models(suite)
    bad_files(suite)
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
