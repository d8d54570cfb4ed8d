#!/bin/bash
# The watch mode (update --wait-exit) of ProfileManager.exe under Wine, on the live registry:
# the dummy OUTLOOK.EXE (tests/win/fake-outlook.c) holds the profile; the watch started beside it
# changes nothing while it runs (reg export byte-identical), says "Waiting" with the client's
# name in the status key, and keeps a second watcher out; the moment OUTLOOK.EXE exits the
# profile is fully updated (pmcheck; a second run finds nothing to do), the exit code is 0, and
# the log's watch.end gives the latency from the exit to the commit (printed: the figure
# docs/performance.md records). Also: the scheduled task packaging/ProfileManager-watch.xml
# registers with Wine's `schtasks /create /xml`. Skips (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"

for tool in mkprofiles pmcheck; do
    [ -x "$BIN/$tool" ] || { echo "FAIL: $BIN/$tool not built"; exit 1; }
done

PM=$C/pm
OFFICE="$C/Program Files/Microsoft Office/root/Office16"
mkdir -p "$PM" "$OFFICE"
cp "$WIN/ProfileManager.exe" "$PM/"
cp "$WIN/tests/win/OUTLOOK.exe" "$OFFICE/OUTLOOK.EXE"
W_OUTLOOK='C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE'

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
FX=$d/fx
ROOTS=('HKCU\Software\Microsoft\Office' 'HKCU\Software\Microsoft\Exchange' 'HKCU\Software\Contoso'
    'HKCU\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem')
import_reg "$FX/before.reg"
cp "$FX/mbm.puf" "$FX/prof.config" "$PM/"
mkdir -p "$C/users/alice/AppData/Local/Microsoft/Outlook"
echo "alice's OST" >"$C/users/alice/AppData/Local/Microsoft/Outlook/alice@source.example.ost"

log_has() { grep -qE "$1" "$PM/Logs/"*.log 2>/dev/null; }
wait_log() {
    # Up to 120 s: a loaded machine (another suite cross-building) slows Wine's start a lot.
    for _ in $(seq 1 1200); do log_has "$1" && return 0; sleep 0.1; done
    return 1
}

export_before "$d/before.reg"
# The dummy Outlook, then the watch beside it.
rm -f "$C/outlook-ready" "$C/outlook-stop"
(cd "$d" && w "$W_OUTLOOK" --ready 'C:\outlook-ready' --until 'C:\outlook-stop' --max 80 \
    >/dev/null 2>&1) &
OUT_PID=$!
# (up to 120 s, as wait_log below)
for _ in $(seq 1200); do [ -f "$C/outlook-ready" ] && break; sleep 0.1; done
(cd "$d" && w 'C:\pm\ProfileManager.exe' update --wait-exit=70 >"$d/out" 2>"$d/err") &
WATCH=$!
desc="watch: waits, the wait logged with OUTLOOK.EXE (mode=watch)"
check wait_log 'event=wait processes=OUTLOOK.EXE seconds=[0-9]+ mode=watch'
(cd "$d" && w 'C:\pm\ProfileManager.exe' update --wait-exit=70 >/dev/null 2>&1)
rc2=$?
desc="watch: a second watcher of the user exits 7 (locked)"
check [ "$rc2" = 7 ]
status >"$d/status-waiting.txt"
desc="watch: status key Result=Waiting, WaitingFor=OUTLOOK.EXE, ResultCode 5 (the second watcher left it)"
check bash -c "grep -q '\"Result\"=\"Waiting\"' '$d/status-waiting.txt' &&
    grep -q '\"WaitingFor\"=\"OUTLOOK.EXE\"' '$d/status-waiting.txt' &&
    grep -q '\"ResultCode\"=dword:00000005' '$d/status-waiting.txt'"
export_roots "$d/during.reg"
desc="watch: the profile is byte-identical while OUTLOOK.EXE runs"
check cmp -s "$d/before.reg" "$d/during.reg"
desc="watch: still running while OUTLOOK.EXE runs"
check kill -0 "$WATCH"

touch "$C/outlook-stop"
wait "$OUT_PID"
wait "$WATCH"
rc=$?
rm -f "$C/outlook-stop"
export_roots "$d/after.reg"
desc="watch: exit 0 after OUTLOOK.EXE exits"
check [ "$rc" = 0 ]
desc="watch: the profile is updated (pmcheck)"
check "$BIN/pmcheck" "reg:$d/before.reg" "reg:$d/after.reg" "$FX/manifest.txt" --puf-stage now \
    --config "$FX/prof.config"
desc="watch: watch.end result=ok with the latency, one wait, no restart"
check log_has 'event=watch.end result=ok latency_ms=[0-9]+ waited_ms=[0-9]+ waits=1 restarts=0'
desc="watch: the OST renamed"
check bash -c "ls '$C/users/alice/AppData/Local/Microsoft/Outlook/' | grep -q 'alice@source.example.ost.'"
status >"$d/status-done.txt"
desc="watch: status key ok afterwards, WaitingFor gone"
check bash -c "grep -q '\"Result\"=\"ok\"' '$d/status-done.txt' && ! grep -q WaitingFor '$d/status-done.txt'"
lat=$(grep -ohE 'event=watch.end result=ok latency_ms=[0-9]+' "$PM/Logs/"*.log | sed 's/.*=//' | tail -1)
echo "latency from OUTLOOK.EXE's exit to the commit (Wine): ${lat:-?} ms"
# The first watch's mutexes are let go when wineserver sees its process end, which can come
# after the shell's wait returns; a watch never waits for the watch lock (it exits 7), so wait for
# wineserver to be done with every process of the prefix first.
"$WINESERVER" -w
(cd "$d" && w 'C:\pm\ProfileManager.exe' update --wait-exit=70 >"$d/out2" 2>&1)
rc=$?
desc="watch: a later watch finds nothing to do, exit 0 at once"
check bash -c "[ $rc = 0 ] && grep -q 'nothing to do' '$d/out2'" ||
    { echo "  exit $rc:"; sed 's/^/  /' "$d/out2"; tail -n 20 "$PM/Logs/"*.log | cut -c1-400 | sed 's/^/  /'; }

# The scheduled task: Wine's schtasks reads the XML and registers it (it keeps only part of
# it: Wine's Task Scheduler has no logon or session triggers; tests/suites/task-xml.sh checks
# the rest against the schema).
# start_service NAME: `net start`, again while the service database is busy (Wine's services
# are often still starting other services just after the prefix was made).
start_service() {
    for _ in $(seq 1 15); do
        w net start "$1" >>"$d/st.out" 2>&1
        w sc query "$1" 2>/dev/null | grep -q RUNNING && return 0
        sleep 1
    done
    return 1
}
: >"$d/st.out"
start_service RpcSs
start_service Schedule
cp "$SRC/packaging/ProfileManager-watch.xml" "$C/watch.xml"
timeout 30 "$WINE" schtasks /create /tn ProfileManager-watch /xml 'C:\watch.xml' /f >>"$d/st.out" 2>&1
rc=$?
[ $rc = 0 ] || cat "$d/st.out"
desc="task: schtasks /create /xml accepts packaging/ProfileManager-watch.xml"
check bash -c "[ $rc = 0 ] && [ -f '$C/windows/system32/tasks/ProfileManager-watch' ]"
timeout 30 "$WINE" schtasks /delete /tn ProfileManager-watch /f >/dev/null 2>&1
rc=$?
desc="task: schtasks /delete /tn ProfileManager-watch /f removes it"
check bash -c "[ $rc = 0 ] && [ ! -e '$C/windows/system32/tasks/ProfileManager-watch' ]"

echo "$fails failure(s)"
[ "$fails" = 0 ]
