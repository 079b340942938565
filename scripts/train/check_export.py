#!/usr/bin/env python3
"""Checks that llama.cpp runs an exported GGUF as PyTorch runs the
checkpoint: teacher-forced logits of a token sequence from both, max
absolute difference printed and compared with --tol.

  check_export.py --ckpt austen.pt --gguf model.gguf --tokens val.u16
                  --check build/train/llama_check --lib LIBDIR [--n 128] [--tol 5e-5]
"""
import argparse
import array
import os
import subprocess
import sys
import tempfile

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import load_checkpoint  # noqa: E402


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--gguf", required=True)
    ap.add_argument("--tokens", required=True)
    ap.add_argument("--check", required=True)
    ap.add_argument("--lib", required=True)
    ap.add_argument("--n", type=int, default=128)
    ap.add_argument("--start", type=int, default=0)
    ap.add_argument("--tol", type=float, default=5e-5)
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, _ = load_checkpoint(args.ckpt)
    a = array.array("H")
    with open(args.tokens, "rb") as f:
        a.frombytes(f.read())
    ids = [1] + list(a[args.start:args.start + args.n - 1])
    with torch.no_grad():
        ref = model(torch.tensor([ids]))[0]
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "l.f32")
        subprocess.run([args.check, args.lib, "logits", args.gguf, " ".join(map(str, ids)), out],
                       check=True, capture_output=True)
        got = array.array("f")
        with open(out, "rb") as f:
            got.frombytes(f.read())
    got = torch.tensor(got).view(len(ids), -1)
    diff = (got - ref).abs().max().item()
    same = int((got.argmax(-1) == ref.argmax(-1)).sum())
    print(f"check_export: {len(ids)} positions, max |llama.cpp - PyTorch| = {diff:.3g} "
          f"(max |logit| {ref.abs().max().item():.3g}), argmax agrees at {same}/{len(ids)}")
    if diff > args.tol:
        print(f"check_export: FAIL (tolerance {args.tol})")
        sys.exit(1)
    print("check_export: ok")


if __name__ == "__main__":
    main()
