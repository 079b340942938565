#!/usr/bin/env python3
"""Writes a GGUF with a byte-level BPE ("gpt2") vocabulary for EMBODIOS's
tests (python3 standard library only; a sibling of mkmodel.py, whose GGUF
writer it uses): vocabulary only, or a small llama/qwen2 model with
deterministic random weights.

The vocabulary comes from a Hugging Face tokenizer.json (+ tokenizer_config.json
beside it), or from GPT-2's original encoder.json + vocab.bpe. Tokens are
written as llama.cpp's converter (convert_hf_to_gguf.py) writes them: added
tokens that are special, or look special (<|...|>, <｜...｜>, <pad>, <mask>,
<unused...>), are CONTROL; other added tokens USER_DEFINED; ids with no
token up to --pad-to are "[PAD<id>]", UNUSED.

  mkbpemodel.py --tokenizer-json DIR/tokenizer.json --pre llama-bpe --out x.gguf
  mkbpemodel.py --encoder encoder.json --merges vocab.bpe --pre gpt-2 --out gpt2.gguf
  options: [--pad-to N] [--bos TEXT] [--eos TEXT] [--eot TEXT] [--pad TEXT]
           [--arch llama|qwen2 --dim 64 --layers 2 --heads 4 --kv-heads 2 --ffn 128] [--type f32|f16]
           [--eog-bias TEXT]   (that token is the greedy argmax everywhere)
"""
import argparse
import array
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mkmodel import ALIGNMENT, ARRAY, BOOL, F32, GGML_F16, GGML_F32, I32, STRING, U32, GGUFWriter, weights  # noqa: E402

NORMAL, CONTROL, USER_DEFINED, UNUSED = 1, 3, 4, 5
# mkmodel's weights() repeat a 65521-value block: with more than 65521 rows,
# row i + 65521 of the embedding equals row i, and tied output logits tie (a
# greedy argmax between equal values is no test). This block is a prime
# longer than any vocabulary here, so no two embedding rows are equal.
EMBD_PERIOD = 262139


def embd_weights(n_vocab, dim, ggml_type, eog_row=None):
    """The token embedding (also the output matrix: no output.weight).
    eog_row: make that token the greedy argmax everywhere (--eog-bias). Column
    0 is a constant 1.0 in every row, so after the final RMS norm h[0] is
    large and positive at every position (the layers' residual updates, from
    weights below 0.1, stay far smaller); the chosen row is 20 in column 0
    and 0 elsewhere, so its logit 20*h[0] is above every other row's
    1*h[0] + (63 terms of 0.1*|h|)."""
    x, block = 0x9E3779B9, []
    for _ in range(EMBD_PERIOD):
        x = (x * 1664525 + 1013904223) & 0xFFFFFFFF
        block.append(((x >> 8) % 20000 - 10000) / 100000.0)
    vals = (block * -(-n_vocab * dim // EMBD_PERIOD))[:n_vocab * dim]
    if eog_row is not None:
        vals[0::dim] = [1.0] * n_vocab
        vals[eog_row * dim:(eog_row + 1) * dim] = [20.0] + [0.0] * (dim - 1)
    if ggml_type == GGML_F32:
        return array.array("f", vals).tobytes()
    return struct.pack("<%de" % len(vals), *vals)


def looks_special(text):
    return (text in ("<pad>", "<mask>", "<2mass>", "[@BOS@]")
            or (text.startswith("<|") and text.endswith("|>"))
            or (text.startswith("<\uff5c") and text.endswith("\uff5c>"))
            or (text.startswith("<unused") and text.endswith(">")))


def load_hf(path):
    tj = json.load(open(path, encoding="utf-8"))
    cfg_path = os.path.join(os.path.dirname(path), "tokenizer_config.json")
    cfg = json.load(open(cfg_path, encoding="utf-8")) if os.path.exists(cfg_path) else {}
    vocab = dict(tj["model"]["vocab"])
    added = {}
    for a in tj.get("added_tokens", []):
        vocab[a["content"]] = a["id"]
        added[a["id"]] = a
    merges = [m if isinstance(m, str) else " ".join(m) for m in tj["model"]["merges"]]
    return vocab, added, merges, cfg


def load_gpt2(encoder, merges_path):
    vocab = json.load(open(encoder, encoding="utf-8"))
    lines = open(merges_path, encoding="utf-8").read().split("\n")
    merges = [l for l in lines[1:] if l.strip()]           # the first line is "#version: 0.2"
    # HF's GPT-2 tokenizer.json lists <|endoftext|> as its one added, special token.
    added = {vocab["<|endoftext|>"]: {"content": "<|endoftext|>", "special": True}}
    return vocab, added, merges, {"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>"}


def token_table(vocab, added, pad_to):
    by_id = {i: t for t, i in vocab.items()}
    n = max(max(by_id) + 1, pad_to or 0)
    tokens, types = [], []
    for i in range(n):
        if i not in by_id:
            tokens.append(f"[PAD{i}]")
            types.append(UNUSED)
            continue
        text = by_id[i]
        tokens.append(text)
        if i in added:
            types.append(CONTROL if added[i].get("special") or looks_special(text) else USER_DEFINED)
        else:
            types.append(NORMAL)
    return tokens, types


def tok_name(cfg, key):
    v = cfg.get(key)
    return v.get("content") if isinstance(v, dict) else v


def model_tensors(w, args, n_vocab, eog_row):
    t = GGML_F32 if args.type == "f32" else GGML_F16
    dim, ffn, kv = args.dim, args.ffn, args.dim // args.heads * args.kv_heads
    seed = iter(range(1, 10000))
    next(seed)
    w.add_tensor("token_embd.weight", [dim, n_vocab], t, embd_weights(n_vocab, dim, t, eog_row))
    for layer in range(args.layers):
        p = f"blk.{layer}."
        w.add_tensor(p + "attn_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))
        w.add_tensor(p + "attn_q.weight", [dim, dim], t, weights(dim * dim, next(seed), t))
        w.add_tensor(p + "attn_k.weight", [dim, kv], t, weights(dim * kv, next(seed), t))
        w.add_tensor(p + "attn_v.weight", [dim, kv], t, weights(dim * kv, next(seed), t))
        if args.arch == "qwen2":       # llama plus biases on Q, K and V
            w.add_tensor(p + "attn_q.bias", [dim], GGML_F32, weights(dim, next(seed), GGML_F32))
            w.add_tensor(p + "attn_k.bias", [kv], GGML_F32, weights(kv, next(seed), GGML_F32))
            w.add_tensor(p + "attn_v.bias", [kv], GGML_F32, weights(kv, next(seed), GGML_F32))
        w.add_tensor(p + "attn_output.weight", [dim, dim], t, weights(dim * dim, next(seed), t))
        w.add_tensor(p + "ffn_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))
        w.add_tensor(p + "ffn_gate.weight", [dim, ffn], t, weights(dim * ffn, next(seed), t))
        w.add_tensor(p + "ffn_down.weight", [ffn, dim], t, weights(dim * ffn, next(seed), t))
        w.add_tensor(p + "ffn_up.weight", [dim, ffn], t, weights(dim * ffn, next(seed), t))
    w.add_tensor("output_norm.weight", [dim], GGML_F32, weights(dim, 0, GGML_F32, 1.0))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer-json")
    ap.add_argument("--encoder")
    ap.add_argument("--merges")
    ap.add_argument("--pre", required=True, help="tokenizer.ggml.pre (llama-bpe, qwen2, gpt-2, ...)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="EMBODIOS BPE test vocabulary")
    ap.add_argument("--pad-to", type=int, default=0, help="vocabulary size (config.json vocab_size)")
    ap.add_argument("--bos")
    ap.add_argument("--eos")
    ap.add_argument("--pad")
    ap.add_argument("--arch", choices=("llama", "qwen2"), help="add tensors: a small random-weight model")
    ap.add_argument("--dim", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--ffn", type=int, default=128)
    ap.add_argument("--context", type=int, default=256)
    ap.add_argument("--type", choices=("f32", "f16"), default="f32")
    ap.add_argument("--eog-bias", help="token text that becomes the greedy argmax at every position (EOG tests)")
    args = ap.parse_args()
    if args.tokenizer_json:
        vocab, added, merges, cfg = load_hf(args.tokenizer_json)
    elif args.encoder and args.merges:
        vocab, added, merges, cfg = load_gpt2(args.encoder, args.merges)
    else:
        sys.exit("mkbpemodel: give --tokenizer-json, or --encoder and --merges")
    tokens, types = token_table(vocab, added, args.pad_to)
    ids = {t: i for i, t in enumerate(tokens)}

    arch = args.arch or "llama"
    w = GGUFWriter(3)
    w.add("general.architecture", STRING, arch)
    w.add("general.name", STRING, args.name)
    w.add("general.alignment", U32, ALIGNMENT)
    if args.arch:
        w.add("general.file_type", U32, 0 if args.type == "f32" else 1)
        w.add(f"{arch}.context_length", U32, args.context)
        w.add(f"{arch}.embedding_length", U32, args.dim)
        w.add(f"{arch}.block_count", U32, args.layers)
        w.add(f"{arch}.feed_forward_length", U32, args.ffn)
        w.add(f"{arch}.attention.head_count", U32, args.heads)
        w.add(f"{arch}.attention.head_count_kv", U32, args.kv_heads)
        w.add(f"{arch}.rope.freq_base", F32, 1000000.0 if arch == "qwen2" else 500000.0)
        w.add(f"{arch}.attention.layer_norm_rms_epsilon", F32, 1e-6 if arch == "qwen2" else 1e-5)
        w.add(f"{arch}.vocab_size", U32, len(tokens))
    w.add("tokenizer.ggml.model", STRING, "gpt2")
    w.add("tokenizer.ggml.pre", STRING, args.pre)
    w.add("tokenizer.ggml.tokens", ARRAY, tokens, STRING)
    w.add("tokenizer.ggml.token_type", ARRAY, types, I32)
    w.add("tokenizer.ggml.merges", ARRAY, merges, STRING)
    for key, text in (("bos", args.bos or tok_name(cfg, "bos_token")), ("eos", args.eos or tok_name(cfg, "eos_token")),
                      ("padding", args.pad or tok_name(cfg, "pad_token"))):
        if text is not None:
            if text not in ids:
                sys.exit(f"mkbpemodel: {key} token {text!r} is not in the vocabulary")
            w.add(f"tokenizer.ggml.{key}_token_id", U32, ids[text])
    for key in ("add_bos_token", "add_eos_token"):
        if isinstance(cfg.get(key), bool):
            w.add(f"tokenizer.ggml.{key}", BOOL, cfg[key])
    if args.eog_bias is not None and args.eog_bias not in ids:
        sys.exit(f"mkbpemodel: --eog-bias token {args.eog_bias!r} is not in the vocabulary")
    if args.arch:
        model_tensors(w, args, len(tokens), ids.get(args.eog_bias) if args.eog_bias is not None else None)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    w.write(args.out)
    counts = {k: types.count(v) for k, v in (("control", CONTROL), ("user-defined", USER_DEFINED), ("unused", UNUSED))}
    print(f"mkbpemodel: wrote {args.out} ({os.path.getsize(args.out)} bytes, {len(tokens)} tokens, {len(merges)} merges, "
          f"pre {args.pre}, {counts}, {len(w.tensors)} tensors)")


if __name__ == "__main__":
    main()
