#!/bin/bash
# The Windows side of bench/share-calls.sh, under Wine: ProfileManager.exe run three times in a
# row from C:\pm (standing for the share: the exe, prof.config, an mbm.puf of BENCH_LINES
# generated lines (default 20000; 0: the office16 fixture's own few lines, a pilot wave's PUF whose
# index a run reads whole in one read) with the fixture's lines among them, its index,
# Logs\Backups), as three logons: the update, the first logon after it, a later logon
# with nothing to do. Wine's file trace (WINEDEBUG=+file, NtClose relayed) of each run is counted by
# bench/share-calls-wine.awk: the NT file calls on files in C:\pm. Indicative only: Wine's trace
# does not give the handles of the access-list reads (their query and close are not counted), Wine's loader looks for every DLL
# beside the exe where Windows takes its Known DLLs from the system, and Windows' SMB client
# caches and compounds requests (docs/performance.md).
#
#   bash bench/share-calls-wine.sh [BUILD_DIR]   (default: $BENCH_BUILD, else build-bench; the
#                                                  Windows build goes to BUILD_DIR/win)
# Without Wine or mingw-w64 it says so and exits 0 (make bench goes on). With BENCH_CHECK=1 (the
# test suite share-calls-wine) it exits 77 instead, and 1 when a run's counted calls are above
# SHARE_CALLS_WINE_MAX_UPDATE / _FIRST / _NOTHING.
export PM_SOURCE_DIR=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
export PM_BINARY_DIR=${1:-${BENCH_BUILD:-$PM_SOURCE_DIR/build-bench}}
if ! { command -v wine || [ -x /usr/lib/wine/wine64 ]; } >/dev/null ||
    ! command -v x86_64-w64-mingw32-gcc >/dev/null; then
    echo "share-calls-wine: skipped (needs wine and mingw-w64: make test-deps installs them)"
    [ "${BENCH_CHECK:-0}" = 1 ] && exit 77
    exit 0
fi
if [ ! -x "$PM_BINARY_DIR/mkprofiles" ]; then
    echo "== building (Release) in $PM_BINARY_DIR"
    cmake -S "$PM_SOURCE_DIR" -B "$PM_BINARY_DIR" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$PM_BINARY_DIR" --target mkprofiles -j 2 >/dev/null
fi
. "$PM_SOURCE_DIR/tests/win/wine-env.sh"
[ -x "$BIN/mkprofiles" ] || { echo "share-calls-wine: $BIN/mkprofiles not built" >&2; exit 1; }

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null
PM=$C/pm
mkdir -p "$PM/Logs/Backups"
cp "$WIN/ProfileManager.exe" "$d/fx/prof.config" "$PM/"
LINES=${BENCH_LINES:-20000}
awk -v n="$LINES" -v extra="$d/fx/mbm.puf" -f "$SRC/bench/share-puf.awk" >"$PM/mbm.puf"
w 'C:\pm\ProfileManager.exe' puf index 'C:\pm\mbm.puf' >/dev/null 2>&1
touch -d "@$(($(date +%s) - 600))" "$PM/mbm.puf"
import_reg "$d/fx/before.reg"
# NtClose relayed: a handle's calls are counted up to its close, never a later file's with the
# same handle value.
w reg add 'HKCU\Software\Wine\Debug' /v RelayInclude /t REG_SZ /d ntdll.NtClose /f >/dev/null 2>&1
"$WINESERVER" -w

echo "NT file calls on C:\\pm under Wine, office16 fixture, PUF of $LINES more lines ($(date -u +%Y-%m-%d))"
printf '%-22s %6s %6s %6s %6s %8s %6s %6s   %s\n' run opens names reads writes queries closes total "DLL probes"
over=0
limits=("${SHARE_CALLS_WINE_MAX_UPDATE:-}" "${SHARE_CALLS_WINE_MAX_FIRST:-}" "${SHARE_CALLS_WINE_MAX_NOTHING:-}")
run_no=0
for name in "update run" "first after a change" "nothing-to-do run"; do
    (cd "$d" && WINEDEBUG=+file,+relay w 'C:\pm\ProfileManager.exe' >"$d/out" 2>"$d/trace.txt") || {
        echo "share-calls-wine: $name: the run failed (exit code $?):" >&2
        cat "$d/out" >&2
        exit 1
    }
    read -r opens names reads writes queries closes total dll < <(awk -f "$SRC/bench/share-calls-wine.awk" "$d/trace.txt")
    printf '%-22s %6s %6s %6s %6s %8s %6s %6s   %s\n' "$name" "$opens" "$names" "$reads" "$writes" "$queries" "$closes" "$total" "$dll"
    limit=${limits[$run_no]}
    run_no=$((run_no + 1))
    if [ "${BENCH_CHECK:-0}" = 1 ] && [ -n "$limit" ] && [ "$total" -gt "$limit" ]; then
        echo "FAIL: $name: $total counted calls, above $limit"
        over=1
    fi
done
[ "$fails" = 0 ] && [ "$over" = 0 ]
