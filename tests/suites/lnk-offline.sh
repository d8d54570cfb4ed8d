#!/bin/bash
# The offline shortcut commands (lnk.c reader and writer, no shell) on shortcuts the Windows
# shell made (fuzz/corpus/lnk/wine-*.lnk, written by IShellLinkW under Wine): list finds the
# Outlook ones, apply --target rewrites them so that lnkinfo (liblnk-utils, an independent
# parser) reads the new target, Outlook's icon and the kept arguments, folder and description;
# apply again changes nothing; restore gives the shell's bytes back. Skips (77) without lnkinfo.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
PM=$BIN/profilemanager
[ -x "$PM" ] || { echo "profilemanager not built"; exit 1; }
command -v lnkinfo >/dev/null || { echo "lnkinfo (liblnk-utils) not installed: skipped"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-lnk-offline-XXXXXX")
trap 'rm -rf "$d"' EXIT
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

C=$SRC/fuzz/corpus/lnk
mkdir -p "$d/Desktop" "$d/Start Menu/Programs" "$d/orig"
cp "$C/wine-outlook.lnk" "$d/Desktop/Outlook.lnk"
cp "$C/wine-notepad.lnk" "$d/Desktop/Notepad.lnk"
cp "$C/wine-unicode.lnk" "$d/Start Menu/Programs/Outlook – Büro.lnk"
cp -r "$d/Desktop" "$d/Start Menu" "$d/orig/"
OFFICE='C:\Program Files\Microsoft Office\root\Office16'
TOOL='C:\Tools\ProfileManager.exe'
dirs=(--dir "$d/Desktop" --dir "$d/Start Menu")

"$PM" shortcut list "${dirs[@]}" >"$d/list1"
desc="list finds the two Outlook shortcuts and not Notepad"
check test "$(grep -c '^outlook ' "$d/list1")" = 2
check bash -c "! grep -q Notepad '$d/list1'"

desc="apply without --target is refused offline (the exe path here means nothing on a PC)"
"$PM" shortcut apply "${dirs[@]}" >/dev/null 2>&1
check test $? = 2

"$PM" shortcut apply "${dirs[@]}" --target "$TOOL" >"$d/apply1"
desc="apply exits 0 and rewrites 2"
check test $? = 0
check grep -q '^apply: 2 changed, 0 already done, 0 failed' "$d/apply1"

lnkinfo "$d/Desktop/Outlook.lnk" >"$d/info1" 2>&1
desc="lnkinfo reads the rewritten Desktop shortcut"
check test $? = 0
desc="lnkinfo: local path is the tool"
check grep -qF "Local path			: $TOOL" "$d/info1"
desc="lnkinfo: Outlook's icon (the old target, as the shortcut had none)"
check grep -qF "Icon location			: $OFFICE\\OUTLOOK.EXE" "$d/info1"
desc="lnkinfo: arguments, working folder and description kept"
check grep -qF "Command line arguments		: /recycle" "$d/info1"
check grep -qF "Working directory		: $OFFICE" "$d/info1"
check grep -qF "Description			: Read mail" "$d/info1"

lnkinfo "$d/Start Menu/Programs/Outlook – Büro.lnk" >"$d/info2" 2>&1
desc="lnkinfo reads the Unicode one: target, its own icon, arguments and description"
check grep -qF "Local path			: $TOOL" "$d/info2"
check grep -qF "Icon location			: $OFFICE\\OUTLOOK.EXE" "$d/info2"
check grep -qF "Icon index			: 2" "$d/info2"
check grep -qF 'Command line arguments		: /select "outlook:Posteingang – Büro"' "$d/info2"
check grep -qF "Description			: Größe ✓" "$d/info2"

"$PM" shortcut apply "${dirs[@]}" --target '\\fs01\netlogon$\ProfileManager.exe' >/dev/null
lnkinfo "$d/Desktop/Outlook.lnk" >"$d/info3" 2>&1
desc="a tool on a share: lnkinfo reads the network path"
check grep -qF 'Network path			: \\fs01\netlogon$\ProfileManager.exe' "$d/info3"
desc="re-pointing keeps the original the shell wrote"
check cmp -s "$d/Desktop/Outlook.lnk.pm-orig" "$d/orig/Desktop/Outlook.lnk"

snap() { find "$d/Desktop" "$d/Start Menu" -type f -print0 | sort -z | xargs -0 sha256sum; }
snap >"$d/snap1"
"$PM" shortcut apply "${dirs[@]}" --target '\\fs01\netlogon$\ProfileManager.exe' >"$d/apply2"
desc="apply again: 0 changed, and every file byte-identical"
check grep -q '^apply: 0 changed, 2 already done' "$d/apply2"
check diff "$d/snap1" <(snap)

"$PM" shortcut list "${dirs[@]}" >"$d/list2"
desc="list shows both applied"
check test "$(grep -c '^applied ' "$d/list2")" = 2

"$PM" shortcut restore "${dirs[@]}" >"$d/restore"
desc="restore puts the shell's files back byte for byte and leaves no kept copy"
check diff -r "$d/orig/Desktop" "$d/Desktop"
check diff -r "$d/orig/Start Menu" "$d/Start Menu"

if [ $fails -ne 0 ]; then
    echo "$fails check(s) failed"
    exit 1
fi
echo "all checks passed"
