#!/bin/bash
# The shortcut trick with Outlook's switches under Wine: ProfileManager.exe started the way a
# rewritten Outlook shortcut starts it, with switches that carry values (/select outlook:Inbox,
# /profile "Work", /c ipm.note, /a "C:\path with space\f.txt"), embedded quotes, a trailing
# backslash and non-ASCII text. Expected: the update runs (exit 0, profiles changed), RunAfter
# starts, and it receives exactly those arguments after RunAfterArgs, as CommandLineToArgvW
# splits its command line (tests/win/marker.c records them in UTF-8).
# Skips (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"

[ -x "$BIN/mkprofiles" ] || { echo "FAIL: $BIN/mkprofiles not built"; exit 1; }
PM=$C/pm
mkdir -p "$PM/tools"
cp "$WIN/ProfileManager.exe" "$PM/"
cp "$WIN/tests/win/marker.exe" "$PM/tools/"
"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
import_reg "$d/fx/before.reg"
cp "$d/fx/mbm.puf" "$PM/mbm.puf"
cp "$d/fx/prof.config" "$PM/prof.config"
printf 'RunAfter=C:\\pm\\tools\\marker.exe\r\nRunAfterArgs=C:\\pm\\ran.txt\r\n' >>"$PM/prof.config"

ARGS=(/select outlook:Inbox /profile '"Work"' /c ipm.note /a 'C:\path with space\f.txt'
    'say "hi" \"there\"' 'trailing\' 'Zoë – Büro 日本')
export LC_ALL=C.UTF-8
(cd "$d" && w 'C:\pm\ProfileManager.exe' "${ARGS[@]}" >"$d/out" 2>"$d/err")
rc=$?
desc="switches with values: exit 0"; check [ "$rc" = 0 ]
[ "$rc" = 0 ] || cat "$d/err"
desc="the update happened"; check grep -q '^updated [1-9]' "$d/out"
desc="the log records the update"
check grep -q 'event=run.end result=ok exit=0 updated=[1-9]' "$PM/Logs/"*.log
for _ in $(seq 150); do [ -s "$PM/ran.txt" ] && break; sleep 0.1; done
desc="RunAfter started"; check [ -s "$PM/ran.txt" ]
{ echo started; for a in "${ARGS[@]}"; do printf 'arg=%s\n' "$a"; done; } >"$d/want"
tr -d '\r' <"$PM/ran.txt" >"$d/got" 2>/dev/null
desc="RunAfter received exactly the switches as Windows splits them"
check cmp -s "$d/want" "$d/got"
cmp -s "$d/want" "$d/got" || diff "$d/want" "$d/got"

echo "$fails failure(s)"
[ $fails -eq 0 ]
