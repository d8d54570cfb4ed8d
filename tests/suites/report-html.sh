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
# The lists of users not migrated yet and of dry runs only are on the page too: the first 200
# rows of each, and a line with the count of the rest.
python3 - "$work/r.html" <<'PY' || fail "a state's list is missing or not cut at 200 rows"
import re, sys
s = open(sys.argv[1], encoding='utf-8').read()
for title in ('Not migrated yet', 'Dry run only'):
    m = re.search(r'<h2>' + title + r' <span class=count>(\d+)</span></h2>\n<table>(.*?)</table>\n(<p class=muted>(\d+) more)?', s, re.S)
    assert m, title + ': no list'
    total, rows = int(m.group(1)), m.group(2).count('<tr><td>')
    assert total > 0 and rows == min(total, 200), (title, total, rows)
    assert (total - rows == int(m.group(4))) if total > 200 else not m.group(3), (title, total, m.group(3))
PY

# 70 days of updates, up to 5-digit totals a day: the per-day chart's y axis steps by a round
# number and no two of its value labels (or date labels) overlap, measured in Chromium.
mkdir -p "$work/days"
python3 - "$work/days" <<'PY'
import datetime, random, sys
random.seed(13)
d0 = datetime.date(2026, 9, 1)
for u in range(25):
    user, pc = 'user%02d' % u, 'PC%02d' % u
    with open('%s/%s_%s.log' % (sys.argv[1], pc, user), 'w') as f:
        for day in range(70):
            ts = (d0 + datetime.timedelta(days=day)).isoformat()
            run = '%s-%d' % (ts, u)
            n = random.randint(20, 600)
            f.write('%sT08:00:00Z run=%s event=run.start user=%s computer=%s mode=update\n' % (ts, run, user, pc))
            f.write('%sT08:00:01Z run=%s event=mailbox profile=Outlook state=updated\n' % (ts, run))
            f.write('%sT08:00:02Z run=%s event=run.end result=ok exit=0 updated=%d\n' % (ts, run, n))
PY
"$bin" report "$work/days" --html "$work/days.html" >/dev/null
{
  cat "$work/days.html"
  cat <<'JS'
<script>
const svg = document.querySelectorAll('svg.chart')[1];
const box = t => t.getBoundingClientRect();
const hit = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
function overlaps(list) {
  let n = 0;
  for (let i = 0; i < list.length; i++)
    for (let j = i + 1; j < list.length; j++)
      if (hit(list[i], list[j])) n++;
  return n;
}
const vals = [...svg.querySelectorAll('text.val2')].map(box);
const dates = [...svg.querySelectorAll('text.axis[transform]')].map(box);
const ticks = [...svg.querySelectorAll('text.axis:not([transform])')].map(t => t.textContent);
const bars = svg.querySelectorAll('rect').length;
document.body.insertAdjacentHTML('beforeend', '<pre id=result>' + JSON.stringify(
  {bars, labels: vals.length, overlaps: overlaps(vals.concat(dates)), ticks}) + '</pre>');
</script>
JS
} >"$work/days-probe.html"
HOME="$work" timeout 120 chromium --headless --no-sandbox --disable-gpu --dump-dom \
  "file://$work/days-probe.html" >"$work/days-dom.html" 2>/dev/null || fail "chromium failed (days)"
python3 - "$work/days-dom.html" <<'PY' || fail "per-day chart: ticks not round or labels overlap"
import json, re, sys
m = re.search(r'<pre id="result">(.*?)</pre>', open(sys.argv[1], encoding='utf-8').read())
assert m, 'no measurement'
r = json.loads(m.group(1).replace('&quot;', '"'))
print('per-day chart:', r)
assert r['bars'] == 60, r
assert r['overlaps'] == 0, r
assert 10 <= r['labels'] < 60, r
ticks = [int(t.replace(',', '')) for t in r['ticks']]
step = ticks[1] - ticks[0]
assert ticks[0] == 0 and all(b - a == step for a, b in zip(ticks, ticks[1:])), ticks
m = step
while m % 10 == 0:
    m //= 10
assert m in (1, 2, 25, 5), ticks
assert 3 <= len(ticks) - 1 <= 5, ticks
PY
echo ok
