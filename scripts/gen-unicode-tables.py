#!/usr/bin/env python3
"""Generates kernel/model/unicode_tables.c: the character classes the
byte-level BPE pre-tokenizers need (\\p{L}, \\p{N}, \\p{P}, \\p{S}, \\p{M},
\\p{Z}, controls, unassigned, and \\s), as a compact table of ranges.

Input: Debian's unicode-data package (apt-get install unicode-data), i.e.
/usr/share/unicode/UnicodeData.txt and PropList.txt. Debian 12 ships Unicode
15.0.0. llama.cpp's tables (src/unicode-data.cpp) are Unicode 15.1, which
assigned 627 more code points and changed no existing category; those are
added below (UNICODE_15_1_ADDITIONS) so the kernel classifies every code
point as llama.cpp does. `--compare path/to/unicode-data.cpp` checks that
claim against llama.cpp's table and prints every difference.

Standard library only (Debian 12's python3). The output is committed, so
the build does not need the package.

usage: python3 scripts/gen-unicode-tables.py [--ucd DIR] [--out FILE] [--compare FILE] [--no-15.1]
"""
import argparse
import os
import re
import sys

MAX_CP = 0x110000

# Category bits, as in kernel/model/unicode_class.h (the same grouping as
# llama.cpp's flags: one bit per major category, unassigned separately).
UNDEFINED, NUMBER, LETTER, SEPARATOR, MARK, PUNCT, SYMBOL, CONTROL = 1, 2, 4, 8, 16, 32, 64, 128
MAJOR = {"L": LETTER, "N": NUMBER, "Z": SEPARATOR, "M": MARK, "P": PUNCT, "S": SYMBOL, "C": CONTROL}

# Unicode 15.1 (September 2023) added these and nothing else changed category:
# CJK Unified Ideographs Extension I, four Ideographic Description Characters
# and one CJK stroke.
UNICODE_15_1_ADDITIONS = [
    (0x2EBF0, 0x2EE5D, "Lo"),
    (0x2FFC, 0x2FFF, "So"),
    (0x31EF, 0x31EF, "So"),
]


def category_bits(gc):
    if gc == "Cn":
        return UNDEFINED
    return MAJOR[gc[0]]


def read_categories(path):
    """One category string per code point ("Cn" where unassigned)."""
    cats = ["Cn"] * MAX_CP
    first = None
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.rstrip("\n").split(";")
            if len(fields) < 3:
                continue
            cp, name, gc = int(fields[0], 16), fields[1], fields[2]
            if name.endswith(", First>"):
                first = cp
                continue
            if name.endswith(", Last>"):
                for c in range(first, cp + 1):
                    cats[c] = gc
                first = None
                continue
            cats[cp] = gc
    return cats


def read_whitespace(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#")[0].strip()
            if not line:
                continue
            rng, prop = [x.strip() for x in line.split(";")]
            if prop != "White_Space":
                continue
            lo, _, hi = rng.partition("..")
            out.extend(range(int(lo, 16), int(hi or lo, 16) + 1))
    return sorted(out)


def check_lowercase(path):
    """The contraction rule of the llama3/qwen2 pre-tokenizers lowercases one
    character and compares it with s t m d r e v l: the kernel lowercases
    ASCII only. That is exact if no other code point lowercases to an ASCII
    letter used there; check it."""
    with open(path, encoding="utf-8") as f:
        for line in f:
            fields = line.split(";")
            if len(fields) > 13 and fields[13]:
                cp, lower = int(fields[0], 16), int(fields[13], 16)
                if cp >= 0x80 and lower < 0x80 and chr(lower) in "stmdrevl":
                    sys.exit(f"gen-unicode-tables: U+{cp:04X} lowercases to {chr(lower)!r}: ASCII-only lowercase is wrong")


def ranges_of(flags):
    starts, vals = [], []
    prev = None
    for cp, v in enumerate(flags):
        if v != prev:
            starts.append(cp)
            vals.append(v)
            prev = v
    return starts, vals


def read_llama_table(path):
    """(start, flags) pairs of llama.cpp's unicode_ranges_flags, expanded."""
    text = open(path, encoding="utf-8").read()
    body = text.split("unicode_ranges_flags", 1)[1].split("};", 1)[0]
    pairs = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\{0x([0-9A-Fa-f]+), 0x([0-9A-Fa-f]+)\}", body)]
    flags = [0] * MAX_CP
    for (start, v), (end, _) in zip(pairs, pairs[1:]):
        for cp in range(start, min(end, MAX_CP)):
            flags[cp] = v & 0xFF
    ws_body = text.split("unicode_set_whitespace", 1)[1].split("};", 1)[0]
    ws = sorted(int(x, 16) for x in re.findall(r"0x([0-9A-Fa-f]+)", ws_body))
    return flags, ws


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ucd", default="/usr/share/unicode")
    ap.add_argument("--out", default="kernel/model/unicode_tables.c")
    ap.add_argument("--compare", help="llama.cpp's src/unicode-data.cpp: report differences")
    ap.add_argument("--no-15.1", dest="add151", action="store_false")
    args = ap.parse_args()
    data = os.path.join(args.ucd, "UnicodeData.txt")
    if not os.path.exists(data):
        sys.exit(f"gen-unicode-tables: {data} missing (apt-get install unicode-data)")
    version = "unknown"
    readme = os.path.join(args.ucd, "ReadMe.txt")
    if os.path.exists(readme):
        m = re.search(r"Version (\d+\.\d+\.\d+)", open(readme, encoding="utf-8").read())
        version = m.group(1) if m else version
    cats = read_categories(data)
    note = f"Unicode {version}"
    if args.add151:
        for lo, hi, gc in UNICODE_15_1_ADDITIONS:
            for cp in range(lo, hi + 1):
                if cats[cp] != "Cn":
                    sys.exit(f"gen-unicode-tables: U+{cp:04X} already assigned: the 15.1 additions do not apply to {version}")
                cats[cp] = gc
        note += " + the 627 code points of Unicode 15.1"
    check_lowercase(data)
    flags = [category_bits(gc) for gc in cats]
    ws = read_whitespace(os.path.join(args.ucd, "PropList.txt"))
    starts, vals = ranges_of(flags)

    if args.compare:
        lflags, lws = read_llama_table(args.compare)
        diff = [cp for cp in range(MAX_CP) if lflags[cp] != flags[cp]]
        print(f"gen-unicode-tables: {len(diff)} code points classified differently from {args.compare}")
        for cp in diff[:40]:
            print(f"  U+{cp:04X}: ours 0x{flags[cp]:02X}, llama.cpp 0x{lflags[cp]:02X} ({cats[cp]})")
        print(f"gen-unicode-tables: whitespace {'equal' if lws == ws else 'DIFFERENT'} ({len(ws)} code points)")

    lines = [
        "/* Generated by scripts/gen-unicode-tables.py from Debian's unicode-data",
        f" * ({note}). Do not edit: regenerate. Category bits of",
        " * every code point below U+110000 as ranges: range i covers",
        " * [unicode_range_start[i], unicode_range_start[i + 1]). */",
        '#include "model/unicode_class.h"',
        "",
        f"const unsigned unicode_range_count = {len(starts)};",
        "",
        f"const uint32_t unicode_range_start[{len(starts)}] = {{",
    ]
    for i in range(0, len(starts), 8):
        lines.append("    " + " ".join(f"0x{s:05X}," for s in starts[i:i + 8]))
    lines += ["};", "", f"const uint8_t unicode_range_flags[{len(vals)}] = {{"]
    for i in range(0, len(vals), 16):
        lines.append("    " + " ".join(f"0x{v:02X}," for v in vals[i:i + 16]))
    lines += ["};", "", "/* PropList.txt White_Space: what \\s matches. */",
              f"const unsigned unicode_whitespace_count = {len(ws)};",
              f"const uint32_t unicode_whitespace[{len(ws)}] = {{"]
    for i in range(0, len(ws), 8):
        lines.append("    " + " ".join(f"0x{c:04X}," for c in ws[i:i + 8]))
    lines += ["};", ""]
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
    print(f"gen-unicode-tables: wrote {args.out} ({len(starts)} ranges, {len(ws)} whitespace, {note})")


if __name__ == "__main__":
    main()
