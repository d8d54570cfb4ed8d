#!/bin/bash
# ProfileManager.exe follows Windows conventions (docs/windows.md): "/?", "-?", "/help" and
# "/HELP" print the usage and exit 0 without touching anything (the user's and the machine's
# registry exported with `reg export` are byte-identical before and after, no log is written);
# "COMMAND /?" prints that command's help; the exe carries a VERSIONINFO with the project version
# and an application manifest (asInvoker, UTF-8 active code page, Windows 7-11), read back with
# pefile, a PE reader independent of the toolchain that wrote them; one Application event per run
# with the exit code as event id (Wine's ReportEventW only traces the call, which is what is
# checked here); a run with its input redirected never waits for a key.
# Skips (77) without Wine or mingw-w64; pefile (python3-pefile) is needed for the resource checks.
. "$(dirname "$0")/../win/wine-env.sh"

PM=$C/pm
mkdir -p "$PM"
cp "$WIN/ProfileManager.exe" "$PM/"
VERSION=$(sed -n 's/^#define PM_VERSION "\(.*\)"/\1/p' "$SRC/include/pm/pm.h")

export_reg() {
    export_key HKCU "$1.hkcu"
    export_key 'HKLM\Software' "$1.hklm"
}
# The prefix settles (wineboot, services) before the first snapshot, so that only the tool could
# change anything between the two.
"$WINESERVER" -w
export_reg "$d/before"
for a in '/?' '-?' '/help' '/HELP'; do
    (cd "$d" && w 'C:\pm\ProfileManager.exe' "$a" >"$d/out" 2>"$d/err" </dev/null)
    rc=$?
    desc="'$a': exit 0"; check [ "$rc" = 0 ]
    desc="'$a': prints the usage"; check grep -q '^usage: profilemanager' "$d/out"
    desc="'$a': nothing on stderr"; check [ ! -s "$d/err" ]
done
"$WINESERVER" -w
export_reg "$d/after"
desc="'/?' and friends leave HKCU byte-identical"
check cmp -s "$d/before.hkcu" "$d/after.hkcu"
desc="'/?' and friends leave HKLM\\Software byte-identical"
check cmp -s "$d/before.hklm" "$d/after.hklm"
desc="the exports are real (the snapshots hold registry keys)"
check grep -qa 'HKEY_CURRENT_USER' <(iconv -f UTF-16LE -t UTF-8 "$d/after.hkcu" 2>/dev/null)
desc="'/?' writes no log and no status beside the exe"
check [ ! -e "$PM/Logs" ]

(cd "$d" && w 'C:\pm\ProfileManager.exe' puf '/?' >"$d/out" 2>&1 </dev/null)
rc=$?
desc="'puf /?': exit 0 with puf's own help"
check [ "$rc" = 0 ]
check grep -q '^usage: profilemanager puf' "$d/out"

# ---- one Application event per run, event id = exit code (Wine traces ReportEventW) ----
(cd "$d" && WINEDEBUG=err+eventlog,fixme+advapi timeout 60 "$WINE" 'C:\pm\ProfileManager.exe' \
    >"$d/out" 2>"$d/err" </dev/null)
rc=$?
desc="a run without prof.config exits 3 (and does not wait for a key: its input is redirected)"
check [ "$rc" = 3 ]
desc="the run registers the event source ProfileManager"
check grep -q 'RegisterEventSourceW ((null),L"ProfileManager")' "$d/err"
desc="the run reports exactly one event, with event id 3 (the exit code), as an error"
check [ "$(grep -c 'ReportEventW (' "$d/err")" = 1 ]
check grep -q 'ReportEventW ([0-9A-Fa-f]*,0x0001,0x0000,0x00000003,' "$d/err"
check grep -q 'err:eventlog:ReportEventW L"command update, exit code 3"' "$d/err"
(cd "$d" && WINEDEBUG=fixme+advapi "$WINE" 'C:\pm\ProfileManager.exe' '/?' >"$d/out" 2>"$d/err" </dev/null)
desc="'/?' reports no event"
check [ "$(grep -c 'ReportEventW (' "$d/err")" = 0 ]

# ---- resources, read back by pefile ----
PY=/usr/bin/python3
if ! "$PY" -c 'import pefile' 2>/dev/null; then
    echo "pefile (python3-pefile) not installed: resource checks skipped"
else
    "$PY" - "$WIN/ProfileManager.exe" >"$d/res" <<'PYEOF'
import sys, pefile
pe = pefile.PE(sys.argv[1])
for fi in pe.FileInfo[0]:
    if fi.Key == b'StringFileInfo':
        for st in fi.StringTable:
            for k, v in st.entries.items():
                print('string %s=%s' % (k.decode(), v.decode()))
f = pe.VS_FIXEDFILEINFO[0]
print('fixed %d.%d.%d.%d' % (f.FileVersionMS >> 16, f.FileVersionMS & 0xffff,
                              f.FileVersionLS >> 16, f.FileVersionLS & 0xffff))
for e in pe.DIRECTORY_ENTRY_RESOURCE.entries:
    print('type %s' % pefile.RESOURCE_TYPE.get(e.id, e.id))
    if e.id == pefile.RESOURCE_TYPE['RT_MANIFEST']:
        s = e.directory.entries[0].directory.entries[0].data.struct
        open(sys.argv[1] + '.manifest', 'wb').write(pe.get_data(s.OffsetToData, s.Size))
PYEOF
    quad=$(echo "$VERSION.0.0.0" | cut -d. -f1-4)
    desc="VERSIONINFO: FileVersion and ProductVersion are $VERSION"
    check grep -qx "string FileVersion=$VERSION" "$d/res"
    check grep -qx "string ProductVersion=$VERSION" "$d/res"
    desc="VERSIONINFO: the fixed file version is $quad"
    check grep -qx "fixed $quad" "$d/res"
    desc="VERSIONINFO: original file name and product name"
    check grep -qx "string OriginalFilename=ProfileManager.exe" "$d/res"
    check grep -qx "string ProductName=ProfileManager" "$d/res"
    desc="the exe has a message table (the event log's texts)"
    check grep -qx "type RT_MESSAGETABLE" "$d/res"
    desc="the exe has a manifest"
    check grep -qx "type RT_MANIFEST" "$d/res"
    m=$WIN/ProfileManager.exe.manifest
    desc="manifest: asInvoker"
    check grep -q 'requestedExecutionLevel level="asInvoker"' "$m"
    desc="manifest: UTF-8 active code page"
    check grep -q '<activeCodePage [^>]*>UTF-8</activeCodePage>' "$m"
    desc="manifest: Windows 7, 8, 8.1 and 10/11 supported"
    for id in 35138b9a-5d96-4fbd-8e2d-a2440225f93a 4a2f28e3-53b9-4441-ba9c-d69d4a4a6e38 \
        1f676c76-80e1-4239-95bb-83d0f6d0da78 8e0f7a12-bfb3-4fe8-b9a5-48fd50a15a9a; do
        check grep -q "supportedOS Id=\"{$id}\"" "$m"
    done
    desc="manifest: well-formed XML"
    check "$PY" -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$m"
fi

echo "$fails failure(s)"
[ $fails -eq 0 ]
