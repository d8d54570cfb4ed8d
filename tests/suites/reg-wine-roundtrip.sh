#!/bin/bash
# A .reg file written by Wine's `reg export` (UTF-16LE, BOM, CRLF, wrapped hex) must come back byte
# for byte after loading it as a reg: store and committing it, and pm_regfile_export of the same
# subtree must equal it too. Then Wine must read back what we write: a file we changed is
# imported with `reg import` and the changed value queried. Skips (77) without Wine.
set -u
BIN=${PM_BINARY_DIR:-build}
REGCAT=$BIN/regcat
[ -x "$REGCAT" ] || { echo "regcat not built"; exit 1; }
WINE=$(command -v wine || true)
[ -z "$WINE" ] && [ -x /usr/lib/wine/wine64 ] && WINE=/usr/lib/wine/wine64
WINESERVER=$(command -v wineserver || true)
[ -z "$WINESERVER" ] && [ -x /usr/lib/wine/wineserver ] && WINESERVER=/usr/lib/wine/wineserver
if [ -z "$WINE" ] || [ -z "$WINESERVER" ]; then
    echo "wine not installed: skipped"
    exit 77
fi

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-regwine-XXXXXX")
export WINEPREFIX=$d/prefix WINEDEBUG=-all WINEDLLOVERRIDES="mscoree,mshtml="
cleanup() { "$WINESERVER" -k >/dev/null 2>&1; rm -rf "$d"; }
trap cleanup EXIT
"$WINESERVER" -p >/dev/null 2>&1

K='HKCU\Software\PmTest'
fails=0
w() { "$WINE" "$@" >/dev/null 2>&1 || { echo "wine $* failed"; exit 1; }; }
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

long=$(for i in $(seq 0 999); do printf '%02x' $((i * 7 % 256)); done)
w reg add "$K" /ve /d 'default value' /f
w reg add "$K" /v 'quotes "and" back\slashes' /t REG_SZ /d 'C:\Program Files\"x"\' /f
w reg add "$K" /v 'Grüße' /t REG_SZ /d 'naïve 日本語 Ωmega' /f
w reg add "$K" /v empty /t REG_SZ /d '' /f
w reg add "$K" /v exp /t REG_EXPAND_SZ /d '%USERPROFILE%\AppData\Local\Microsoft\Outlook' /f
w reg add "$K" /v multi /t REG_MULTI_SZ /d 'one\0two words\0three' /f
w reg add "$K" /v dword /t REG_DWORD /d 0x0badf00d /f
w reg add "$K" /v dword0 /t REG_DWORD /d 0 /f
w reg add "$K" /v qword /t REG_QWORD /d 0x1122334455667788 /f
w reg add "$K" /v bin /t REG_BINARY /d 0102ff /f
w reg add "$K" /v binlong /t REG_BINARY /d "$long" /f
w reg add "$K" /v binempty /t REG_BINARY /f
w reg add "$K" /v none /t REG_NONE /d abc /f
w reg add "$K" /v 'a very long value name that pushes the hex data further to the right' /t REG_BINARY /d "${long:0:200}" /f
w reg add "$K\Profiles\Outlook\9375CFF0413111d3B88A00104B2A6676" /v 'Account Name' /d 'user@example.com' /f
w reg add "$K\Profiles\Outlook\13dbb0c8aa05101a9bb000aa002fc45a" /v 001f6607 /t REG_BINARY /d 41004200000000 /f
w reg add "$K\Empty\Deeper" /f
w reg export "$K" "$d/wine.reg" /y

desc="wine export is UTF-16LE with BOM"
check test "$(head -c 2 "$d/wine.reg" | od -An -tx1 | tr -d ' ')" = fffe

desc="reg store commit writes Wine's export back byte for byte"
"$REGCAT" "$d/wine.reg" "$d/commit.reg" || exit 1
check cmp "$d/wine.reg" "$d/commit.reg"

desc="pm_regfile_export of the subtree equals Wine's export"
"$REGCAT" --export "$d/wine.reg" 'Software\PmTest' "$d/export.reg" || exit 1
check cmp "$d/wine.reg" "$d/export.reg"

# Our text must be readable by Wine: import it under another key and export it again.
sed_in=$(iconv -f UTF-16LE -t UTF-8 "$d/export.reg" | sed 's/\\Software\\PmTest/\\Software\\PmTest2/')
printf '%s' "$sed_in" | iconv -f UTF-8 -t UTF-16LE >"$d/renamed.reg"
w reg import "$d/renamed.reg"
w reg export 'HKCU\Software\PmTest2' "$d/wine2.reg" /y
desc="Wine imports our text and exports the same values"
check cmp <(iconv -f UTF-16LE -t UTF-8 "$d/wine2.reg" | sed 's/PmTest2/PmTest/') \
          <(iconv -f UTF-16LE -t UTF-8 "$d/wine.reg")

if [ "$fails" -ne 0 ]; then
    echo "$fails check(s) failed; files in $d kept"
    trap - EXIT
    "$WINESERVER" -k >/dev/null 2>&1
    exit 1
fi
echo "all checks passed"
