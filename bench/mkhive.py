#!/usr/bin/env python3
"""Writes a registry hive (regf 1.3) with N sibling keys under Software\\Bench, each holding one
REG_DWORD "Value", for bench/regtree-bench.sh. hivex adds a key by writing its parent's whole
subkey list again, so a hive built key by key through it grows with the square of the siblings
(10^4 siblings: 420 MB); this writes the compact file Windows would: one cell per record, the
subkey lists split in lh lists of 512 under an ri index.

Usage: mkhive.py OUT.hive N
"""
import struct
import sys

out, n = sys.argv[1], int(sys.argv[2])
cells = bytearray()  # the hbin's cells; offsets are relative to the first hbin (0x1000)
HBIN_HEAD = 32


def alloc(data):
    """Appends a used cell holding data; returns its offset."""
    global cells
    off = HBIN_HEAD + len(cells)
    size = (4 + len(data) + 7) & ~7
    cells += struct.pack("<i", -size) + data + b"\0" * (size - 4 - len(data))
    return off


def patch(off, pos, fmt, *vals):
    """Writes into the record of the cell at off, pos bytes after its size field."""
    struct.pack_into(fmt, cells, off - HBIN_HEAD + 4 + pos, *vals)


NONE = 0xFFFFFFFF
sk = alloc(struct.pack("<2sHIIII", b"sk", 0, 0, 0, 0, 20) + struct.pack("<BBHIIII", 1, 0, 0x8000, 0, 0, 0, 0))
patch(sk, 4, "<II", sk, sk)


def nk(name, parent, flags=0x20):
    b = name.encode("ascii")
    rec = struct.pack("<2sHQIIIIIIIIIIIIIIIHH", b"nk", flags, 0, 0, parent, 0, 0, NONE, NONE, 0, NONE,
                      sk, NONE, 0, 0, 0, 0, 0, len(b), 0) + b
    return alloc(rec)


def set_kids(parent, kids, names):
    """kids: offsets of child nk records (sorted by name, as Windows keeps them)."""
    lists = []
    for i in range(0, len(kids), 512):
        chunk = list(zip(kids[i:i + 512], names[i:i + 512]))
        body = b"".join(struct.pack("<II", k, lh_hash(nm)) for k, nm in chunk)
        lists.append(alloc(struct.pack("<2sH", b"lh", len(chunk)) + body))
    if len(lists) == 1:
        top = lists[0]
    else:
        top = alloc(struct.pack("<2sH", b"ri", len(lists)) + b"".join(struct.pack("<I", l) for l in lists))
    patch(parent, 0x14, "<I", len(kids))  # number of subkeys
    patch(parent, 0x1C, "<I", top)        # subkey list
    patch(parent, 0x34, "<I", max(len(x) for x in names) * 2)  # longest subkey name


def lh_hash(name):
    h = 0
    for c in name.upper():
        h = (h * 37 + ord(c)) & 0xFFFFFFFF
    return h


def set_value(key, name, dword):
    b = name.encode("ascii")
    vk = alloc(struct.pack("<2sHIIIHH", b"vk", len(b), 0x80000004, dword, 4, 1, 0) + b)
    vl = alloc(struct.pack("<I", vk))
    patch(key, 0x24, "<II", 1, vl)  # number of values, value list
    patch(key, 0x3C, "<II", len(b) * 2, 4)  # longest value name, longest value data


root = nk("ROOT", 0, 0x2C)
software = nk("Software", root)
bench = nk("Bench", software)
set_kids(root, [software], ["Software"])
set_kids(software, [bench], ["Bench"])
names = [f"Key{i:06d}" for i in range(n)]
kids = []
for i, nm in enumerate(names):
    k = nk(nm, bench)
    set_value(k, "Value", i)
    kids.append(k)
set_kids(bench, kids, names)
patch(sk, 0xC, "<I", 3 + n)  # reference count: every key uses the one descriptor

# One hbin holding every cell, its tail one free cell.
size = (HBIN_HEAD + len(cells) + 8 + 0xFFF) & ~0xFFF
free = size - HBIN_HEAD - len(cells)
cells += struct.pack("<i", free) + b"\0" * (free - 4)
hbin = struct.pack("<4sIIQQI", b"hbin", 0, size, 0, 0, 0) + cells
head = bytearray(4096)
struct.pack_into("<4sIIQIIIIIII", head, 0, b"regf", 1, 1, 0, 1, 3, 0, 1, root, size, 1)
csum = 0
for i in range(0, 0x1FC, 4):
    csum ^= struct.unpack_from("<I", head, i)[0]
struct.pack_into("<I", head, 0x1FC, csum)
with open(out, "wb") as f:
    f.write(head + hbin)
