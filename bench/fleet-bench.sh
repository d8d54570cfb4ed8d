#!/bin/bash
# Fleet tools benchmark: peak memory and wall time of `report`, `puf check` and `puf build` as
# the fleet grows, each figure printed beside its goal (issue 14: report over 20,000 logs within
# 32 MiB and over 100,000 within 128 MiB; puf check of 10^6 lines within 64 MiB; puf build of
# 200,000 rows within 256 MiB), and the growth drawn as an SVG chart (bench/fleet-chart.py).
#
# Inputs are generated: logs by tests/tools/mklogs (about 5 KB a log, 1-4 runs each), PUFs by
# `puf-bench gen` (about 290 bytes a line), exports by tests/tools/mkexports (UTF-16LE, as
# Export-Csv -Encoding Unicode writes them; 10% of the source rows have no target). Peak RSS and
# wall time come from /usr/bin/time (GNU time, Debian package "time"); each command runs twice
# and the second run (warm page cache) is reported.
#
#   bash bench/fleet-bench.sh                  (or: make bench)
#   BENCH_QUICK=1 bash bench/fleet-bench.sh    (10^4 only, about a minute)
#   BENCH_SVG=docs/fleet-memory.svg bash bench/fleet-bench.sh   (the chart in the docs)
#   BENCH_BASELINE=/path/to/old/profilemanager bash bench/fleet-bench.sh
#       (each command also run with an older build: its figures are printed beside and drawn
#       dashed as "before")
#
# Sizes (override with BENCH_REPORT_SIZES, BENCH_CHECK_SIZES, BENCH_BUILD_SIZES): report at
# 10^4, 2x10^4 and 10^5 logs (10^6 logs are 5 GB in a million files, minutes to generate and
# delete: not run by default), puf check at 10^4, 10^5 and 10^6 lines, puf build at 10^4,
# 10^5 and 2x10^5 source rows (mkexports holds each export in a 256 MiB buffer: 10^6 rows, about
# 1 GB in UTF-16, are cut short, so they are not a size here).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
DATA=${BENCH_DATA:-$BUILD/fleet-bench-data}
if [ -n "${BENCH_QUICK:-}" ]; then
    REPORT_SIZES=${BENCH_REPORT_SIZES:-"10000"}
    CHECK_SIZES=${BENCH_CHECK_SIZES:-"10000 100000"}
    BUILD_SIZES=${BENCH_BUILD_SIZES:-"10000"}
else
    REPORT_SIZES=${BENCH_REPORT_SIZES:-"10000 20000 100000"}
    CHECK_SIZES=${BENCH_CHECK_SIZES:-"10000 100000 1000000"}
    BUILD_SIZES=${BENCH_BUILD_SIZES:-"10000 100000 200000"}
fi
SVG=${BENCH_SVG:-$BUILD/fleet-memory.svg}
TIME=/usr/bin/time
[ -x "$TIME" ] || { echo "fleet-bench: GNU time is needed (apt-get install time)" >&2; exit 1; }

echo "== building (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target profilemanager mklogs mkexports mkprofiles pm -j 2 >/dev/null
cc -O2 -std=c11 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/src/lib" -I "$ROOT/src/lib/os" \
    "$ROOT/bench/puf-bench.c" "$BUILD/libpm.a" -o "$BUILD/puf-bench"
PM=$BUILD/profilemanager
BASE=${BENCH_BASELINE:-}
rm -rf "$DATA" && mkdir -p "$DATA"
RESULTS=$DATA/results.tsv
: >"$RESULTS"

# Runs "$@" twice; prints "seconds peak_KiB" of the second run.
measure() {
    "$TIME" -f "%e %M" -o "$DATA/time.txt" "$@" >"$DATA/stdout.txt" 2>"$DATA/stderr.txt" || true
    "$TIME" -f "%e %M" -o "$DATA/time.txt" "$@" >"$DATA/stdout.txt" 2>"$DATA/stderr.txt" || true
    tail -n 1 "$DATA/time.txt"
}

# tool count ARGS...: runs "$PM" ARGS (and the baseline's), prints the figures beside the goal
# and appends "tool count series seconds peak_KiB goal_MiB" lines to results.tsv.
run() {
    local tool=$1 n=$2
    shift 2
    local goal s kib mib verdict="" before=""
    goal=$(goal_for "$tool" "$n")
    read -r s kib < <(measure "$PM" "$@")
    mib=$(awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }')
    printf '%s\t%s\tnow\t%s\t%s\t%s\n' "$tool" "$n" "$s" "$kib" "$goal" >>"$RESULTS"
    if [ -n "$BASE" ]; then
        local bs bkib
        read -r bs bkib < <(measure "$BASE" "$@")
        before=$(awk -v s="$bs" -v k="$bkib" 'BEGIN { printf "(before: %.2f s, %.1f MiB)", s, k / 1024 }')
        printf '%s\t%s\tbefore\t%s\t%s\t%s\n' "$tool" "$n" "$bs" "$bkib" "$goal" >>"$RESULTS"
    fi
    if [ -n "$goal" ]; then
        verdict=$(awk -v m="$mib" -v g="$goal" \
            'BEGIN { printf "goal <= %d MiB: %s", g, (m <= g ? "met" : "NOT MET") }')
    fi
    printf '%-10s %8s %7.2f s %7s MiB  %-24s %s\n' "$tool" "$n" "$s" "$mib" "$verdict" "$before"
}

goal_for() { # tool count -> MiB goal or ""
    case "$1:$2" in
    report:20000) echo 32 ;;
    report:100000) echo 128 ;;
    puf-check:1000000) echo 64 ;;
    puf-build:200000) echo 256 ;;
    *) echo "" ;;
    esac
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '\n%-10s %8s %9s %11s\n' tool count wall "peak RSS"
for n in $REPORT_SIZES; do
    d=$DATA/logs-$n
    "$BUILD/mklogs" "$d" "$n" >/dev/null
    run report "$n" report "$d/logs" --roster "$d/roster.csv" --csv "$d/report.csv" \
        --html "$d/report.html"
    rm -rf "$d"
done
"$BUILD/mkprofiles" --scenario office16 "$DATA/profile" >/dev/null
for n in $CHECK_SIZES; do
    puf=$DATA/mbm-$n.puf
    "$BUILD/puf-bench" gen "$n" "$puf" "$DATA/profile/mbm.puf"
    run puf-check "$n" puf check "$puf"
    rm -f "$puf"
done
for n in $BUILD_SIZES; do
    d=$DATA/exports-$n
    mkdir -p "$d"
    "$BUILD/mkexports" "$d" "$n" utf16le >/dev/null 2>&1
    run puf-build "$n" puf build --source "$d/source.csv" --target "$d/target.csv" \
        --out "$d/mbm.puf" --x500-script "$d/x500.ps1" --left-out "$d/left-out.txt"
    rm -rf "$d"
done
echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 "$ROOT/bench/fleet-chart.py" "$RESULTS" "$SVG"
echo "chart: $SVG"
