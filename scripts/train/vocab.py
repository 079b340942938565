#!/usr/bin/env python3
"""Cuts LLaMA's 32000-piece SentencePiece vocabulary to N pieces, keeping
<unk> <s> </s> (ids 0-2) and the 256 byte-fallback pieces <0x00>..<0xFF>
(ids 3-258) so any text still encodes. Pieces keep their text, score and
type, and their relative order, so the cut vocabulary is a SentencePiece
vocabulary like the original and the same merge rule (highest-scoring
adjacent pair) applies to it.

  vocab.py --tokenizer tokenizer.model --size 4096 --out vocab.gguf          (--cut first)
  vocab.py --tokenizer tokenizer.model --cut corpus --counts train.full.u16 --size 4096 --out vocab.gguf

--cut first (the default, and the shipped model's): LLaMA's first N ids. Its
pieces after the bytes are in SentencePiece's own priority order (score 0,
-1, -2, ...), so the merge paths of all but 7 of the first 4096 run through
kept pieces (those 7 are never emitted), and the cut does not depend on the
corpus. It is also the plain reading of "LLaMA's vocabulary cut to 4,096
pieces" in issue 11, whose 3.32 nats/token feasibility figure the 3.1 target
is set against. On the held-out text: 3.23 bytes/token.

--cut corpus: the N pieces the training text uses most (--counts: the text
tokenized with the full vocabulary by scripts/train/tok docs), each with the
intermediate pieces its merge path needs (e.g. "▁th" on the way to "▁the",
which the counts never see): denser, 3.99 bytes/token on the held-out text
(docs/TRAINING.md weighs the two).
"""
import argparse
import array
import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import ggufout  # noqa: E402

N_FIXED = 259  # <unk> <s> </s> + 256 bytes


def counts_of(path):
    a = array.array("H")
    with open(path, "rb") as f:
        a.frombytes(f.read())
    return collections.Counter(a)


def merge_path(text, score):
    """The pieces SentencePiece's merge rule (llama.cpp's: merge the adjacent
    pair with the highest score whose concatenation is a piece, leftmost
    first) creates on the way to tokenizing text with the full vocabulary."""
    syms = list(text.decode("utf-8"))
    made = []
    while len(syms) > 1:
        best = None
        for j in range(len(syms) - 1):
            s = score.get((syms[j] + syms[j + 1]).encode("utf-8"))
            if s is not None and (best is None or s > best[0]):
                best = (s, j)
        if best is None:
            break
        j = best[1]
        syms[j:j + 2] = [syms[j] + syms[j + 1]]
        made.append(syms[j].encode("utf-8"))
    return made


def closure_select(pieces, rank, n):
    """The n most frequent pieces, each with the intermediate pieces its merge
    path needs (without them the cut tokenizer could never produce it)."""
    score = {p[0]: p[1] for p in pieces if p[2] == 1}
    index = {p[0]: i for i, p in enumerate(pieces)}
    keep = set()
    for i in rank:
        if i in keep:
            continue
        need = [index[t] for t in merge_path(pieces[i][0], score) if t in index]
        need = [j for j in dict.fromkeys(need + [i]) if j not in keep and j >= N_FIXED]
        if len(keep) + len(need) > n:
            continue
        keep.update(need)
        if len(keep) == n:
            break
    return keep


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--cut", choices=("first", "corpus"), default="first")
    ap.add_argument("--counts", help="for --cut corpus")
    ap.add_argument("--size", type=int, default=4096)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    pieces, prefix = ggufout.read_pieces(args.tokenizer)
    fixed = list(range(N_FIXED))
    if [p[2] for p in pieces[3:N_FIXED]] != [6] * 256 or pieces[1][0] != b"<s>":
        sys.exit("vocab: unexpected layout of the SentencePiece model")
    if args.cut == "first":
        kept = list(range(args.size))
    else:
        if not args.counts:
            sys.exit("vocab: --cut corpus needs --counts")
        c = counts_of(args.counts)
        rank = sorted((i for i in range(N_FIXED, len(pieces)) if c[i] > 0), key=lambda i: (-c[i], i))
        kept = fixed + sorted(closure_select(pieces, rank, args.size - N_FIXED))
    cut, _ = ggufout.cut_pieces(pieces, kept)
    ggufout.write(ggufout.new_writer(cut, prefix, None, "austen vocabulary"), args.out)
    print(f"vocab: {len(cut)} pieces ({args.cut} cut) -> {args.out}")


if __name__ == "__main__":
    main()
