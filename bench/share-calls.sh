#!/bin/bash
# Share round trips: how many system calls an `update` run makes on the share folder (the folder
# of the executable, holding prof.config, mbm.puf, mbm.puf.idx and Logs), counted from outside by
# strace. On an SMB share each such call is at least one network round trip. Builds a share from
# the fixture scenario (default office16: 5 mailbox DNs asked) with a generated PUF of
# BENCH_LINES lines (the count does not depend on it) and its index, the user's registry as a
# .reg file outside the share, then counts:
#   - an update run (the store needs changes: backup, commit, log);
#   - the first logon after it (nothing to do; the local answer cache holds the answers about the
#     profile's old names, so the index is asked about the new ones alone: a partial answer);
#   - a nothing-to-do run (the same again: every later logon, answered by the local cache);
#   - the first logon after the PUF is published again (same content, a new file: the cache no
#     longer applies and the PUF is asked in full, as at every desktop after a wave);
# and times a run with a valid index against one whose index is stale (the PUF scanned).
#
#   bash bench/share-calls.sh [BUILD_DIR]       (default: build-bench, Release, built if needed)
#   BENCH_LINES=100000 BENCH_SCENARIO=office16 DETAIL=1 bash bench/share-calls.sh
# Prints "name calls goal". With BENCH_CHECK=1 (the test suite share-calls) it skips the timings
# and exits 1 when a count is above SHARE_CALLS_MAX_UPDATE / SHARE_CALLS_MAX_FIRST /
# SHARE_CALLS_MAX_NOTHING / SHARE_CALLS_MAX_REPUBLISHED (default: the goals); SHARE_CALLS_OUT=FILE keeps the counts as
# "name=count" lines.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-${BENCH_BUILD:-$ROOT/build-bench}}
LINES=${BENCH_LINES:-1000000}
SCENARIO=${BENCH_SCENARIO:-office16}
REPEAT=${BENCH_REPEAT:-3}
GOAL_UPDATE=24
GOAL_NOTHING=12

command -v strace >/dev/null || { echo "share-calls: strace is needed (apt-get install strace)" >&2; exit 77; }
if [ ! -x "$BUILD/profilemanager" ] || [ ! -x "$BUILD/mkprofiles" ]; then
    echo "== building (Release) in $BUILD"
    cmake -S "$ROOT" -B "$BUILD" -DCMAKE_BUILD_TYPE=Release >/dev/null
    cmake --build "$BUILD" --target profilemanager mkprofiles -j 2 >/dev/null
fi
# The user's own folders: the local answer cache goes to $HOME/.cache, never to a caller's.
unset XDG_CACHE_HOME
# A sanitizer build cannot check for leaks under ptrace; the counts are the same without it.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

W=$(mktemp -d "${TMPDIR:-/tmp}/pm-share-calls.XXXXXX")
trap 'rm -rf "$W"' EXIT
SHARE=$W/share
# Logs\Backups exists, as after the first run (or made by the administrator, deployment.md).
mkdir -p "$SHARE/Logs/Backups" "$W/user/home" "$W/user/home-timing"
"$BUILD/mkprofiles" --scenario "$SCENARIO" "$W/fx" >/dev/null
cp "$BUILD/profilemanager" "$SHARE/"
cp "$W/fx/prof.config" "$SHARE/"
# A large PUF: generated lines with the fixture's lines in the middle (awk, no compiler needed).
awk -v n="$LINES" -v extra="$W/fx/mbm.puf" -f "$ROOT/bench/share-puf.awk" >"$SHARE/mbm.puf"
"$SHARE/profilemanager" puf index "$SHARE/mbm.puf" >/dev/null
# Published a while before the logons (a run caches no answer from a PUF written in its last
# seconds: docs/puf-format.md). The index is judged by content, so the new time changes nothing.
touch -d "@$(($(date +%s) - 600))" "$SHARE/mbm.puf"

# count NAME GOAL: one update run under strace, its share calls against GOAL.
over=0
count() {
    local name=$1 goal=$2 limit=$3
    shift 3
    (cd "$W/user" && HOME=$W/user/home strace -f -y -e trace=%file,%desc -o "$W/strace.txt" \
        "$SHARE/profilemanager" update --store "reg:$W/user/store.reg" "$@" >"$W/out" 2>&1) || {
        echo "share-calls: $name: the run failed:" >&2
        cat "$W/out" >&2
        exit 1
    }
    [ "${DETAIL:-0}" = 1 ] && awk -v SHARE="$SHARE" -v DETAIL=1 -f "$ROOT/bench/share-calls.awk" "$W/strace.txt" | sed '$d'
    local res
    res=$(awk -v SHARE="$SHARE" -f "$ROOT/bench/share-calls.awk" "$W/strace.txt")
    local n=${res%% *} detail=${res#* }
    [ "$n" = "$res" ] && detail=""
    printf '%-22s %6s   %-6s %s\n' "$name" "$n" "<= $goal" "$detail"
    echo "$name=$n" >>"$W/counts"
    [ "$n" -le "$limit" ] || over=1
}

# Best wall time in ms of REPEAT runs.
best_ms() {
    local best="" t0 t1 ms
    for _ in $(seq "$REPEAT"); do
        cp "$W/fx/before.reg" "$W/user/run.reg"
        t0=$(date +%s%N)
        # A home of its own, with no local answer cache: the timings are the PUF's and index's.
        (cd "$W/user" && HOME=$W/user/home-timing "$SHARE/profilemanager" update --dry-run \
            --store "reg:$W/user/run.reg" >/dev/null 2>&1)
        t1=$(date +%s%N)
        ms=$(((t1 - t0) / 1000000))
        if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
    done
    echo "$best"
}

echo "share calls: scenario $SCENARIO, PUF of $LINES lines ($(stat -c %s "$SHARE/mbm.puf") bytes), $(date -u +%Y-%m-%d)"
printf '%-22s %6s   %-6s %s\n' run calls goal "by call"
cp "$W/fx/before.reg" "$W/user/store.reg"
count "update run" "$GOAL_UPDATE" "${SHARE_CALLS_MAX_UPDATE:-$GOAL_UPDATE}"
# The first logon after the update asks the PUF about the profile's new names (the local cache
# holds the answers about the old ones); every logon after it is answered by the cache.
count "first after a change" "$GOAL_NOTHING" "${SHARE_CALLS_MAX_FIRST:-$GOAL_NOTHING}"
count "nothing-to-do run" "$GOAL_NOTHING" "${SHARE_CALLS_MAX_NOTHING:-$GOAL_NOTHING}"
# The PUF published again (a copy renamed over it, ten minutes old): its identity is new, so the
# cache does not apply; the index, judged by content, stays current.
cp -p "$SHARE/mbm.puf" "$SHARE/mbm.puf.new"
mv "$SHARE/mbm.puf.new" "$SHARE/mbm.puf"
touch -d "@$(($(date +%s) - 600))" "$SHARE/mbm.puf"
count "after a PUF change" "$GOAL_NOTHING" "${SHARE_CALLS_MAX_REPUBLISHED:-$GOAL_NOTHING}"
[ -n "${SHARE_CALLS_OUT:-}" ] && cp "$W/counts" "$SHARE_CALLS_OUT"

if [ "${BENCH_CHECK:-0}" != 1 ]; then
    valid=$(best_ms)
    # Copied with new times: the index stays valid when judged by content.
    touch -d '+1 hour' "$SHARE/mbm.puf" "$SHARE/mbm.puf.idx"
    copied=$(best_ms)
    # A PUF line added after the index was built: the index is stale and the PUF is scanned.
    echo "# appended after indexing" >>"$SHARE/mbm.puf"
    stale=$(best_ms)
    echo
    echo "dry run, best of $REPEAT: valid index ${valid} ms; both files touched (copy) ${copied} ms; stale index (PUF scanned) ${stale} ms"
fi
[ "${BENCH_CHECK:-0}" = 1 ] && [ "$over" = 1 ] && exit 1
exit 0
