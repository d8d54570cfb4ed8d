#!/usr/bin/env bash
# The watch mode (update --wait-exit) on POSIX, with a test double for Outlook: a copy of sleep
# under a client's name, listed in MapiClients, and PM_TEST_CLIENTS_OFFLINE=1 (test builds) so a
# client holds the offline .reg store as Outlook holds the live registry. Checked: while the
# client runs the watch writes nothing (the store byte-identical) and keeps running; when the
# client exits the store is the full update (byte-identical to an update run alone) and the exit
# code 0; watch.end says how fast; RunAfter starts only with WatchRunAfter=yes; a client that
# starts again between the exit and the commit (the gate held open by PM_TEST_WATCH_GATE) gets no
# write, the watch waits again and completes after the second exit; one watcher per user, and a
# watcher does not hold up an ordinary run; the time limit gives exit 5. Linux only (/proc);
# skipped (77) without the test hooks.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
PM="$PM_BINARY_DIR/profilemanager"
MKPROFILES="$PM_BINARY_DIR/mkprofiles"
[ -x "$PM" ] && [ -x "$MKPROFILES" ] || { echo "tool or mkprofiles not built"; exit 77; }
[ -d /proc/self ] || { echo "no /proc: skipped"; exit 77; }
grep -q 'PM_TEST_HOOKS:BOOL=ON' "$PM_BINARY_DIR/CMakeCache.txt" 2>/dev/null ||
    { echo "not a PM_TEST_HOOKS build: skipped"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-watch.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
    rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
export HOME="$work/home" XDG_RUNTIME_DIR="$work/lock" PM_TEST_CLIENTS_OFFLINE=1
mkdir -p "$HOME" && mkdir -p -m 700 "$XDG_RUNTIME_DIR"
"$MKPROFILES" --scenario side-by-side fx >/dev/null || { echo "mkprofiles failed"; exit 1; }
cp fx/mbm.puf .
fails=0
check() { if "$@"; then echo "ok: $desc"; else echo "FAIL: $desc"; fails=$((fails + 1)); fi; }

# The client's name is this suite's own, so no other test's process (a Wine OUTLOOK.EXE) counts.
CLIENT="pmw$$.exe"
cp "$(command -v sleep)" "$work/$CLIENT"
client() { "$work/$CLIENT" 600 & pids+=($!); CPID=$!; }

config() { # config FILE [extra lines...]
    local f=$1
    cp fx/prof.config "$f"
    printf 'LogFolder=%s\nMapiClients=%s\nRunAfter=%s\nRunAfterArgs=%s\n' "$work/logs" "$CLIENT" \
        "$(command -v touch)" "$work/ran-$f" >>"$f"
    shift
    for l in "$@"; do printf '%s\n' "$l" >>"$f"; done
}
config plain.config
config watch.config 'WatchRunAfter=no'
config watchra.config 'WatchRunAfter=yes'

# The reference: the same update with no client about.
cp fx/before.reg ref.reg
"$PM" update --config plain.config --store reg:ref.reg >/dev/null 2>&1
desc="reference update changes the store"
check bash -c '! cmp -s fx/before.reg ref.reg'

# wait_log PATTERN: until a log line matches (10 s at most).
wait_log() {
    for _ in $(seq 1 200); do grep -rqsE "$1" "$work/logs" --include='*.log' && return 0; sleep 0.05; done
    return 1
}
# wait_file FILE: until it exists (10 s at most).
wait_file() {
    for _ in $(seq 1 200); do [ -e "$1" ] && return 0; sleep 0.05; done
    return 1
}

# 1. Without the watch the double is Outlook: exit 5, nothing changed.
cp fx/before.reg w1.reg
client
"$PM" update --config plain.config --store reg:w1.reg >/dev/null 2>w1.err
rc=$?
desc="no watch, client running: exit 5 (in use)"
check test $rc = 5
desc="no watch, client running: store unchanged"
check cmp -s w1.reg fx/before.reg
kill "$CPID"; wait "$CPID" 2>/dev/null

# 2. The watch: nothing while the client runs, the full update the moment it exits.
rm -rf "$work/logs"
cp fx/before.reg w2.reg
client
"$PM" update --config watch.config --store reg:w2.reg --wait-exit=60 >w2.out 2>w2.err &
W=$!
pids+=($W)
desc="watch: logs a wait event naming the client"
check wait_log "event=wait processes=$CLIENT seconds=[0-9]+ mode=watch"
sleep 0.5
desc="watch: still running while the client runs"
check kill -0 "$W"
desc="watch: the store is byte-identical while the client runs"
check cmp -s w2.reg fx/before.reg
# A second watcher of the same user gives way at once; an ordinary run is not held up.
cp fx/before.reg other.reg
"$PM" update --config watch.config --store reg:other.reg --wait-exit=60 >/dev/null 2>second.err
rc=$?
desc="watch: a second watcher of the user exits 7 (locked) at once"
check test $rc = 7
timeout 20 "$PM" update --config plain.config --store reg:other.reg >/dev/null 2>&1
rc=$?
desc="watch: an ordinary run beside it is not locked out (exit 5: the client)"
check test $rc = 5
kill "$CPID"; wait "$CPID" 2>/dev/null
wait "$W"
rc=$?
desc="watch: exit 0 after the client exits"
check test $rc = 0
desc="watch: the store is the full update, byte for byte"
check cmp -s w2.reg ref.reg
log=$(grep -l 'event=watch.end' "$work/logs"/*.log | head -1)
desc="watch: watch.end result=ok with latency_ms, waits=1, restarts=0"
check grep -qE 'event=watch.end result=ok latency_ms=[0-9]+ waited_ms=[0-9]+ waits=1 restarts=0' "$log"
desc="watch: run.end result=ok after the watch"
check grep -qE 'event=run.end result=ok .*reason=updated' "$log"
desc="watch: RunAfter not started (WatchRunAfter=no), logged with reason=watch"
check bash -c "[ ! -e '$work/ran-watch.config' ] && grep -qE 'event=run_after .*started=0 reason=watch' '$log'"

# 3. WatchRunAfter=yes starts RunAfter after the watch.
rm -rf "$work/logs"
cp fx/before.reg w3.reg
client
"$PM" update --config watchra.config --store reg:w3.reg --wait-exit=60 >/dev/null 2>&1 &
W=$!
pids+=($W)
wait_log 'event=wait '
kill "$CPID"; wait "$CPID" 2>/dev/null
wait "$W"
rc=$?
desc="WatchRunAfter=yes: exit 0"
check test $rc = 0
desc="WatchRunAfter=yes: RunAfter started"
check wait_file "$work/ran-watchra.config"

# 4. The client starts again between its exit and the commit: nothing written, the watch goes
# on, and completes after the second exit.
rm -rf "$work/logs" "$work/gate"
mkdir "$work/gate"
cp fx/before.reg w4.reg
client
PM_TEST_WATCH_GATE="$work/gate" "$PM" update --config watch.config --store reg:w4.reg \
    --wait-exit=60 >w4.out 2>w4.err &
W=$!
pids+=($W)
wait_log 'event=wait '
kill "$CPID"; wait "$CPID" 2>/dev/null
desc="restart: the watch reaches the gate after the exit"
check wait_file "$work/gate/gate1"
client # Outlook again, before the commit
touch "$work/gate/go1"
for _ in $(seq 1 200); do [ "$(cat "$work/logs"/*.log | grep -c 'event=wait ')" -ge 2 ] && break; sleep 0.05; done
desc="restart: two wait events, the watch still running"
check bash -c "[ \$(cat '$work/logs'/*.log | grep -c 'event=wait ') -ge 2 ] && kill -0 $W"
desc="restart: nothing written (store byte-identical), no backup left"
check bash -c "cmp -s w4.reg fx/before.reg && ! ls '$work/logs/Backups/'*.reg >/dev/null 2>&1"
kill "$CPID"; wait "$CPID" 2>/dev/null
desc="restart: the gate is reached again after the second exit"
check wait_file "$work/gate/gate2"
touch "$work/gate/go2"
wait "$W"
rc=$?
desc="restart: exit 0 after the second exit"
check test $rc = 0
desc="restart: the store is the full update"
check cmp -s w4.reg ref.reg
desc="restart: watch.end waits=2 restarts=1"
check grep -qE 'event=watch.end result=ok latency_ms=[0-9]+ waited_ms=[0-9]+ waits=2 restarts=1' "$work/logs"/*.log
desc="restart: one backup, of the update that was written"
check test "$(ls "$work/logs/Backups/"*.reg 2>/dev/null | wc -l)" = 1

# 5. The watch's time runs out: exit 5, nothing changed.
rm -rf "$work/logs"
cp fx/before.reg w5.reg
client
start=$(date +%s)
"$PM" update --config watch.config --store reg:w5.reg --wait-exit=1 >/dev/null 2>w5.err
rc=$?
desc="time limit: exit 5 (in use)"
check test $rc = 5
desc="time limit: after about a second, not at once and not much later"
check test $(($(date +%s) - start)) -le 10
desc="time limit: store unchanged, in_use and watch.end result=in_use logged"
check bash -c "cmp -s w5.reg fx/before.reg && grep -q 'event=in_use processes=$CLIENT' '$work/logs'/*.log && grep -q 'event=watch.end result=in_use' '$work/logs'/*.log"
# WatchOutlook in prof.config turns the watch on without the option.
config wo.config 'WatchOutlook=1'
rm -rf "$work/logs"
"$PM" update --config wo.config --store reg:w5.reg >/dev/null 2>&1
rc=$?
desc="WatchOutlook=1: the watch runs (wait mode=watch logged) and gives up with exit 5"
check bash -c "test $rc = 5 && grep -q 'event=wait .*mode=watch' '$work/logs'/*.log"
kill "$CPID"; wait "$CPID" 2>/dev/null

# 6. No client: the watch is an ordinary run (no wait, no watch.end).
rm -rf "$work/logs"
cp fx/before.reg w6.reg
"$PM" update --config watch.config --store reg:w6.reg --wait-exit >/dev/null 2>&1
rc=$?
desc="no client: exit 0, the full update, no wait logged"
check bash -c "test $rc = 0 && cmp -s w6.reg ref.reg && ! grep -q 'event=wait' '$work/logs'/*.log"

# 7. Usage.
"$PM" update --config watch.config --store reg:w6.reg --wait-exit=86401 >/dev/null 2>u.err
rc=$?
desc="--wait-exit=86401: exit 2 with a message"
check bash -c "test $rc = 2 && grep -q 'from 0 to 86400' u.err"

echo "$fails failure(s)"
[ "$fails" = 0 ]
