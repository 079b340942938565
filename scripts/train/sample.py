#!/usr/bin/env python3
"""Samples text from a checkpoint of scripts/train/train.py, with the
settings proposed as `generate`'s defaults, so the documented samples are
what those settings give.

  sample.py --ckpt austen.pt --vocab vocab.gguf --tok build/train/tok
            [--temp 0.8] [--top-k 40] [--top-p 0.95] [--min-p 0.05] [--repeat-penalty 1.1]
            [--repeat-last 64] [--n 80] [--seed 1] PROMPT...

Order of the sampler (llama.cpp's common chain, as the kernel's sampler):
repeat penalty on the logits of the distinct ids among the last
--repeat-last (positive logits divided, negative multiplied), top-k, top-p
(smallest set with that much probability), min-p (drop tokens below min_p
times the best probability), then temperature and a draw. --temp 0 is
greedy. Stops at EOS.
"""
import argparse
import math
import os
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ggufread  # noqa: E402
from model import load_checkpoint  # noqa: E402


def decode(pieces, ids):
    out = bytearray()
    for i in ids:
        p = pieces[i]
        if p.startswith(b"<0x") and len(p) == 6:
            out.append(int(p[3:5], 16))
        elif p in (b"<s>", b"</s>", b"<unk>"):
            continue
        else:
            out += p.replace("\u2581".encode(), b" ")
    return out.decode("utf-8", "replace")


def sample(model, ids, n, temp, top_k, top_p, min_p, rep, rep_last, gen, eos=2):
    """llama.cpp's default chain order (and the kernel sampler's): repeat
    penalty over the distinct ids among the last rep_last, top-k, top-p and
    min-p on the untempered distribution, then temperature and a draw."""
    out = []
    ctx = model.hp["ctx"]
    for _ in range(n):
        with torch.no_grad():
            logits = model(torch.tensor([ids[-ctx:]]))[0, -1].double()
        if rep != 1.0:
            for t in set(ids[-rep_last:]):
                logits[t] = logits[t] / rep if logits[t] > 0 else logits[t] * rep
        if temp <= 0:
            nxt = int(logits.argmax())
        else:
            lv, li = logits.sort(descending=True)
            k = top_k if top_k > 0 else len(lv)
            lv, li = lv[:k], li[:k]
            if top_p < 1.0:
                p = torch.softmax(lv, -1)
                cut = int(((p.cumsum(0) - p) < top_p).sum())
                lv, li = lv[:cut], li[:cut]
            if min_p > 0:
                keep = max(1, int((lv >= lv[0] + math.log(min_p)).sum()))
                lv, li = lv[:keep], li[:keep]
            p = torch.softmax(lv / temp, -1)
            nxt = int(li[int(torch.multinomial(p, 1, generator=gen))])
        if nxt == eos:
            break
        ids.append(nxt)
        out.append(nxt)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", required=True)
    ap.add_argument("--vocab", required=True)
    ap.add_argument("--tok", required=True)
    ap.add_argument("--temp", type=float, default=0.8)
    ap.add_argument("--top-k", type=int, default=40)
    ap.add_argument("--top-p", type=float, default=0.95)
    ap.add_argument("--min-p", type=float, default=0.05)
    ap.add_argument("--repeat-penalty", type=float, default=1.1)
    ap.add_argument("--repeat-last", type=int, default=64)
    ap.add_argument("--n", type=int, default=80)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("prompt", nargs="+")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, _ = load_checkpoint(args.ckpt)
    pieces = ggufread.read(args.vocab).kv["tokenizer.ggml.tokens"]
    gen = torch.Generator().manual_seed(args.seed)
    for prompt in args.prompt:
        ids = [int(x) for x in subprocess.run([args.tok, args.vocab, "ids", prompt], check=True,
                                              capture_output=True, text=True).stdout.split()]
        out = sample(model, ids, args.n, args.temp, args.top_k, args.top_p, args.min_p, args.repeat_penalty,
                     args.repeat_last, gen)
        print(f"{prompt}|{decode(pieces, out)}\n")


if __name__ == "__main__":
    main()
