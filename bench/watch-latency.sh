#!/usr/bin/env bash
# Latency of the watch mode (update --wait-exit): from the moment the MAPI client holding the
# profile exits to the committed update. The goal is under 300 ms, so a user who closes Outlook
# and opens it again at once cannot win the race.
#
# Usage: bench/watch-latency.sh BUILD_DIR [ROUNDS]   (ROUNDS default 10)
#
# POSIX (needs a PM_TEST_HOOKS build such as build-test; Linux): the client is a copy of sleep
# named in MapiClients, holding an offline .reg store (PM_TEST_CLIENTS_OFFLINE). Two figures per
# round: "log", the watch.end latency_ms (from the wake-up on the client's exit to the commit),
# and "outside", from the kill (taken just before it) to the store file's modification time,
# which includes the kernel's delivery of the exit.
# Wine (when wine64 and mingw-w64 are there; BUILD_DIR/win is cross-built as the Wine suites do):
# the dummy OUTLOOK.EXE holds the live registry; the figure is watch.end's latency_ms.
# Prints each round and min / median / max. docs/performance.md records the results.
set -u
build=$(cd "${1:?usage: watch-latency.sh BUILD_DIR [ROUNDS]}" && pwd)
rounds=${2:-10}
src=$(cd "$(dirname "$0")/.." && pwd)
export PM_SOURCE_DIR=$src PM_BINARY_DIR=$build

stats() { # stats NAME VALUES...: min / median / max
    local name=$1
    shift
    [ $# -gt 0 ] || { echo "$name: no figures"; return; }
    printf '%s\n' "$@" | sort -n | awk -v n="$name" '
        { v[NR] = $1 } END { printf "%s: min %d ms, median %d ms, max %d ms (%d rounds)\n",
            n, v[1], v[int((NR + 1) / 2)], v[NR], NR }'
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null); $(nproc) cores"

# ---- POSIX ----
posix() {
    grep -q 'PM_TEST_HOOKS:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
        { echo "posix: $build is not a PM_TEST_HOOKS build: skipped"; return; }
    local work
    work=$(mktemp -d "${TMPDIR:-/tmp}/pm-watch-bench.XXXXXX")
    (
        trap 'rm -rf "$work"' EXIT
        cd "$work" || exit 1
        export HOME=$work/home XDG_RUNTIME_DIR=$work/lock PM_TEST_CLIENTS_OFFLINE=1
        mkdir -p "$HOME" && mkdir -m 700 "$XDG_RUNTIME_DIR"
        "$build/mkprofiles" --scenario office16 fx >/dev/null || exit 1
        cp fx/mbm.puf .
        client=pmbench$$.exe
        cp "$(command -v sleep)" "$client"
        cp fx/prof.config c.config
        printf 'LogFolder=%s/logs\nMapiClients=%s\n' "$work" "$client" >>c.config
        local logs=() outs=() r
        for r in $(seq 1 "$rounds"); do
            rm -rf logs
            cp fx/before.reg w.reg
            "./$client" 600 &
            local cpid=$!
            "$build/profilemanager" update --config c.config --store reg:w.reg --wait-exit=60 \
                >/dev/null 2>&1 &
            local wpid=$!
            for _ in $(seq 1 400); do
                grep -qs 'event=wait ' logs/*.log && break
                sleep 0.025
            done
            sleep 0.2 # the watch is asleep in poll() by now
            local t_kill
            t_kill=$(date +%s.%N)
            kill "$cpid"
            wait "$cpid" 2>/dev/null
            wait "$wpid"
            local rc=$? lat mt out
            lat=$(grep -ohE 'event=watch.end result=ok latency_ms=[0-9]+' logs/*.log | sed 's/.*=//')
            mt=$(stat -c '%.9Y' w.reg)
            out=$(echo "($mt - $t_kill) * 1000 / 1" | bc)
            echo "posix round $r: exit $rc, log ${lat:-?} ms, outside $out ms"
            [ -n "$lat" ] && logs+=("$lat")
            outs+=("$out")
        done
        stats "posix log (wake to commit)" "${logs[@]}"
        stats "posix outside (kill to store written)" "${outs[@]}"
    )
}

# ---- Wine ----
wine_part() {
    (
        # wine-env.sh exits 77 without Wine or mingw-w64, and cleans its prefix up on exit.
        . "$src/tests/win/wine-env.sh"
        PM=$C/pm
        OFFICE="$C/Program Files/Microsoft Office/root/Office16"
        mkdir -p "$PM" "$OFFICE"
        cp "$WIN/ProfileManager.exe" "$PM/"
        cp "$WIN/tests/win/OUTLOOK.exe" "$OFFICE/OUTLOOK.EXE"
        "$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || exit 1
        cp "$d/fx/mbm.puf" "$d/fx/prof.config" "$PM/"
        local lats=() r
        for r in $(seq 1 "$rounds"); do
            w reg delete 'HKCU\Software\Microsoft\Office' /f >/dev/null 2>&1
            w reg delete 'HKCU\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem' /f >/dev/null 2>&1
            w reg import "$d/fx/before.reg" >/dev/null 2>&1
            rm -rf "$PM/Logs" "$C/outlook-ready" "$C/outlook-stop"
            (cd "$d" && w 'C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE' \
                --ready 'C:\outlook-ready' --until 'C:\outlook-stop' --max 60 >/dev/null 2>&1) &
            local opid=$!
            for _ in $(seq 200); do [ -f "$C/outlook-ready" ] && break; sleep 0.05; done
            (cd "$d" && w 'C:\pm\ProfileManager.exe' update --wait-exit=60 >/dev/null 2>&1) &
            local wpid=$!
            for _ in $(seq 1 400); do
                grep -qs 'event=wait ' "$PM/Logs/"*.log && break
                sleep 0.025
            done
            sleep 0.2
            touch "$C/outlook-stop"
            wait "$opid"
            wait "$wpid"
            local rc=$? lat
            lat=$(grep -ohE 'event=watch.end result=ok latency_ms=[0-9]+' "$PM/Logs/"*.log | sed 's/.*=//')
            echo "wine round $r: exit $rc, log ${lat:-?} ms"
            [ -n "$lat" ] && lats+=("$lat")
        done
        stats "wine log (wake to commit)" "${lats[@]}"
        # For scale: the same update with no client about, as a whole run (process start to end).
        local durs=()
        for r in $(seq 1 3); do
            w reg delete 'HKCU\Software\Microsoft\Office' /f >/dev/null 2>&1
            w reg delete 'HKCU\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem' /f >/dev/null 2>&1
            w reg import "$d/fx/before.reg" >/dev/null 2>&1
            rm -rf "$PM/Logs"
            (cd "$d" && w 'C:\pm\ProfileManager.exe' update >/dev/null 2>&1)
            durs+=("$(grep -ohE 'event=run.end result=ok .*duration_ms=[0-9]+' "$PM/Logs/"*.log | sed 's/.*=//')")
        done
        stats "wine plain update, whole run (run.end duration_ms)" "${durs[@]}"
        exit 0
    )
    [ $? = 77 ] && echo "wine: skipped (no wine64 or mingw-w64)"
}

posix
wine_part
