"""Issue 5 in the kernel: loadmodel, modelinfo, tokenize/detokenize over
the serial line, compared with llama.cpp's ids and @huggingface/gguf's
reading of the same file; bad GGUF files booted as disks."""
import json
import os
import re
import struct
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))
from harness import PROMPT, PROMPT_RE, ROOT, Qemu, Suite, session  # noqa: E402

MODELS = os.path.join(ROOT, "build", "models")
BAD = os.path.join(ROOT, "build", "bad-gguf")
GGML_NAMES = {0: "F32", 1: "F16"}


def escape(text):
    """The kernel's tokenize escapes: printable ASCII as is, \\\\, and \\xHH
    (also for quotes, which group words as in every other command)."""
    if text == "":
        return '""'
    out = []
    for b in text.encode("utf-8"):
        if b == 0x5C:
            out.append("\\\\")
        elif 0x20 <= b < 0x7F and b not in (0x22, 0x27):
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


def fixture_checks(suite, q, name):
    """Every string of a fixture file must give llama.cpp's ids."""
    cases = json.load(open(os.path.join(ROOT, f"tests/fixtures/tokenizer/{name}.json"), encoding="utf-8"))
    matched, failures = 0, []
    for case in cases:
        flag = "" if case["add_special"] else "--no-bos "
        out = q.cmd(f"tokenize {flag}{escape(case['text'])}", timeout=20)
        m = re.search(r"^ids:(.*)$", out, re.M)
        got = [int(x) for x in m.group(1).split()] if m else None
        if got == case["ids"]:
            matched += 1
        else:
            failures.append((case["text"], case["ids"], got, out[-200:]))
    print(f"INFO: {matched} of {len(cases)} fixture strings of {name} give llama.cpp's ids in the kernel")
    suite.check(f"kernel tokenizer matches llama.cpp on all {len(cases)} fixture strings of {name}",
                matched == len(cases), repr(failures[:5]))


def tokenizer_checks(suite, q):
    fixture_checks(suite, q, "llama_spm")
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
        suite.check("a second loadmodel loads again and then frees the first model",
                    "Unloaded the previous model (from vda)" in out and "Tokenizer ready." in out, out)
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
        # As llama.cpp: a gpt2 vocabulary without merges fails the load, and
        # (issue 8) the model loaded before stays.
        suite.check("gpt2 vocabulary without merges refused by name",
                    "cannot find tokenizer merges" in out and "Failed to load model" in out, out)
        suite.check("the F16 model from vda stays loaded", "The model from vda is still loaded." in out, out)
        out = q.cmd("tokenize Hello world")
        suite.check("the F16 model still tokenizes", "ids: 1 15043 3186" in out, out)
        out = q.cmd("modelinfo")
        suite.check("modelinfo shows the F16 model's tensors", "token_embd.weight" in out, out)
    session(suite, Qemu("model-f16-gpt2", drives=[f"file={MODELS}/tinystories-15m-f16.gguf,format=raw,if=virtio",
                                                   f"file={MODELS}/gpt2-tokenizer.gguf,format=raw,if=virtio"],
                        timeout=300), f16)

    def special(q):
        out = q.cmd("loadmodel", timeout=60)
        suite.check("user-defined tokens and add_eos_token: the vocabulary loads",
                    "add_eos yes" in out and "5 user-defined" in out, out)
        fixture_checks(suite, q, "llama_spm_special")
    session(suite, Qemu("model-special-vocab", drives=[f"file={MODELS}/vocab-special.gguf,format=raw,if=virtio"],
                        timeout=300), special)

    def small_memory(q):
        out = q.cmd("loadmodel", timeout=60)
        suite.check("-m 40M: a model that does not fit is refused clearly",
                    "Failed to load model (error -12)" in out and "can be allocated" in out, out)
        suite.check("-m 40M: shell alive", q.cmd("echo ok").strip() == "ok")
    session(suite, Qemu("model-small-memory", mem="40M",
                        drives=[f"file={ROOT}/build/model.img,format=raw,if=virtio"], timeout=120), small_memory)

    # Issue 8: around the memory size where the model just fits, loadmodel
    # either refuses up front or loads completely: the fit check counts every
    # overhead, so nothing fails later with ENOMEM.
    results = {}
    for mb in range(63, 71):
        def edge(q, mb=mb):
            out = q.cmd("loadmodel", timeout=60)
            if "Tokenizer ready." in out and "Failed" not in out:
                results[mb] = "loaded"
            elif "Failed to load model (error -12)" in out and "can be allocated" in out:
                results[mb] = "refused up front"
            else:
                results[mb] = "failed later: " + out[-300:]
        session(suite, Qemu(f"model-fit-{mb}M", mem=f"{mb}M",
                            drives=[f"file={ROOT}/build/model.img,format=raw,if=virtio"], timeout=120), edge, poweroff=False)
    print(f"INFO: loadmodel near the memory limit: {results}")
    suite.check("near the memory limit loadmodel refuses up front or loads completely",
                all(r in ("loaded", "refused up front") for r in results.values()), repr(results))
    suite.check("... and the limit lies inside 63-70 MB (both outcomes seen)",
                set(results.values()) == {"loaded", "refused up front"}, repr(results))


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


SAFETY = os.path.join(ROOT, "build", "model-safety")
ODD_OFFSET = (1 << 20) + 7


def gguf_bytes(kvs, tensors=()):
    """A GGUF v3 file: kvs are (key bytes, type, packed value bytes); tensors
    are (name, dims, ggml type, data size), data left sparse (zeros)."""
    def s(b):
        return struct.pack("<Q", len(b)) + b
    out = [b"GGUF", struct.pack("<IQQ", 3, len(tensors), len(kvs))]
    out += [s(k) + struct.pack("<I", t) + v for k, t, v in kvs]
    offset = 0
    for name, dims, gtype, size in tensors:
        out.append(s(name) + struct.pack("<I", len(dims)) + struct.pack(f"<{len(dims)}Q", *dims)
                   + struct.pack("<IQ", gtype, offset))
        offset += (size + 31) // 32 * 32
    head = b"".join(out)
    return head + b"\0" * (-len(head) % 32), offset


def str_kv(key, value):
    return (key, 8, struct.pack("<Q", len(value)) + value)


def safety_files():
    """The disks of the issue-8 checks: a model whose strings would drive the
    terminal (name, a key, its only token); a 1 GiB sparse model to stop with
    Ctrl-C; the F16 model at byte 1 MiB + 7 of a disk."""
    os.makedirs(SAFETY, exist_ok=True)
    esc = b"\x1b[2J\x1b[31m"
    tokens = struct.pack("<IQ", 8, 1) + struct.pack("<Q", len(esc)) + esc
    head, _ = gguf_bytes([str_kv(b"general.architecture", b"llama"), str_kv(b"general.name", esc + b"evil"),
                          str_kv(b"evil." + esc, b"x"), str_kv(b"tokenizer.ggml.model", b"llama"),
                          (b"tokenizer.ggml.tokens", 9, tokens)])
    open(os.path.join(SAFETY, "escape.gguf"), "wb").write(head)
    # A valid llama shape (loadmodel refuses other shapes before reading)
    # whose 1 GiB is a 1M-row F32 embedding; every other tensor is small.
    big = 1 << 30
    dim, vocab = 256, (1 << 30) // (256 * 4)
    u32 = lambda k, v: (k, 4, struct.pack("<I", v))  # noqa: E731
    kvs = [str_kv(b"general.architecture", b"llama"), u32(b"llama.context_length", 64),
           u32(b"llama.embedding_length", dim), u32(b"llama.block_count", 1), u32(b"llama.feed_forward_length", dim),
           u32(b"llama.attention.head_count", 4), (b"llama.attention.layer_norm_rms_epsilon", 6, struct.pack("<f", 1e-5))]
    tensors = [(b"token_embd.weight", [dim, vocab], 0, big), (b"output_norm.weight", [dim], 0, dim * 4)]
    for name in (b"attn_norm", b"ffn_norm"):
        tensors.append((b"blk.0." + name + b".weight", [dim], 0, dim * 4))
    for name in (b"attn_q", b"attn_k", b"attn_v", b"attn_output", b"ffn_gate", b"ffn_up", b"ffn_down"):
        tensors.append((b"blk.0." + name + b".weight", [dim, dim], 0, dim * dim * 4))
    head, size = gguf_bytes(kvs, tensors)
    with open(os.path.join(SAFETY, "big-sparse.gguf"), "wb") as f:
        f.write(head)
        f.truncate(len(head) + size)
    model = open(os.path.join(MODELS, "tinystories-15m-f16.gguf"), "rb").read()
    with open(os.path.join(SAFETY, "odd-offset.img"), "wb") as f:
        f.write(b"\xAA" * ODD_OFFSET + model)
        f.write(b"\0" * (-f.tell() % 512))


def model_safety(suite):
    """Issue 8: a failed or stopped load keeps the loaded model; disk strings
    are escaped; a one-token vocabulary gives ids in range; models at an odd
    byte offset load; blkstress writes need --yes."""
    safety_files()
    hello = "ids: 1 15043 3186"

    def body(q):
        out = q.cmd("loadmodel", timeout=120)
        suite.check("safety: the F32 model loads from vda", "Tokenizer ready." in out, out)
        out = q.cmd("loadmodel vdb", timeout=30)
        suite.check("safety: a broken vocabulary on vdb is refused (ETOK_COUNT)",
                    "Failed to load model (error -235)" in out and "100 entries" in out, out)
        suite.check("safety: ... and says the vda model is still loaded",
                    "The model from vda is still loaded." in out, out)
        suite.check("safety: the vda model still tokenizes", hello in q.cmd("tokenize Hello world"))
        q.send("loadmodel vdd\r")
        q.expect(r"Loading tensors: +\d+%", timeout=120)
        q.send("\x03")
        out = q.expect(PROMPT_RE, timeout=60)
        suite.check("safety: Ctrl-C stops a 1 GiB load cleanly",
                    "Failed to load model (error -125)" in out and "stopped by Ctrl-C" in out, out)
        suite.check("safety: ... the vda model is still there", hello in q.cmd("tokenize Hello world"))
        m = re.search(r"Largest allocation possible: (\d+) MB", q.cmd("mem"))
        suite.check("safety: ... and the 1 GiB buffer was given back", m and int(m.group(1)) > 1800,
                    m.group(0) if m else "")
        out = q.cmd("loadmodel vdc", timeout=30)
        info = q.cmd("modelinfo")
        tok = q.cmd("tokenize a")
        raw = out + info + tok
        suite.check("safety: no ESC byte from the disk reaches the terminal", "\x1b" not in raw, repr(raw[-600:]))
        suite.check("safety: the name is shown escaped", "Name: \\x1b[2J\\x1b[31mevil" in out, out)
        suite.check("safety: modelinfo escapes keys and values",
                    "evil.\\x1b[2J\\x1b[31m" in info and '"\\x1b[2J\\x1b[31mevil"' in info, info)
        suite.check("safety: one-token vocabulary without bos_token_id: no BOS, every id in range",
                    "ids: 0 0 0 0" in tok and "count: 4" in tok, tok)
        suite.check("safety: its piece is printed escaped", "[\\x1b[2J\\x1b[31m]" in tok, tok)
        out = q.cmd(f"loadmodel vde {ODD_OFFSET}", timeout=120)
        suite.check(f"safety: the F16 model loads from byte offset {ODD_OFFSET}",
                    f"at byte offset {ODD_OFFSET}" in out and "GGUF Version: 2" in out
                    and "Model loaded successfully!" in out and "Tokenizer ready." in out, out)
        suite.check("safety: ... and tokenizes", hello in q.cmd("tokenize Hello world"))
        info = q.cmd("modelinfo")
        suite.check("safety: modelinfo names the offset", f"starts at byte offset {ODD_OFFSET} of vde" in info
                    and "Model from vde: GGUF v2" in info, info[:400])
        out = q.cmd("loadmodel vde 99999999999")
        suite.check("safety: an offset past the disk is refused", "is not a byte offset on vde" in out, out)
        out = q.cmd('tokenize "Hello world"')
        suite.check('safety: tokenize "Hello world" strips the quotes', hello + "\n" in out, out)
        out = q.cmd("blkstress vdf 10 5")
        suite.check("safety: blkstress with writes asks for --yes", "Add --yes to proceed." in out
                    and "writes" not in out.split("proceed.")[1], out)
        out = q.cmd("blkstress vdf 10 0")
        suite.check("safety: blkstress with reads only needs no --yes", "10 reads" in out, out)
    bad = os.path.join(BAD, "scores_count_mismatch.gguf")
    scratch = os.path.join(SAFETY, "scratch.img")
    with open(scratch, "wb") as f:
        f.truncate(4 << 20)
    drives = [f"file={ROOT}/build/model.img,format=raw,if=virtio", f"file={bad},format=raw,if=virtio",
              f"file={SAFETY}/escape.gguf,format=raw,if=virtio",
              f"file={SAFETY}/big-sparse.gguf,format=raw,if=virtio,throttling.bps-total=52428800",
              f"file={SAFETY}/odd-offset.img,format=raw,if=virtio", f"file={scratch},format=raw,if=virtio"]
    session(suite, Qemu("model-safety", drives=drives, timeout=400), body)


def main():
    suite = Suite("model")
    model_safety(suite)
    main_model(suite)
    other_models(suite)
    bad_files(suite)
    sys.exit(suite.finish())


if __name__ == "__main__":
    main()
