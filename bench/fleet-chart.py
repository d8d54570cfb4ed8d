#!/usr/bin/env python3
"""Draws the fleet benchmark's peak memory as an SVG chart (no dependency beyond Python 3): one
line per tool (report, puf check, puf build) over the fleet size, both axes logarithmic, the
figures of an older build ("before") dashed when the results have them, each goal a ring.

Usage: fleet-chart.py RESULTS.tsv OUT.svg
RESULTS.tsv: "tool count series seconds peak_KiB goal_MiB" lines (bench/fleet-bench.sh).
"""
import math
import sys

rows = []
for line in open(sys.argv[1], encoding="utf-8"):
    f = line.rstrip("\n").split("\t")
    if len(f) == 6:
        rows.append((f[0], int(f[1]), f[2], float(f[3]), int(f[4]) / 1024, f[5]))
tools = [("report", "report (logs)", "#1565c0"), ("puf-check", "puf check (PUF lines)", "#2e7d32"),
         ("puf-build", "puf build (export rows)", "#c62828")]

W, H, L, R, T, B = 800, 440, 70, 250, 40, 60
xs = [r[1] for r in rows] or [10000, 1000000]
ys = [r[4] for r in rows] + [float(r[5]) for r in rows if r[5]]
x0, x1 = 10 ** math.floor(math.log10(min(xs))), 10 ** math.ceil(math.log10(max(xs)))
if x1 == x0:
    x1 = x0 * 10
y0, y1 = 2 ** math.floor(math.log2(max(min(ys), 1))), 2 ** math.ceil(math.log2(max(ys) * 1.05))


def px(x):
    return L + (W - L - R) * (math.log10(x) - math.log10(x0)) / (math.log10(x1) - math.log10(x0))


def py(y):
    return H - B - (H - T - B) * (math.log2(y) - math.log2(y0)) / (math.log2(y1) - math.log2(y0))


out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" viewBox="0 0 {W} {H}" '
       'font-family="sans-serif" font-size="12">',
       f'<rect width="{W}" height="{H}" fill="white"/>',
       f'<text x="{L}" y="22" font-size="14" font-weight="bold">Peak memory (RSS) by fleet size</text>']
# grid and axes
d = x0
while d <= x1:
    x = px(d)
    out.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H - B}" stroke="#ddd"/>')
    out.append(f'<text x="{x:.1f}" y="{H - B + 18}" text-anchor="middle">10^{round(math.log10(d))}</text>')
    d *= 10
y = y0
while y <= y1:
    yy = py(y)
    out.append(f'<line x1="{L}" y1="{yy:.1f}" x2="{W - R}" y2="{yy:.1f}" stroke="#ddd"/>')
    out.append(f'<text x="{L - 6}" y="{yy + 4:.1f}" text-anchor="end">{y:g}</text>')
    y *= 2
out.append(f'<text x="{(L + W - R) / 2}" y="{H - 18}" text-anchor="middle">logs, PUF lines or export rows (log scale)</text>')
out.append(f'<text x="16" y="{(T + H - B) / 2}" text-anchor="middle" '
           f'transform="rotate(-90 16 {(T + H - B) / 2})">peak RSS, MiB (log scale)</text>')
out.append(f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="none" stroke="#888"/>')
ly = T + 10
for tool, label, color in tools:
    for series, dash in (("before", ' stroke-dasharray="5,4"'), ("now", "")):
        pts = sorted((r[1], r[4]) for r in rows if r[0] == tool and r[2] == series)
        if not pts:
            continue
        path = " ".join(f"{px(a):.1f},{py(b):.1f}" for a, b in pts)
        out.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2"{dash}/>')
        for a, b in pts:
            out.append(f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="3" fill="{color}"/>')
            if series == "now":
                out.append(f'<text x="{px(a) + 6:.1f}" y="{py(b) + 14:.1f}" fill="{color}">{b:.0f}</text>')
        out.append(f'<line x1="{W - R + 12}" y1="{ly}" x2="{W - R + 36}" y2="{ly}" stroke="{color}" '
                   f'stroke-width="2"{dash}/>')
        out.append(f'<text x="{W - R + 42}" y="{ly + 4}">{label}{" before" if series == "before" else ""}</text>')
        ly += 18
    for a, g in sorted({(r[1], float(r[5])) for r in rows if r[0] == tool and r[5]}):
        out.append(f'<circle cx="{px(a):.1f}" cy="{py(g):.1f}" r="6" fill="none" stroke="{color}" '
                   f'stroke-width="1.5"><title>goal: {g:g} MiB at {a}</title></circle>')
out.append(f'<circle cx="{W - R + 24}" cy="{ly}" r="6" fill="none" stroke="#555" stroke-width="1.5"/>')
out.append(f'<text x="{W - R + 42}" y="{ly + 4}">goal (issue 14)</text>')
out.append("</svg>")
with open(sys.argv[2], "w", encoding="utf-8") as f:
    f.write("\n".join(out) + "\n")
