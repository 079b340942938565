#!/usr/bin/env python3
"""Writes a raw disk image whose every 8-byte word holds its own byte offset
(little-endian), so any misplaced byte is detectable. Standard library only.

Usage: mkpattern.py PATH SIZE_BYTES
The same pattern is what the kernel's blkstress command checks against."""
import array
import sys


def pattern(offset, length):
    """The pattern bytes for [offset, offset + length)."""
    first = offset & ~7
    words = array.array("Q", range(first, offset + length + 8, 8))
    if sys.byteorder != "little":
        words.byteswap()
    data = words.tobytes()
    return data[offset - first:offset - first + length]


def main():
    path, size = sys.argv[1], int(sys.argv[2])
    chunk = 8 << 20
    with open(path, "wb") as f:
        for off in range(0, size, chunk):
            f.write(pattern(off, min(chunk, size - off)))


if __name__ == "__main__":
    main()
