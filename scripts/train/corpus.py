#!/usr/bin/env python3
"""Jane Austen's six novels from Debian's r-cran-janeaustenr as plain text.

  corpus.py --pkg-root DIR --out-dir DIR [--val-frac 0.05]

DIR is where `dpkg -x r-cran-janeaustenr_*.deb` unpacked the package. Writes
train.txt and val.txt: one paragraph per line (the wrapped lines of a
paragraph joined with spaces). Cleaning: the title pages before the first
chapter and the back matter after "Finis"/"THE END"/"A NOTE ON THE TEXT" are
dropped, as are chapter and volume headings; the _italics_ underscores and
footnote asterisks of the Gutenberg text are removed; runs of spaces become
one. The held-out validation slice is the last --val-frac of each novel's
paragraphs (by characters): fixed, so every run is measured on the same text.
"""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import rdata  # noqa: E402

NOVELS = ("sensesensibility", "prideprejudice", "mansfieldpark", "emma",
          "northangerabbey", "persuasion")
HEADING = re.compile(r"^(chapter|volume)\s+[0-9ivxlc]+\.?$", re.I)
END = re.compile(r"^(finis|the end|a note on the text)\.?$", re.I)
DATA = "usr/lib/R/site-library/janeaustenr/data"


def paragraphs(lines):
    """The novel's paragraphs, cleaned, between the first chapter and the end."""
    out, cur, started = [], [], False

    def flush():
        if cur:
            text = re.sub(r"\s+", " ", " ".join(cur)).strip()
            text = text.replace("_", "").replace("*", "")
            if text:
                out.append(text)
            cur.clear()

    for line in lines + [""]:
        line = (line or "").strip()
        if not line:
            flush()
            continue
        if END.match(line):
            break
        if HEADING.match(line):
            flush()
            started = True
            continue
        if started:
            cur.append(line)
    flush()
    return out


def split(paras, val_frac):
    total = sum(len(p) for p in paras)
    acc, cut = 0, len(paras)
    while cut > 0 and acc + len(paras[cut - 1]) <= total * val_frac:
        cut -= 1
        acc += len(paras[cut])
    return paras[:cut], paras[cut:]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pkg-root", required=True)
    ap.add_argument("--out-dir", required=True)
    ap.add_argument("--val-frac", type=float, default=0.05)
    args = ap.parse_args()
    d = os.path.join(args.pkg_root, DATA)
    db = rdata.lazyload_db(os.path.join(d, "Rdata.rdx"), os.path.join(d, "Rdata.rdb"))
    train, val = [], []
    for name in NOVELS:
        obj = db.get(name)
        if obj is None or obj.type != rdata.STRSXP:
            sys.exit(f"corpus: {name} is missing or not a character vector")
        paras = paragraphs(obj.value)
        t, v = split(paras, args.val_frac)
        print(f"corpus: {name}: {len(obj.value)} lines -> {len(paras)} paragraphs, "
              f"{sum(map(len, t))} train + {sum(map(len, v))} validation characters")
        train += t
        val += v
    os.makedirs(args.out_dir, exist_ok=True)
    for fname, paras in (("train.txt", train), ("val.txt", val)):
        with open(os.path.join(args.out_dir, fname), "w", encoding="utf-8") as f:
            f.write("\n".join(paras) + "\n")
    print(f"corpus: {len(train)} train, {len(val)} validation paragraphs in {args.out_dir}")


if __name__ == "__main__":
    main()
