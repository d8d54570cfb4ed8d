#!/usr/bin/env bash
# The HTML report renders in a real browser: headless Chromium takes a screenshot of a report
# over generated logs. Checks that the page and its inline SVG charts are well-formed, that it is
# self-contained (no external references), and that the screenshot is a full, non-blank page.
# Skipped (77) when Debian's chromium is not installed (scripts/deps.sh test installs it).
set -euo pipefail
command -v chromium >/dev/null 2>&1 || { echo "chromium not installed: skipped"; exit 77; }
command -v python3 >/dev/null 2>&1 || exit 77
bin="$PM_BINARY_DIR/profilemanager"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PM_BINARY_DIR/mklogs" "$work" 600
"$bin" report "$work/logs" --roster "$work/roster.csv" --html "$work/r.html" >/dev/null

python3 - "$work/r.html" <<'PY' || fail "HTML is not self-contained or an SVG is malformed"
import re, sys, xml.dom.minidom
s = open(sys.argv[1], encoding='utf-8').read()
svgs = re.findall(r'<svg.*?</svg>', s, re.S)
assert len(svgs) == 2, 'expected two charts'
for svg in svgs:
    xml.dom.minidom.parseString(svg)
assert not re.search(r'(src|href)=["\']?(https?:|//)', s), 'external reference'
assert '<script' not in s
PY

HOME="$work" timeout 120 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --screenshot="$work/shot.png" --window-size=1200,1600 "file://$work/r.html" >/dev/null 2>&1 ||
  fail "chromium failed"
[ -s "$work/shot.png" ] || fail "no screenshot"
python3 - "$work/shot.png" <<'PY' || fail "screenshot is blank or the wrong size"
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n'
w, h = struct.unpack('>II', d[16:24])
assert (w, h) == (1200, 1600), (w, h)
# Decode the image and count pixels of the chart colours: the bars must be drawn.
pos, idat = 8, b''
while pos < len(d):
    n, t = struct.unpack('>I4s', d[pos:pos + 8])
    if t == b'IDAT':
        idat += d[pos + 8:pos + 8 + n]
    pos += 12 + n
bpp = 4 if d[25] == 6 else 3
raw = zlib.decompress(idat)
stride = w * bpp
prev = bytearray(stride)
colours = {(0x2e, 0x7d, 0x32): 0, (0x15, 0x65, 0xc0): 0, (0xc6, 0x28, 0x28): 0}
for y in range(h):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    for i in range(stride):
        a = line[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if f == 1: line[i] = (line[i] + a) & 255
        elif f == 2: line[i] = (line[i] + b) & 255
        elif f == 3: line[i] = (line[i] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    if y % 4 == 0:
        for x in range(0, w, 2):
            k = tuple(line[x * bpp:x * bpp + 3])
            if k in colours:
                colours[k] += 1
    prev = line
assert all(v > 200 for v in colours.values()), colours
PY
echo ok
