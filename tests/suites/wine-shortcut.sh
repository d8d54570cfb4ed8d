#!/bin/bash
# The shortcut rewrite end to end under Wine: Outlook shortcuts are made by the shell's own
# IShellLinkW (tests/win/mklnk.c, cross-built here) on the Desktop, in the Start Menu, among the
# taskbar pins and in a --dir folder, next to a shortcut that is not Outlook's. Then
# ProfileManager.exe (cross-built here) must: list them; apply -> each starts ProfileManager.exe
# with Outlook's icon, the same arguments, folder, window state and description, read so by the
# shell and by lnkinfo (an independent parser), originals kept byte for byte; apply again -> no
# byte changes; restore -> the very original files back. Skips (77) without wine, mingw-w64 or
# lnkinfo.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
WINE=$(command -v wine || true)
[ -z "$WINE" ] && [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
WINESERVER=$(command -v wineserver || true)
[ -z "$WINESERVER" ] && [ -x /usr/lib/wine/wineserver ] && WINESERVER=/usr/lib/wine/wineserver
CC_WIN=$(command -v x86_64-w64-mingw32-gcc || true)
for need in WINE WINESERVER CC_WIN; do
    [ -n "${!need}" ] || { echo "$need not installed: skipped"; exit 77; }
done
command -v lnkinfo >/dev/null || { echo "lnkinfo (liblnk-utils) not installed: skipped"; exit 77; }
[ -f "$SRC/cmake/mingw-w64.cmake" ] || { echo "no Windows toolchain file: skipped"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-wine-shortcut-XXXXXX")
# Wine links the prefix's Desktop to $HOME and would drop menu files there: keep both inside $d.
export HOME=$d/home WINEPREFIX=$d/prefix WINEDEBUG=-all
export WINEDLLOVERRIDES="mscoree,mshtml=;winemenubuilder.exe=d"
mkdir -p "$HOME"
cleanup() { "$WINESERVER" -k >/dev/null 2>&1; rm -rf "$d"; }
trap cleanup EXIT
"$WINESERVER" -p >/dev/null 2>&1

fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

# ---- build the two Windows programs ----
exe=${PM_WIN_EXE:-}
if [ -z "$exe" ]; then
    cmake -S "$SRC" -B "$d/build-win" -DCMAKE_TOOLCHAIN_FILE="$SRC/cmake/mingw-w64.cmake" \
        -DCMAKE_BUILD_TYPE=Release -DPM_TESTS=OFF >"$d/cmake.log" 2>&1 &&
        cmake --build "$d/build-win" -j2 --target profilemanager >>"$d/cmake.log" 2>&1 ||
        { cat "$d/cmake.log"; echo "FAIL: cross build of ProfileManager.exe"; exit 1; }
    exe=$d/build-win/ProfileManager.exe
fi
"$CC_WIN" -O2 -municode -static -o "$d/mklnk.exe" "$SRC/tests/win/mklnk.c" -lole32 -luuid \
    -lshell32 || { echo "FAIL: cross build of mklnk.exe"; exit 1; }
"$WINE" wineboot -i >/dev/null 2>&1

C=$WINEPREFIX/drive_c
U=$(ls "$C/users" | grep -vx Public | head -n 1)
[ -n "$U" ] || { echo "FAIL: no user folder in the prefix"; exit 1; }
OFFICE='C:\Program Files\Microsoft Office\root\Office16'
mkdir -p "$C/Program Files/Microsoft Office/root/Office16" "$C/PM" "$C/Kiosk"
cp "$d/mklnk.exe" "$C/Program Files/Microsoft Office/root/Office16/OUTLOOK.EXE"
cp "$exe" "$C/PM/ProfileManager.exe"
PMW='C:\PM\ProfileManager.exe'

W_DESK="C:\\users\\$U\\Desktop"
W_START="C:\\users\\$U\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs"
W_PIN="C:\\users\\$U\\AppData\\Roaming\\Microsoft\\Internet Explorer\\Quick Launch\\User Pinned\\TaskBar"
L_DESK=$C/users/$U/Desktop
L_START="$C/users/$U/AppData/Roaming/Microsoft/Windows/Start Menu/Programs"
L_PIN="$C/users/$U/AppData/Roaming/Microsoft/Internet Explorer/Quick Launch/User Pinned/TaskBar"
mkdir -p "$L_DESK" "$L_START" "$L_PIN"

mk() { "$WINE" "$d/mklnk.exe" create "$@" || { echo "FAIL: mklnk create $1"; exit 1; }; }
mk "$W_DESK\\Outlook.lnk" "$OFFICE\\OUTLOOK.EXE" -a '/recycle' -w "$OFFICE" -s 3 -d 'Read mail'
mk "$W_START\\Outlook.lnk" "$OFFICE\\OUTLOOK.EXE" -d 'Microsoft Outlook'
mk "$W_PIN\\Outlook.lnk" "$OFFICE\\OUTLOOK.EXE" -i "$OFFICE\\OUTLOOK.EXE" -n 2 -s 7
mk "C:\\Kiosk\\Mail – Büro.lnk" "$OFFICE\\OUTLOOK.EXE" -a '/select outlook:inbox' -w 'C:\Kiosk'
mk "$W_DESK\\Notepad.lnk" 'C:\windows\notepad.exe' -d 'not Outlook'

links=("$L_DESK/Outlook.lnk" "$L_START/Outlook.lnk" "$L_PIN/Outlook.lnk" "$C/Kiosk/Mail – Büro.lnk")
wlinks=("$W_DESK\\Outlook.lnk" "$W_START\\Outlook.lnk" "$W_PIN\\Outlook.lnk" "C:\\Kiosk\\Mail – Büro.lnk")
mkdir "$d/orig"
for i in "${!links[@]}"; do
    cp -p "${links[$i]}" "$d/orig/$i.lnk"
    "$WINE" "$d/mklnk.exe" show "${wlinks[$i]}" | tr -d '\r' >"$d/orig/$i.show"
done
cp -p "$L_DESK/Notepad.lnk" "$d/orig/notepad.lnk"

# 0 when Windows sees the file's hidden attribute (attrib's flag columns hold an H).
hidden() { "$WINE" cmd /c attrib "$1" 2>/dev/null | tr -d '\r' | cut -c1-12 | grep -q H; }
not_hidden() { ! hidden "$1"; }

pm() {
    "$WINE" "$C/PM/ProfileManager.exe" "$@" >"$d/out.raw" 2>"$d/stderr"
    local r=$?
    tr -d '\r' <"$d/out.raw"
    return $r
}

# ---- list ----
pm shortcut list --dir 'C:\Kiosk' >"$d/list1"
desc="list finds the four Outlook shortcuts (Desktop, Start Menu, taskbar pin, --dir)"
check test "$(grep -c '^outlook ' "$d/list1")" = 4
desc="list leaves out the shortcut that is not Outlook's"
check bash -c "! grep -q Notepad '$d/list1'"

# ---- apply ----
pm shortcut apply --dir 'C:\Kiosk' >"$d/apply1"
desc="apply exits 0"
check test $? = 0
desc="apply reports 4 changed"
check grep -q '^apply: 4 changed, 0 already done, 0 failed' "$d/apply1"
for i in "${!links[@]}"; do
    f=${links[$i]}
    "$WINE" "$d/mklnk.exe" show "${wlinks[$i]}" | tr -d '\r' >"$d/new$i.show"
    desc="shortcut $i: the shell reads ProfileManager.exe as its target"
    check grep -Fqx "target=$PMW" "$d/new$i.show"
    desc="shortcut $i: arguments, folder, window state and description kept"
    check diff <(grep -E '^(args|workdir|show|desc)=' "$d/orig/$i.show") \
        <(grep -E '^(args|workdir|show|desc)=' "$d/new$i.show")
    oicon=$(sed -n 's/^icon=//p' "$d/orig/$i.show")
    oidx=$(sed -n 's/^iconindex=//p' "$d/orig/$i.show")
    if [ -z "$oicon" ]; then oicon="$OFFICE\\OUTLOOK.EXE"; oidx=0; fi
    desc="shortcut $i: Outlook's icon ($oicon,$oidx)"
    check grep -Fqx "icon=$oicon" "$d/new$i.show"
    check grep -Fqx "iconindex=$oidx" "$d/new$i.show"
    lnkinfo "$f" >"$d/lnkinfo$i" 2>&1
    desc="shortcut $i: lnkinfo reads it, local path is ProfileManager.exe"
    check grep -qF "Local path			: $PMW" "$d/lnkinfo$i"
    desc="shortcut $i: lnkinfo sees Outlook's icon"
    check grep -qF "Icon location			: $oicon" "$d/lnkinfo$i"
    desc="shortcut $i: original kept byte for byte beside it"
    check cmp -s "$f.pm-orig" "$d/orig/$i.lnk"
    desc="shortcut $i: the kept original is hidden, the shortcut is not"
    check hidden "${wlinks[$i]}.pm-orig"
    check not_hidden "${wlinks[$i]}"
done
desc="the shortcut that is not Outlook's is untouched"
check cmp -s "$L_DESK/Notepad.lnk" "$d/orig/notepad.lnk"
desc="the offline reader (lnk.c) reads the shell's rewritten shortcuts as applied"
if [ -x "$BIN/profilemanager" ]; then
    check test "$("$BIN/profilemanager" shortcut list --dir "$L_DESK" --dir "$L_START" \
        --dir "$L_PIN" --dir "$C/Kiosk" | grep -c '^applied .*ProfileManager.exe')" = 4
fi
pm shortcut list --dir 'C:\Kiosk' >"$d/list2"
desc="list shows all four as applied"
check test "$(grep -c '^applied ' "$d/list2")" = 4

# ---- apply again: nothing changes ----
snap() { for f in "${links[@]}"; do sha256sum "$f" "$f.pm-orig"; done; }
snap >"$d/snap1"
pm shortcut apply --dir 'C:\Kiosk' >"$d/apply2"
desc="apply twice: reports 0 changed, 4 already done"
check grep -q '^apply: 0 changed, 4 already done, 0 failed' "$d/apply2"
desc="apply twice: every shortcut and kept original byte-identical"
check diff "$d/snap1" <(snap)

# ---- the trick itself: starting Outlook through a rewritten shortcut runs the tool first ----
# The dummy OUTLOOK.EXE (mklnk.exe) leaves a marker when RunAfter starts it with these arguments.
printf 'PufFile=mbm.puf\r\nRunAfter=%s\\OUTLOOK.EXE\r\nRunAfterArgs=create C:\\started.lnk C:\\windows\\notepad.exe\r\n' \
    "$OFFICE" >"$C/PM/prof.config"
printf '/o=Source/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=nobody|/o=Target/cn=nobody|nobody@target.example|Nobody||\n' \
    >"$C/PM/mbm.puf"
"$WINE" start /wait "$W_START\\Outlook.lnk" >/dev/null 2>&1
for _ in $(seq 1 50); do [ -e "$C/started.lnk" ] && break; sleep 0.2; done
desc="starting the rewritten Start Menu shortcut runs ProfileManager.exe, which starts Outlook"
check test -e "$C/started.lnk"
desc="... and that run wrote its log beside the exe and the status key"
check bash -c "ls '$C/PM/Logs/'*.log >/dev/null 2>&1"
check bash -c "'$WINE' reg query 'HKCU\\Software\\ProfileManager' /v ResultCode 2>/dev/null | tr -d '\\r' | grep -q 'REG_DWORD    0x0'"

# ---- the Windows build's package command: deflated with the mingw zlib ----
if command -v unzip >/dev/null && command -v python3 >/dev/null; then
    pm package --out 'C:\kit.zip' >/dev/null
    desc="ProfileManager.exe package (Windows build) writes a zip that unzip -t accepts"
    check unzip -tq "$C/kit.zip"
    desc="... deflated (the Windows build has zlib), members equal the kit's files"
    check python3 - "$C/kit.zip" "$C/PM" <<'PY'
import sys, zipfile, os
z = zipfile.ZipFile(sys.argv[1])
assert z.testzip() is None
for n in ("ProfileManager.exe", "prof.config", "mbm.puf"):
    assert z.read(n) == open(os.path.join(sys.argv[2], n), "rb").read(), n
assert z.getinfo("ProfileManager.exe").compress_type == zipfile.ZIP_DEFLATED
PY
fi

# ---- restore ----
pm shortcut restore --dir 'C:\Kiosk' >"$d/restore"
desc="restore reports 4 changed"
check grep -q '^restore: 4 changed' "$d/restore"
for i in "${!links[@]}"; do
    desc="shortcut $i: restored byte for byte, no kept copy left, not hidden"
    check cmp -s "${links[$i]}" "$d/orig/$i.lnk"
    check test ! -e "${links[$i]}.pm-orig"
    check not_hidden "${wlinks[$i]}"
done
pm shortcut list --dir 'C:\Kiosk' >"$d/list3"
desc="after restore list shows four Outlook shortcuts again"
check test "$(grep -c '^outlook ' "$d/list3")" = 4

# ---- --target: the shortcuts can point at the exe on a share ----
pm shortcut apply --target '\\fs01\netlogon\ProfileManager.exe' >"$d/apply3"
desc="--target: Desktop shortcut starts the given program"
check grep -Fqx 'target=\\fs01\netlogon\ProfileManager.exe' \
    <("$WINE" "$d/mklnk.exe" show "$W_DESK\\Outlook.lnk" | tr -d '\r')
pm shortcut restore >/dev/null
desc="--target: restore after it still gives the original back"
check cmp -s "$L_DESK/Outlook.lnk" "$d/orig/0.lnk"

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
