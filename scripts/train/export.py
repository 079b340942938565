#!/usr/bin/env python3
"""Exports a checkpoint of scripts/train/train.py to a llama GGUF that
llama.cpp (and the EMBODIOS kernel) load, with the cut vocabulary.

  export.py --ckpt austen.pt --vocab vocab.gguf-source tokenizer.model
            --keep-from vocab.gguf --out model.gguf [--type f32|f16]

The vocabulary is taken from the vocabulary GGUF that tokenized the corpus
(scripts/train/vocab.py), read back with the kernel-compatible reader below,
so the exported ids are the training ids. Tensors (GGUF ne0 = the fastest
dimension = PyTorch's last): token_embd [dim, vocab] (also the classifier:
no output.weight), per block attn_norm, attn_q/k/v/output, ffn_norm,
ffn_gate/up/down, then output_norm. Norm weights stay F32 in every type
(llama.cpp does the same); --type applies to the matrices.
"""
import argparse
import os
import struct
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ggufout  # noqa: E402
import ggufread  # noqa: E402


def tensors(sd, hp):
    yield "token_embd.weight", sd["tok.weight"]
    for i in range(hp["layers"]):
        p, q = f"blk.{i}.", f"blocks.{i}."
        yield p + "attn_norm.weight", sd[q + "attn_norm.weight"]
        yield p + "attn_q.weight", sd[q + "wq.weight"]
        yield p + "attn_k.weight", sd[q + "wk.weight"]
        yield p + "attn_v.weight", sd[q + "wv.weight"]
        yield p + "attn_output.weight", sd[q + "wo.weight"]
        yield p + "ffn_norm.weight", sd[q + "ffn_norm.weight"]
        yield p + "ffn_gate.weight", sd[q + "w_gate.weight"]
        yield p + "ffn_down.weight", sd[q + "w_down.weight"]
        yield p + "ffn_up.weight", sd[q + "w_up.weight"]
    yield "output_norm.weight", sd["norm.weight"]


def export(ckpt_path, vocab_gguf, out, ttype="f32", name="austen"):
    ck = torch.load(ckpt_path, map_location="cpu")
    hp, sd = ck["hp"], ck["model"]
    v = ggufread.read(vocab_gguf)
    pieces = list(zip(v.kv["tokenizer.ggml.tokens"], v.kv["tokenizer.ggml.scores"],
                      v.kv["tokenizer.ggml.token_type"]))
    if len(pieces) != hp["vocab"]:
        sys.exit(f"export: vocabulary has {len(pieces)} pieces, the model {hp['vocab']}")
    gtype = ggufout.GGML_F32 if ttype == "f32" else ggufout.GGML_F16
    w = ggufout.new_writer(pieces, bool(v.kv.get("tokenizer.ggml.add_space_prefix", True)), hp, name,
                           ggufout.FILE_TYPE[gtype])
    for tname, t in tensors(sd, hp):
        t = t.detach().float().contiguous()
        dims = list(reversed(t.shape))            # GGUF lists ne0 (the last PyTorch dim) first
        if t.dim() == 1 or gtype == ggufout.GGML_F32:
            w.add_tensor(tname, dims, ggufout.GGML_F32, t.numpy().astype("<f4").tobytes())
        else:
            w.add_tensor(tname, dims, ggufout.GGML_F16, t.numpy().astype("<f2").tobytes())
    ggufout.write(w, out)
    return hp


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True, help="the vocabulary GGUF (scripts/train/vocab.py)")
    ap.add_argument("--out", required=True)
    ap.add_argument("--type", choices=("f32", "f16"), default="f32")
    ap.add_argument("--name", default="austen")
    args = ap.parse_args()
    hp = export(args.ckpt, args.vocab, args.out, args.type, args.name)
    print(f"export: {args.out} ({os.path.getsize(args.out)} bytes, {args.type}, dim {hp['dim']}, "
          f"{hp['layers']} layers, vocab {hp['vocab']})")


if __name__ == "__main__":
    main()
