#!/usr/bin/env python3
"""Trains the Austen llama (scripts/train/model.py) on token files written by
scripts/train/tok (uint16, documents framed BOS ... EOS).

  train.py --train train.u16 --val val.u16 --out ckpt.pt [--steps N] ...

Deterministic for a given command line: fixed seed, fixed window order,
one thread (torch.set_num_threads(1)). Batches are random windows of ctx+1
tokens of the training stream. The loss ignores targets that are BOS (BOS
always follows EOS, so predicting it is free and would flatter the loss).
Validation: the whole held-out stream cut into consecutive ctx-token
windows, the mean loss over all non-BOS targets. Learning rate: linear warmup
then cosine decay to lr_min. Logs step, train loss, validation loss, lr and
elapsed time to --log (TSV).
"""
import argparse
import json
import math
import os
import sys
import time

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Llama  # noqa: E402

BOS = 1


def load_u16(path):
    import array
    a = array.array("H")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return torch.tensor(a, dtype=torch.int64)


def masked_loss(logits, targets):
    t = targets.reshape(-1).clone()
    t[t == BOS] = -100
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t, ignore_index=-100)


@torch.no_grad()
def evaluate(model, val, ctx, batch=16):
    model.eval()
    n = (len(val) - 1) // ctx
    tot, cnt = 0.0, 0
    for i in range(0, n, batch):
        idx = [j * ctx for j in range(i, min(n, i + batch))]
        x = torch.stack([val[j:j + ctx] for j in idx])
        y = torch.stack([val[j + 1:j + ctx + 1] for j in idx])
        logits = model(x)
        t = y.reshape(-1).clone()
        t[t == BOS] = -100
        tot += F.cross_entropy(logits.reshape(-1, logits.shape[-1]), t, ignore_index=-100,
                               reduction="sum").item()
        cnt += int((t != -100).sum())
    model.train()
    return tot / cnt


def lr_at(step, args):
    if step < args.warmup:
        return args.lr * (step + 1) / args.warmup
    p = (step - args.warmup) / max(1, args.steps - args.warmup)
    return args.lr_min + 0.5 * (args.lr - args.lr_min) * (1 + math.cos(math.pi * min(1.0, p)))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--train", required=True)
    ap.add_argument("--val", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--log")
    ap.add_argument("--vocab", type=int, default=4096)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=6)
    ap.add_argument("--heads", type=int, default=8)
    ap.add_argument("--ffn", type=int, default=704)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--dropout", type=float, default=0.0)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--steps", type=int, default=2000)
    ap.add_argument("--warmup", type=int, default=100)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--lr-min", type=float, default=1e-4)
    ap.add_argument("--wd", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--eval-every", type=int, default=250)
    ap.add_argument("--val-limit", type=int, default=0, help="evaluate on the first N tokens (0: all)")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.manual_seed(args.seed)
    hp = dict(vocab=args.vocab, dim=args.dim, layers=args.layers, heads=args.heads, kv_heads=args.heads,
              ffn=args.ffn, ctx=args.ctx, eps=1e-5, rope_base=10000.0, dropout=args.dropout)
    train, val = load_u16(args.train), load_u16(args.val)
    if args.val_limit:
        val = val[:args.val_limit]
    if int(train.max()) >= args.vocab or int(val.max()) >= args.vocab:
        sys.exit("train: token id beyond --vocab")
    model = Llama(hp)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": args.wd},
                             {"params": other, "weight_decay": 0.0}], lr=args.lr, betas=(0.9, 0.95))
    gen = torch.Generator().manual_seed(args.seed)
    print(f"train: {model.n_params()} parameters, {len(train)} train / {len(val)} validation tokens, "
          f"{args.steps} steps x {args.batch} x {args.ctx} = {args.steps * args.batch * args.ctx} tokens "
          f"({args.steps * args.batch * args.ctx / len(train):.2f} epochs)", flush=True)
    log = open(args.log, "w") if args.log else None
    if log:
        log.write("step\ttrain_loss\tval_loss\tlr\tseconds\n")
    t0, run = time.time(), None
    for step in range(args.steps + 1):
        last = step == args.steps
        if step % args.eval_every == 0 or last:
            v = evaluate(model, val, args.ctx)
            el = time.time() - t0
            print(f"step {step:5d}  train {run if run is not None else float('nan'):.4f}  val {v:.4f}  "
                  f"lr {lr_at(step, args):.2e}  {el:7.1f}s", flush=True)
            if log:
                log.write(f"{step}\t{run if run is not None else float('nan'):.4f}\t{v:.4f}\t"
                          f"{lr_at(step, args):.3e}\t{el:.1f}\n")
                log.flush()
            torch.save({"hp": hp, "model": model.state_dict(), "step": step, "val_loss": v,
                        "args": vars(args)}, args.out)
        if last:
            break
        for g in opt.param_groups:
            g["lr"] = lr_at(step, args)
        starts = torch.randint(0, len(train) - args.ctx - 1, (args.batch,), generator=gen)
        x = torch.stack([train[s:s + args.ctx] for s in starts.tolist()])
        y = torch.stack([train[s + 1:s + args.ctx + 1] for s in starts.tolist()])
        loss = masked_loss(model(x), y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run = loss.item() if run is None else 0.95 * run + 0.05 * loss.item()
    print(f"train: done in {time.time() - t0:.0f} s; final validation loss {v:.4f}")
    with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
        json.dump({"hp": hp, "args": vars(args), "val_loss": v, "seconds": round(time.time() - t0)}, f, indent=1)


if __name__ == "__main__":
    main()
