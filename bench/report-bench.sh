#!/usr/bin/env bash
# Benchmark of 'profilemanager report' over a generated Logs share (tests/tools/mklogs.c).
# Usage: bench/report-bench.sh [BUILD_DIR] [COUNT]   (a Release build: BUILD_DIR defaults to
# $BENCH_BUILD or build-bench/, built here; COUNT to 100000, 10000 with BENCH_QUICK=1)
# Prints the size of the share, the generation time and the report's wall time, user and system
# CPU and peak memory, for a warm page cache (second run) and the first run after generation.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-${BENCH_BUILD:-$root/build-bench}}
count=${2:-$([ -n "${BENCH_QUICK:-}" ] && echo 10000 || echo 100000)}
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" --target profilemanager mklogs -j 2 >/dev/null
work=$(mktemp -d "${TMPDIR:-/tmp}/pm-report-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
t0=$(date +%s.%N)
"$build/mklogs" "$work" "$count"
t1=$(date +%s.%N)
files=$(find "$work/logs" -name '*.log' | wc -l)
bytes=$(du -sb "$work/logs" | cut -f1)
lines=$(find "$work/logs" -name '*.log' -exec cat {} + | wc -l)
echo "logs: $files files, $((bytes / 1048576)) MiB, $lines lines (generated in $(echo "$t1 - $t0" | bc) s)"
for pass in first warm; do
  /usr/bin/time -f "report ($pass): %e s wall, %U s user, %S s system, %M KiB peak" \
    "$build/profilemanager" report "$work/logs" --roster "$work/roster.csv" \
    --csv "$work/r.csv" --html "$work/r.html" >"$work/out.txt"
done
head -1 "$work/out.txt"
echo "csv: $(($(stat -c %s "$work/r.csv") / 1024)) KiB, html: $(($(stat -c %s "$work/r.html") / 1024)) KiB"
