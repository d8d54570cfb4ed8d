#!/usr/bin/env bash
# Benchmark of 'profilemanager report' over a generated Logs share (tests/tools/mklogs.c).
# Usage: bench/report-bench.sh BUILD_DIR [COUNT]   (COUNT default 100000; use a Release build)
# Prints the size of the share, the generation time and the report's wall time, user and system
# CPU and peak memory, for a warm page cache (second run) and the first run after generation.
set -euo pipefail
build=${1:?usage: report-bench.sh BUILD_DIR [COUNT]}
count=${2:-100000}
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
