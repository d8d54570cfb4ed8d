#!/bin/bash
# ProfileManager.exe end to end under Wine, the way it runs on a user's PC: no arguments, beside
# prof.config and mbm.puf in C:\pm, against profiles imported into HKCU with `reg import` (the
# fixture scenarios of tests/tools/mkprofiles), results read back with `reg export` and judged by
# pmcheck and against the same update done offline by the Linux build. Cases:
#   in use        a dummy OUTLOOK.EXE of the same user runs: exit 5, nothing changed; an OST held
#                 open by another program counts too; WaitForOutlook waits for it to exit
#   updated       exit 0, pmcheck passes, same result as the offline reg store, OST renamed,
#                 status key written, policy warning logged, backup written
#   nothing to do a second run: exit 0, nothing changed
#   PUF missing   exit 4;  failure (backup impossible, fallback too): exit 6, nothing changed
#   non-ASCII     the PUF and its index in a folder named Migração: found, used, and every open
#                 of them shares delete (Wine's file trace)
#   backup fallback  Logs\Backups cannot be created: the backup goes to Profile.Logs\Backups
#   RunAfter      started (with its arguments) in each case above, not when the config is missing
#   logs          in Logs beside the exe, else in %USERPROFILE%\Profile.Logs
#   lock          a second run while the first holds the lock: exit 7, the first completes
#   trust         writable config warned about; RequireReadOnlyConfig=yes refuses RunAfter
# Skips (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"

for tool in mkprofiles pmcheck profilemanager; do
    [ -x "$BIN/$tool" ] || { echo "FAIL: $BIN/$tool not built"; exit 1; }
done

PM=$C/pm
OFFICE="$C/Program Files/Microsoft Office/root/Office16"
mkdir -p "$PM/tools" "$OFFICE"
cp "$WIN/ProfileManager.exe" "$PM/"
cp "$WIN/tests/win/marker.exe" "$PM/tools/"
cp "$WIN/tests/win/OUTLOOK.exe" "$OFFICE/OUTLOOK.EXE"
cp "$WIN/tests/win/OUTLOOK.exe" "$PM/tools/indexer.exe"
W_OUTLOOK='C:\Program Files\Microsoft Office\root\Office16\OUTLOOK.EXE'
UPROFILE=$C/users/$WUSER

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
FX=$d/fx
# The keys the scenario writes, exported and compared as a whole.
ROOTS=('HKCU\Software\Microsoft\Office' 'HKCU\Software\Microsoft\Exchange' 'HKCU\Software\Contoso'
    'HKCU\Software\Microsoft\Windows NT\CurrentVersion\Windows Messaging Subsystem')

# reset: the profiles as before.reg has them, no status, no policies, fresh config, OST files.
reset() {
    local k
    for k in "${ROOTS[@]}" 'HKCU\Software\ProfileManager' 'HKCU\Software\Policies\Microsoft\Office'; do
        w reg delete "$k" /f >/dev/null 2>&1
    done
    import_reg "$FX/before.reg"
    rm -rf "$PM/Logs" "$PM"/ran-*.txt "$UPROFILE/Profile.Logs"
    cp "$FX/mbm.puf" "$PM/mbm.puf"
    cp "$FX/prof.config" "$PM/prof.config"
    printf 'RunAfter=C:\\pm\\tools\\marker.exe\r\n' >>"$PM/prof.config"
    rm -rf "$C/users/alice"
    mkdir -p "$C/users/alice/AppData/Local/Microsoft/Outlook"
    echo "alice's OST" >"$C/users/alice/AppData/Local/Microsoft/Outlook/alice@source.example.ost"
}
# config KEY=VALUE...: sets keys of C:\pm\prof.config.
config() {
    local kv k
    for kv in "$@"; do
        k=${kv%%=*}
        sed -i "/^$k=/Id" "$PM/prof.config"
        printf '%s\r\n' "$kv" >>"$PM/prof.config"
    done
}
# runafter CASE: RunAfter leaves C:\pm\ran-CASE.txt.
runafter() { config "RunAfterArgs=C:\\pm\\ran-$1.txt $1 \"two words\""; }
# run: ProfileManager.exe with no arguments; rc, $d/out, $d/err.
run() {
    (cd "$d" && w 'C:\pm\ProfileManager.exe' "$@" >"$d/out" 2>"$d/err")
    rc=$?
}
status_has() { status | grep -q -- "$1"; }
has_profiles() {
    iconv -f UTF-16LE -t UTF-8 "$1" |
        grep -qF '[HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\Profiles\Outlook\'
}
# ran CASE: the marker exists and holds the arguments (text mode on Windows: CRLF).
ran() {
    [ -f "$PM/ran-$1.txt" ] || return 1
    tr -d '\r' <"$PM/ran-$1.txt" >"$d/ran.txt"
    grep -qx "arg=$1" "$d/ran.txt" && grep -qx 'arg=two words' "$d/ran.txt"
}
# RunAfter is not waited for: give it a moment to leave its marker.
wait_ran() {
    local i
    for i in $(seq 150); do ran "$1" && return 0; sleep 0.1; done
    return 1
}
same() { cmp -s "$1" "$2"; }
# outlook ARGS...: starts the dummy OUTLOOK.EXE in the background; waits until it is up.
outlook() {
    rm -f "$d/ready" "$d/stop"
    (cd "$d" && w "$W_OUTLOOK" --ready 'C:\outlook-ready' --until 'C:\outlook-stop' "$@" >/dev/null 2>&1) &
    local i
    for i in $(seq 200); do [ -f "$C/outlook-ready" ] && break; sleep 0.1; done
    rm -f "$C/outlook-ready"
}
outlook_stop() { touch "$C/outlook-stop"; wait; rm -f "$C/outlook-stop"; }

# offline_same BEFORE AFTER: the same update done offline by the Linux build from the same
# starting point (the Wine export) gives the same registry content as the live run.
offline_same() {
    rm -rf "$d/offline"
    mkdir -p "$d/offline"
    cp "$1" "$d/offline/store.reg"
    cp "$FX/mbm.puf" "$FX/prof.config" "$d/offline/"
    echo "LogFolder=$d/offline/logs" >>"$d/offline/prof.config"
    HOME=$d/offline "$BIN/profilemanager" update --config "$d/offline/prof.config" \
        --store "reg:$d/offline/store.reg" >"$d/offline/out" 2>&1 || return 1
    python3 - "$2" "$d/offline/store.reg" <<'PY'
import sys

def load(path):
    raw = open(path, 'rb').read()
    text = raw.decode('utf-16-le' if raw[:2] == b'\xff\xfe' else 'utf-8').lstrip('\ufeff')
    lines, cur = [], ''
    for ln in text.replace('\r\n', '\n').split('\n'):
        if cur:
            ln = cur + ln.lstrip()
        if ln.endswith('\\') and not ln.startswith('['):
            cur = ln[:-1]
            continue
        cur = ''
        lines.append(ln)
    keys, key = {}, None
    for ln in lines[1:]:
        if ln.startswith('[') and ln.endswith(']'):
            key = ln[1:-1].lower()
            keys.setdefault(key, {})
        elif key is not None and ln.strip():
            if ln.startswith('@='):
                name, data = '', ln[2:]
            else:
                i, name = 1, ''
                while ln[i] != '"':
                    if ln[i] == '\\':
                        i += 1
                    name += ln[i]
                    i += 1
                data = ln[i + 2:]
            keys[key][name.lower()] = data
    return keys

a, b = load(sys.argv[1]), load(sys.argv[2])
diff = sorted(set(a) ^ set(b))
for k in sorted(set(a) & set(b)):
    if a[k] != b[k]:
        names = set(a[k]) | set(b[k])
        diff += ['%s\\%s: %r != %r' % (k, n, a[k].get(n), b[k].get(n))
                 for n in sorted(names) if a[k].get(n) != b[k].get(n)]
for d in diff[:20]:
    print('  differs:', d)
sys.exit(1 if diff else 0)
PY
}

# ---------------------------------------------------------------- in use
echo "== in use: Outlook running"
reset
runafter inuse
export_before "$d/before.reg"
desc="the imported profiles read back with reg export"
check has_profiles "$d/before.reg"
outlook --max 60
run
outlook_stop
export_roots "$d/after.reg"
desc="in use: exit 5"; check [ "$rc" = 5 ]
desc="in use: stderr says so"; check grep -q 'in use' "$d/err"
desc="in use: nothing changed in the registry"; check same "$d/before.reg" "$d/after.reg"
desc="in use: OST not renamed"
check [ -f "$C/users/alice/AppData/Local/Microsoft/Outlook/alice@source.example.ost" ]
desc="in use: logged with the process name"
check grep -qiE 'event=in_use processes=[^ ]*outlook.exe' "$PM/Logs/"*.log
desc="in use: RunAfter started"; check wait_ran inuse
desc="in use: status key says in_use"; check status_has '"ResultCode"=dword:00000005'

echo "== in use: OST held open by another program"
reset
runafter ostheld
(cd "$d" && w 'C:\pm\tools\indexer.exe' --hold \
    'C:\users\alice\AppData\Local\Microsoft\Outlook\alice@source.example.ost' \
    --ready 'C:\outlook-ready' --until 'C:\outlook-stop' --max 60 >/dev/null 2>&1) &
for i in $(seq 200); do [ -f "$C/outlook-ready" ] && break; sleep 0.1; done
rm -f "$C/outlook-ready"
export_before "$d/before.reg"
run
outlook_stop
export_roots "$d/after.reg"
desc="OST held: exit 5"; check [ "$rc" = 5 ]
desc="OST held: nothing changed"; check same "$d/before.reg" "$d/after.reg"
desc="OST held: the file is named in the log"; check grep -q 'event=in_use files=.*alice@source.example.ost' "$PM/Logs/"*.log
desc="OST held: RunAfter started"; check wait_ran ostheld

echo "== WaitForOutlook: Outlook exits within the wait"
reset
runafter waited
config WaitForOutlook=30
outlook --max 3
run
outlook_stop
desc="WaitForOutlook: exit 0 after Outlook closed"; check [ "$rc" = 0 ]
desc="WaitForOutlook: the wait is logged"; check grep -q 'event=wait' "$PM/Logs/"*.log
desc="WaitForOutlook: RunAfter started"; check wait_ran waited

# ---------------------------------------------------------------- updated
echo "== updated"
reset
runafter updated
w reg add 'HKCU\Software\Policies\Microsoft\Office\16.0\Outlook\Cached Mode' /v enable \
    /t REG_DWORD /d 0 /f >/dev/null 2>&1
export_before "$d/before.reg"
run
export_roots "$d/after.reg"
desc="updated: exit 0"; check [ "$rc" = 0 ]
desc="updated: stdout reports the update"; check grep -q '^updated [1-9]' "$d/out"
desc="updated: pmcheck passes on the Wine result"
check "$BIN/pmcheck" "reg:$d/before.reg" "reg:$d/after.reg" "$FX/manifest.txt" --puf-stage now \
    --config "$FX/prof.config"
desc="updated: log beside the exe, with run.end result=ok"
check grep -q 'event=run.end result=ok exit=0 updated=[1-9]' "$PM/Logs/"*.log
desc="updated: the policy contradicting CachedMode=enable is warned about"
check grep -q 'event=policy.warning key=.*Cached Mode.* value=enable' "$PM/Logs/"*.log
desc="updated: the run summary counts it"; check grep -q 'event=run.end .*policy_warnings=1' "$PM/Logs/"*.log
desc="updated: policy warning on stderr"; check grep -q 'warning: policy' "$d/err"
desc="updated: backup .reg written"; check ls "$PM/Logs/Backups/"*.reg
desc="updated: OstAction=rename renamed the OST"
check bash -c "[ ! -e '$C/users/alice/AppData/Local/Microsoft/Outlook/alice@source.example.ost' ] &&
    ls '$C/users/alice/AppData/Local/Microsoft/Outlook/' | grep -q 'alice@source.example.ost.'"
desc="updated: renamed OST keeps its content"
check bash -c "cat '$C/users/alice/AppData/Local/Microsoft/Outlook/'alice@source.example.ost.* | grep -q \"alice's OST\""
desc="updated: RunAfter started with its arguments"; check wait_ran updated
status >"$d/status.txt"
desc="updated: status key ResultCode=0, Result=ok"
check grep -q '"ResultCode"=dword:00000000' "$d/status.txt"
check grep -q '"Result"="ok"' "$d/status.txt"
desc="updated: status key Updated>0, LastRun, LastRunTime, Version, LogFile"
check grep -qE '"Updated"=dword:0*[1-9a-f]' "$d/status.txt"
check grep -qE '"LastRun"="20[0-9-]+T[0-9:]+Z"' "$d/status.txt"
check grep -q '"LastRunTime"=hex(b):' "$d/status.txt"
check grep -q '"Version"="' "$d/status.txt"
check grep -qi '"LogFile"="C:\\\\pm\\\\Logs\\\\' "$d/status.txt"
desc="trust: writable config warned about on stderr and in the log"
check grep -q "prof.config' is writable" "$d/err"
check grep -q 'event=warning file=.*prof.config.* msg="writable' "$PM/Logs/"*.log

if command -v python3 >/dev/null; then
    desc="updated: same registry result under Wine (live) as offline (reg store)"
    check offline_same "$d/before.reg" "$d/after.reg"
else
    echo "note: python3 not installed: offline comparison not made"
fi

# ---------------------------------------------------------------- nothing to do
echo "== nothing to do"
runafter nothing
export_roots "$d/before2.reg"
run
export_roots "$d/after2.reg"
desc="nothing to do: exit 0"; check [ "$rc" = 0 ]
desc="nothing to do: says so"; check grep -q 'nothing to do' "$d/out"
desc="nothing to do: registry unchanged"; check same "$d/before2.reg" "$d/after2.reg"
desc="nothing to do: RunAfter started"; check wait_ran nothing
desc="nothing to do: status key Updated=0"
check status_has '"Updated"=dword:00000000'

# ---------------------------------------------------------------- PUF missing
echo "== PUF missing"
reset
runafter nopuf
rm -f "$PM/mbm.puf"
export_before "$d/before.reg"
run
export_roots "$d/after.reg"
desc="PUF missing: exit 4"; check [ "$rc" = 4 ]
desc="PUF missing: nothing changed"; check same "$d/before.reg" "$d/after.reg"
desc="PUF missing: RunAfter started"; check wait_ran nopuf
desc="PUF missing: logged"; check grep -q 'event=run.end result=puf_error' "$PM/Logs/"*.log
desc="PUF missing: status key ResultCode=4"; check status_has '"ResultCode"=dword:00000004'

# ---------------------------------------------------------------- PUF in a non-ASCII folder
# PufFile names a folder whose name is not ASCII (a share like \\srv\Migração$): the PUF is opened
# by its UTF-8 path through the wide API (the C runtime's fopen takes ANSI paths, which are UTF-8
# only where the manifest's code page applies: Windows 10 1903 and later, and Wine), sharing
# delete.
echo "== PUF in a folder with a non-ASCII name"
reset
runafter nonascii
mkdir -p "$PM/Migração"
mv "$PM/mbm.puf" "$PM/Migração/mbm.puf"
config 'PufFile=C:\pm\Migração\mbm.puf'
w 'C:\pm\ProfileManager.exe' puf index 'C:\pm\Migração\mbm.puf' >/dev/null 2>&1
desc="non-ASCII PUF folder: puf index wrote the index"; check [ -s "$PM/Migração/mbm.puf.idx" ]
# No local answer cache: the run opens the PUF. Wine's file trace shows every open's sharing.
rm -rf "$UPROFILE/AppData/Local/ProfileManager"
(cd "$d" && WINEDEBUG=+file w 'C:\pm\ProfileManager.exe' >"$d/out" 2>"$d/trace.txt")
rc=$?
desc="non-ASCII PUF folder: exit 0"; check [ "$rc" = 0 ]
desc="non-ASCII PUF folder: the mailboxes updated"; check grep -q 'updated [1-9]' "$d/out"
desc="non-ASCII PUF folder: RunAfter started"; check wait_ran nonascii
# Every open of the PUF and its index shares delete, so that an administrator can rename a new
# one into place while a desktop reads it (docs/windows.md).
puf_opens() { grep -q 'trace:file:CreateFileW L".*mbm\.puf' "$d/trace.txt"; }
desc="non-ASCII PUF folder: the PUF was opened (the trace shows it)"; check puf_opens
desc="non-ASCII PUF folder: the index answered"; check grep -q 'event=puf.lookup .*used_index=1' "$PM/Logs/"*.log
desc="non-ASCII PUF folder: every open of the PUF or its index shares delete"
check bash -c "! grep 'trace:file:CreateFileW L\".*mbm\\.puf' '$d/trace.txt' | grep -v FILE_SHARE_DELETE"
rm -rf "$PM/Migração"

# ---------------------------------------------------------------- backup fallback
# The share as deployment.md sets it up lets users create files in Logs but not folders: Logs\Backups
# cannot be created. Wine does not enforce ACLs, so a file named Backups stands in for the folder
# the user may not create; the backup goes to %USERPROFILE%\Profile.Logs\Backups like the log would.
echo "== backup fallback: Logs\\Backups cannot be created"
reset
runafter fallback
mkdir -p "$PM/Logs"
echo "not a folder" >"$PM/Logs/Backups"
run --dry-run
desc="backup fallback: the dry run names the fallback folder"
check grep -qi "backup would be written to 'C:.users.$WUSER.Profile.Logs.Backups'" "$d/out"
run
desc="backup fallback: exit 0"; check [ "$rc" = 0 ]
desc="backup fallback: the backup is in %USERPROFILE%\Profile.Logs\Backups"
check ls "$UPROFILE/Profile.Logs/Backups/"*.reg
desc="backup fallback: the log beside the exe says so"
check grep -q 'event=warning msg="cannot create or write the backup folder.* fallback=' "$PM/Logs/"*.log
rm -f "$PM/Logs/Backups"

# ---------------------------------------------------------------- failure
echo "== failure: the backup cannot be written"
reset
runafter failed
echo "not a folder" >"$PM/blocker"
config 'BackupFolder=C:\pm\blocker\Backups'
# The fallback cannot be written either.
echo "not a folder" >"$UPROFILE/Profile.Logs"
export_before "$d/before.reg"
run
export_roots "$d/after.reg"
desc="failure: exit 6"; check [ "$rc" = 6 ]
desc="failure: nothing changed"; check same "$d/before.reg" "$d/after.reg"
desc="failure: RunAfter started"; check wait_ran failed
desc="failure: status key says rolled_back"
check status_has '"Result"="rolled_back"'
rm -f "$PM/blocker"

# ---------------------------------------------------------------- config missing
echo "== config missing"
reset
runafter noconfig
rm -f "$PM/prof.config"
export_before "$d/before.reg"
run
export_roots "$d/after.reg"
desc="config missing: exit 3"; check [ "$rc" = 3 ]
desc="config missing: nothing changed"; check same "$d/before.reg" "$d/after.reg"
desc="config missing: one clear line on stderr"; check grep -q 'prof.config' "$d/err"
sleep 2
desc="config missing: RunAfter not started"; check [ ! -e "$PM/ran-noconfig.txt" ]
# The run names the user even without its config: the status key says ResultCode=3, so a
# detection rule does not keep reading the last good run's "done".
status >"$d/status.txt"
desc="config missing: status key ResultCode=3, Result=config_error, Action=update"
check grep -q '"ResultCode"=dword:00000003' "$d/status.txt"
check grep -q '"Result"="config_error"' "$d/status.txt"
check grep -q '"Action"="update"' "$d/status.txt"

# ---------------------------------------------------------------- log fallback
echo "== logs: fallback when Logs cannot be created"
reset
runafter fallback
echo "a file, not a folder" >"$PM/Logs"
run
desc="fallback: exit 0"; check [ "$rc" = 0 ]
desc="fallback: log in %USERPROFILE%\\Profile.Logs"
check grep -q 'event=run.end result=ok' "$UPROFILE/Profile.Logs/"*.log
desc="fallback: the log name is <COMPUTER>_<user>.log"
check bash -c "ls '$UPROFILE/Profile.Logs/' | grep -qi '_$WUSER.log\$'"
desc="fallback: RunAfter started"; check wait_ran fallback
rm -f "$PM/Logs"

# ---------------------------------------------------------------- lock
echo "== one run at a time"
reset
runafter locked
config WaitForOutlook=40 LockWait=1
outlook --max 60
(cd "$d" && w 'C:\pm\ProfileManager.exe' >"$d/out1" 2>"$d/err1"; echo $? >"$d/rc1") &
first=$!
for i in $(seq 200); do grep -q 'event=wait' "$PM/Logs/"*.log 2>/dev/null && break; sleep 0.1; done
t0=$(date +%s)
run
t1=$(date +%s)
desc="lock: the second run exits 7"; check [ "$rc" = 7 ]
desc="lock: after waiting about LockWait"; check [ $((t1 - t0)) -lt 15 ]
desc="lock: the second run says so"; check grep -q 'in progress' "$d/err"
touch "$C/outlook-stop"
wait $first
outlook_stop
desc="lock: the first run completes the update"; check [ "$(cat "$d/rc1")" = 0 ]
export_roots "$d/after.reg"
desc="lock: result passes pmcheck"
check "$BIN/pmcheck" "reg:$d/before.reg" "reg:$d/after.reg" "$FX/manifest.txt" --puf-stage now \
    --config "$FX/prof.config"

# ---------------------------------------------------------------- trust
echo "== RequireReadOnlyConfig"
reset
runafter refused
config RequireReadOnlyConfig=yes
run
desc="RequireReadOnlyConfig: the update still runs"; check [ "$rc" = 0 ]
sleep 2
desc="RequireReadOnlyConfig: RunAfter not started for a writable config"
check [ ! -e "$PM/ran-refused.txt" ]
desc="RequireReadOnlyConfig: the refusal is logged"; check grep -q 'RunAfter not started' "$PM/Logs/"*.log

# ---------------------------------------------------------------- every scenario
# Each fixture scenario (Outlook 2007 profiles under Windows Messaging Subsystem, Office 15,
# side-by-side versions) updated live under Wine: pmcheck passes and the result equals the
# offline one.
for scenario in $("$BIN/mkprofiles" --list); do
    echo "== scenario $scenario"
    FX=$d/fx-$scenario
    "$BIN/mkprofiles" --scenario "$scenario" "$FX" >/dev/null || { echo "FAIL: mkprofiles $scenario"; fails=$((fails + 1)); continue; }
    reset
    runafter "$scenario"
    export_before "$d/before.reg"
    run
    export_roots "$d/after.reg"
    desc="$scenario: exit 0"; check [ "$rc" = 0 ]
    desc="$scenario: pmcheck passes"
    check "$BIN/pmcheck" "reg:$d/before.reg" "reg:$d/after.reg" "$FX/manifest.txt" \
        --puf-stage now --config "$FX/prof.config"
    if command -v python3 >/dev/null; then
        desc="$scenario: same result as offline"; check offline_same "$d/before.reg" "$d/after.reg"
    fi
    desc="$scenario: RunAfter started"; check wait_ran "$scenario"
done

echo "$fails failure(s)"
[ $fails -eq 0 ]
