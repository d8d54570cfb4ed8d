#!/bin/bash
# What the share costs, measured (docs/deployment.md, "The PUF index" and "Sizing the share"):
#  1. a run's cost with a valid, a missing and a stale index (the PUF changed after `puf index`:
#     one line appended) on a generated PUF of BENCH_LINES lines: wall time of the real command
#     line (best of BENCH_REPEAT) and bytes read from the PUF (strace, as bench/puf-bench.sh);
#  2. log and backup bytes per user and per run: the fixture scenarios run as a logon would run
#     them (a real update, a run with nothing to do, a dry run, the update after a later PUF),
#     against a copy of their .reg store, measuring the log's growth and each backup .reg.
#
#   bash bench/share-sizing.sh
#   BENCH_LINES=100000 BENCH_SCENARIOS="office16 exo2013" bash bench/share-sizing.sh
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BENCH_BUILD:-$ROOT/build-bench}
DATA=${BENCH_DATA:-$BUILD/share-sizing-data}
LINES=${BENCH_LINES:-1000000}
REPEAT=${BENCH_REPEAT:-3}
SCENARIOS=${BENCH_SCENARIOS:-"office16 exo2013 office16-exo outlook2007"}

command -v strace >/dev/null || { echo "share-sizing: strace is needed" >&2; exit 1; }
echo "== building (Release) in $BUILD"
cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$BUILD" --target profilemanager mkprofiles pm -j 2 >/dev/null
cc -O2 -std=c11 -Wall -Wextra -I "$ROOT/include" -I "$ROOT/src/lib" -I "$ROOT/src/lib/os" \
    "$ROOT/bench/puf-bench.c" "$BUILD/libpm.a" -o "$BUILD/puf-bench"
PM=$BUILD/profilemanager
PB=$BUILD/puf-bench
rm -rf "$DATA"
mkdir -p "$DATA"

ms() { # best wall time in ms of REPEAT runs of "$@"
    local best="" t0 t1 d
    for _ in $(seq "$REPEAT"); do
        t0=$(date +%s%N)
        "$@" >/dev/null 2>&1 || true
        t1=$(date +%s%N)
        d=$(((t1 - t0) / 1000))
        if [ -z "$best" ] || [ "$d" -lt "$best" ]; then best=$d; fi
    done
    awk -v u="$best" 'BEGIN {printf "%.1f", u / 1000}'
}
puf_bytes() {
    local puf=$1
    shift
    strace -f -s 0 -e trace=openat,read,pread64,close -o "$DATA/strace.txt" "$@" >/dev/null 2>&1 || true
    awk -v P="$puf" -f "$ROOT/bench/puf-bytes.awk" "$DATA/strace.txt"
}

echo "== 1. the PUF index: $LINES lines"
"$BUILD/mkprofiles" --scenario office16 "$DATA/profile" >/dev/null
puf=$DATA/mbm.puf
"$PB" gen "$LINES" "$puf" "$DATA/profile/mbm.puf"
{ grep -v -i '^PufFile' "$DATA/profile/prof.config"; echo "PufFile=$puf"; echo "LogFolder=$DATA/logs"; } >"$DATA/bench.config"
upd=("$PM" update --config "$DATA/bench.config" --store "reg:$DATA/profile/before.reg" --dry-run)
cat "$puf" >/dev/null
printf '%-22s %10s %12s\n' index wall_ms puf_bytes
printf '%-22s %10s %12s\n' "PUF size" "" "$(stat -c %s "$puf")"
rm -f "$puf.idx"
printf '%-22s %10s %12s\n' "none" "$(ms "${upd[@]}")" "$(puf_bytes "$puf" "${upd[@]}")"
"$PM" puf index "$puf" >/dev/null
printf '%-22s %10s %12s\n' "valid" "$(ms "${upd[@]}")" "$(puf_bytes "$puf" "${upd[@]}")"
# The PUF changed after indexing: one new mailbox appended.
echo "/o=Fabrikam/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=late|/o=Contoso/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=late|late@contoso.com|Late|" >>"$puf"
printf '%-22s %10s %12s\n' "stale (1 line added)" "$(ms "${upd[@]}")" "$(puf_bytes "$puf" "${upd[@]}")"
"${upd[@]}" >/dev/null 2>&1 || true
echo "  the stale run logs: $(grep -h 'index' "$DATA"/logs/*.log | tail -1 | sed 's/^.*event=//')"
rc=0
"$PM" puf check "$puf" >"$DATA/check.txt" 2>&1 || rc=$?
echo "  puf check: exit $rc: $(head -1 "$DATA/check.txt")"
rm -f "$puf" "$puf.idx"

echo
echo "== 2. log and backup bytes per run"
printf '%-12s %-26s %8s %9s %10s\n' scenario run exit log_bytes backup_bytes
logsize() { { cat "$1"/*.log 2>/dev/null || true; } | wc -c; }
for sc in $SCENARIOS; do
    d=$DATA/$sc
    "$BUILD/mkprofiles" --scenario "$sc" "$d" >/dev/null
    cp "$d/before.reg" "$d/work.reg"
    { grep -v -i '^LogFolder' "$d/prof.config"; echo "LogFolder=$d/logs"; } >"$d/run.config"
    step() { # step NAME [PUF]: one run, the log's growth and the backup it wrote
        local name=$1 before after nb b
        [ -n "${2:-}" ] && cp "$2" "$d/mbm.puf"
        before=$(logsize "$d/logs")
        nb=$({ ls "$d/logs/Backups" 2>/dev/null || true; } | wc -l)
        shift
        (cd "$d" && HOME=$d "$PM" update --config "$d/run.config" --store "reg:$d/work.reg" \
            ${DRY:+--dry-run} >/dev/null 2>&1) && rc=0 || rc=$?
        after=$(logsize "$d/logs")
        b=0
        if [ "$({ ls "$d/logs/Backups" 2>/dev/null || true; } | wc -l)" -gt "$nb" ]; then
            b=$(stat -c %s "$(ls -t "$d/logs/Backups"/*.reg | head -1)")
        fi
        printf '%-12s %-26s %8s %9s %10s\n' "$sc" "$name" "$rc" "$((after - before))" "$b"
    }
    step "update (first logon)"
    step "nothing to do"
    DRY=1 step "dry run"
    if [ -f "$d/mbm-later.puf" ]; then step "update (later PUF)" "$d/mbm-later.puf"; fi
    step "nothing to do"
    printf '%-12s %-26s %8s %9s %10s\n' "$sc" "store (.reg export)" "" "" "$(stat -c %s "$d/before.reg")"
done
echo
echo "machine: $(nproc) cores, $(sed -n 's/^model name[^:]*: //p' /proc/cpuinfo | head -1); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
