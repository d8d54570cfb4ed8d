#!/bin/bash
# PUF benchmark: the logon-time cost of a run with an indexed and with a scanned mbm.puf of
# 10^4, 10^5 and 10^6 lines. Builds a Release tree, makes a realistic profile store (fixture
# scenario "office16": two profiles, several Exchange accounts, delegates, an archive, PST and
# POP beside), hides that scenario's mailboxes in the middle of large generated PUFs, and runs the
# real command line (`profilemanager update --dry-run --store reg:...`) and the bare lookup
# (`puf-bench lookup`, pm_puf_resolve alone) on both paths.
#
# Measured from outside the measured process: wall and CPU time and peak RSS through wait4()
# (`puf-bench run`), bytes read from the PUF through strace (sum of read/pread64 results on file
# descriptors opened on the PUF). Results are for a warm page cache (the PUF is read once first).
#
#   bash bench/puf-bench.sh            (or: make bench)
#   BENCH_SIZES="10000 100000" BENCH_REPEAT=3 bash bench/puf-bench.sh
#   BENCH_QUICK=1 bash bench/puf-bench.sh     (10^4 and 10^5 lines, 3 runs each)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
DATA=${BENCH_DATA:-$BUILD/puf-bench-data}
if [ -n "${BENCH_QUICK:-}" ]; then
    SIZES=${BENCH_SIZES:-"10000 100000"}
    REPEAT=${BENCH_REPEAT:-3}
else
    SIZES=${BENCH_SIZES:-"10000 100000 1000000"}
    REPEAT=${BENCH_REPEAT:-5}
fi

command -v strace >/dev/null || { echo "puf-bench: strace is needed (apt-get install strace)" >&2; exit 1; }

echo "== building (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target profilemanager mkprofiles pm -j 2 >/dev/null
cc -O2 -std=c11 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/src/lib" -I "$ROOT/src/lib/os" "$ROOT/bench/puf-bench.c" \
    "$BUILD/libpm.a" -o "$BUILD/puf-bench"
PM=$BUILD/profilemanager
PB=$BUILD/puf-bench

rm -rf "$DATA"
mkdir -p "$DATA"
"$BUILD/mkprofiles" --scenario office16 "$DATA/profile" >/dev/null
# The DNs the profile store asks about, for the bare lookups.
mapfile -t DNS < <(grep -v '^#' "$DATA/profile/mbm.puf" | cut -d'|' -f1 | sed 's/^X500://' | head -4)
DNS+=("/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=not-migrated")

# Median of a column of numbers.
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
field() { sed -n "s/.*$1=\([0-9]*\).*/\1/p"; }

# Runs "$@" REPEAT times from outside; prints "wall_ms cpu_ms maxrss_kib": the best wall time
# (the least disturbed by other work on the machine), the median CPU time, the largest RSS.
measure() {
    local out
    out=$(for _ in $(seq "$REPEAT"); do "$PB" run "$@"; done)
    local wall cpu rss
    wall=$(echo "$out" | field wall_us | sort -n | head -1)
    cpu=$(echo "$out" | awk '{u=$2; s=$3; sub(/user_us=/,"",u); sub(/sys_us=/,"",s); print u+s}' | median)
    rss=$(echo "$out" | field maxrss_kb | sort -n | tail -1)
    awk -v w="$wall" -v c="$cpu" -v r="$rss" 'BEGIN {printf "%.2f %.2f %d\n", w/1000, c/1000, r}'
}

# Bytes read from the PUF by one run of "$@", counted by strace.
puf_bytes() {
    local puf=$1
    shift
    strace -f -s 0 -e trace=openat,read,pread64,close -o "$DATA/strace.txt" "$@" >/dev/null 2>&1 || true
    awk -v P="$puf" -f "$ROOT/bench/puf-bytes.awk" "$DATA/strace.txt"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $REPEAT runs of each"
printf '\n%-9s %-6s %-12s %11s %10s %10s %11s %12s\n' lines path what wall_ms cpu_ms rss_kib puf_bytes puf_MB/s
for n in $SIZES; do
    puf=$DATA/mbm-$n.puf
    "$PB" gen "$n" "$puf" "$DATA/profile/mbm.puf"
    size=$(stat -c %s "$puf")
    { grep -v -i '^PufFile' "$DATA/profile/prof.config"; echo "PufFile=$puf"; echo "LogFolder=$DATA/logs"; } \
        >"$DATA/bench-$n.config"
    rm -f "$puf.idx"
    read -r bw bc br < <(measure "$PM" puf index "$puf")
    printf '%-9s %-6s %-12s %11s %10s %10s %11s %12s\n' "$n" index build "$bw" "$bc" "$br" "$size" \
        "$(awk -v s="$size" -v w="$bw" 'BEGIN {printf "%.0f", s / 1e6 / (w / 1000)}')"
    cat "$puf" >/dev/null # warm cache: the same conditions for both paths
    for path in indexed scan; do
        flag=()
        [ "$path" = scan ] && flag=(--no-index)
        upd=("$PM" update --config "$DATA/bench-$n.config" --store "reg:$DATA/profile/before.reg" --dry-run "${flag[@]}")
        look=("$PB" lookup "${flag[@]}" "$puf" "${DNS[@]}")
        for what in update lookup; do
            if [ "$what" = update ]; then cmd=("${upd[@]}"); else cmd=("${look[@]}"); fi
            read -r w c r < <(measure "${cmd[@]}")
            b=$(puf_bytes "$puf" "${cmd[@]}")
            rate=$(awk -v b="$b" -v w="$w" 'BEGIN {printf "%.0f", b / 1e6 / (w / 1000)}')
            printf '%-9s %-6s %-12s %11s %10s %10s %11s %12s\n' "$n" "$path" "$what" "$w" "$c" "$r" "$b" "$rate"
        done
    done
    # pm_puf_resolve's own time (median), for the ratio without process start and store reading.
    ti=$(for _ in $(seq "$REPEAT"); do "$PB" lookup "$puf" "${DNS[@]}" | field resolve_us; done | median)
    ts=$(for _ in $(seq "$REPEAT"); do "$PB" lookup --no-index "$puf" "${DNS[@]}" | field resolve_us; done | median)
    printf '%-9s resolve: indexed %s us, scan %s us, scan/indexed = %sx\n' "$n" "$ti" "$ts" \
        "$(awk -v a="$ts" -v b="$ti" 'BEGIN {printf "%.0f", a / (b ? b : 1)}')"
    rm -f "$puf" "$puf.idx"
done
echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
