#!/bin/bash
# Everything outside the profile under Wine, on the live registry, the way a user's PC runs it
# (no arguments, prof.config and mbm.puf beside ProfileManager.exe in C:\pm): a prefix with the
# office16 profiles, each Autodiscover and connection value of docs/outside.md planted for the
# source domain (and some for another organisation), MapiHttpDisabled=1, an identity cache entry
# of the migrated mailbox, and two cached Autodiscover files in %LOCALAPPDATA%\Microsoft\Outlook,
# one for the migrated mailbox (alice), one for a mailbox that is not migrated (dave). With
# AutodiscoverAction=clean and IdentityAction=remove, a dry run lists alice's file and changes
# nothing; the run moves exactly the removable values
# and alice's file into the backup (dave's stays); a second run changes nothing; restoring the
# .outside.reg and the .reg backups brings every value back and the file byte for byte. Skips
# (77) without Wine or mingw-w64.
. "$(dirname "$0")/../win/wine-env.sh"

[ -x "$BIN/mkprofiles" ] || { echo "FAIL: $BIN/mkprofiles not built"; exit 1; }
PM=$C/pm
mkdir -p "$PM"
cp "$WIN/ProfileManager.exe" "$PM/"
"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
cp "$d/fx/mbm.puf" "$d/fx/prof.config" "$PM/"
printf 'AutodiscoverAction=clean\r\nIdentityAction=remove\r\n' >>"$PM/prof.config"

# The outside settings, as docs/outside.md lists them.
AD='HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Outlook\AutoDiscover'
IDS='HKEY_CURRENT_USER\Software\Microsoft\Office\16.0\Common\Identity\Identities'
python3 - "$d/fx/before.reg" "$d/planted.reg" "$AD" "$IDS" <<'PY'
import sys
src, dst, ad, ids = sys.argv[1:]
t = open(src, 'rb').read().decode('utf-16')
x = '[HKEY_CURRENT_USER\\Software\\Microsoft\\Exchange]\r\n"MapiHttpDisabled"=dword:0000000'
assert x + '0' in t
t = t.replace(x + '0', x + '1', 1)
t += ('\r\n[' + ad + ']\r\n"PreferLocalXML"=dword:00000001\r\n'
      '"ExcludeExplicitO365Endpoint"=dword:00000001\r\n"ExcludeHttpsRootDomain"=dword:00000001\r\n'
      '"ExcludeScpLookup"=dword:00000000\r\n"ExcludeSrvRecord"=dword:00000001\r\n'
      '"ExcludeLastKnownGoodUrl"=dword:00000000\r\n'
      '"source.example"="C:\\\\AD\\\\source.xml"\r\n"other.example"="C:\\\\AD\\\\other.xml"\r\n'
      '\r\n[' + ad + '\\RedirectServers]\r\n"mail.source.example"=""\r\n"mail.other.example"=""\r\n'
      '\r\n[' + ids + '\\0a1b_ADAL]\r\n"SignInName"="alice@source.example"\r\n"ProviderId"="ADAL"\r\n'
      '\r\n[' + ids + '\\9f9f_ADAL]\r\n"SignInName"="alice@target.example"\r\n\r\n')
open(dst, 'wb').write(b'\xff\xfe' + t.lstrip('\ufeff').encode('utf-16-le'))
PY
w reg import "$(winepath -w "$d/planted.reg" 2>/dev/null || echo "Z:$d/planted.reg")" >/dev/null 2>&1 ||
    { echo "FAIL: reg import"; exit 1; }

# The cached Autodiscover files, where Outlook keeps them for this user.
LAD=$(w cmd /c echo %LOCALAPPDATA% 2>/dev/null | tr -d '\r')
OL=$(winepath -u "$LAD" 2>/dev/null)/Microsoft/Outlook
mkdir -p "$OL"
dn='/o=Source Org/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients'
xml() { printf '<?xml version="1.0" encoding="utf-8"?>\r\n<Autodiscover><Response><User><LegacyDN>%s</LegacyDN><AutoDiscoverSMTPAddress>%s</AutoDiscoverSMTPAddress></User></Response></Autodiscover>\r\n' "$@"; }
A="$OL/5d41402abc4b2a76b9719d911017c592 - Autodiscover.xml"
D="$OL/7d793037a0760186574b0282f2f435e7 - Autodiscover.xml"
xml "$dn/cn=alice" alice@source.example >"$A"
xml "$dn/cn=dave" dave@source.example >"$D"
cp "$A" "$d/alice.xml"
cp "$D" "$d/dave.xml"

run() {
    (cd "$d" && w 'C:\pm\ProfileManager.exe' "$@" >"$d/out" 2>"$d/err")
    rc=$?
}
# has KEY VALUE: the value exists in the live registry.
has() { reg_has "$1" "$2"; }
haskey() { reg_has "$1"; }
REMOVED=("$AD PreferLocalXML" "$AD ExcludeExplicitO365Endpoint" "$AD ExcludeHttpsRootDomain"
    "$AD ExcludeSrvRecord" "$AD source.example" "$AD\\RedirectServers mail.source.example"
    'HKEY_CURRENT_USER\Software\Microsoft\Exchange MapiHttpDisabled')
KEPT=("$AD ExcludeScpLookup" "$AD ExcludeLastKnownGoodUrl" "$AD other.example"
    "$AD\\RedirectServers mail.other.example")
snapshot() {
    local kv
    for kv in "${REMOVED[@]}" "${KEPT[@]}"; do has "${kv% *}" "${kv##* }" && echo "$kv"; done
    haskey "$IDS\\0a1b_ADAL" && echo identity
    haskey "$IDS\\9f9f_ADAL" && echo target-identity
    (cd "$OL" && ls && md5sum ./*)
}

snapshot >"$d/planted.txt"
run --dry-run
desc="dry run: alice's file listed, dave's not"
check bash -c "grep -q \"5d41402abc4b2a76b9719d911017c592 - Autodiscover.xml' names .*would be moved\" '$d/out' &&
    ! grep -q 7d793037a0760186574b0282f2f435e7 '$d/out'"
snapshot >"$d/after-dry.txt"
desc="dry run: nothing changed"; check cmp -s "$d/planted.txt" "$d/after-dry.txt"

run
desc="update: exit 0"; check [ "$rc" = 0 ]
desc="update: the mailboxes updated"; check grep -q 'updated 4 mailbox' "$d/out"
LOG=$(ls "$PM"/Logs/*.log | head -1)
B=$(ls "$PM"/Logs/Backups/*.reg | grep -v '\.outside\.reg$' | head -1)
gone=0; for kv in "${REMOVED[@]}"; do has "${kv% *}" "${kv##* }" || gone=$((gone + 1)); done
desc="update: the ${#REMOVED[@]} removable values are gone"; check [ "$gone" = "${#REMOVED[@]}" ]
kept=0; for kv in "${KEPT[@]}"; do has "${kv% *}" "${kv##* }" && kept=$((kept + 1)); done
desc="update: the values only reported, or of another organisation, stay"; check [ "$kept" = "${#KEPT[@]}" ]
ids_ok() { ! haskey "$IDS\\0a1b_ADAL" && haskey "$IDS\\9f9f_ADAL"; }
desc="update: the source identity is gone, the target's stays"; check ids_ok
desc="update: alice's Autodiscover file moved, dave's left"; check [ ! -e "$A" -a -e "$D" ]
desc="update: the backup holds alice's file byte for byte"
check cmp -s "${B%.reg}.autodiscover-1.xml" "$d/alice.xml"
desc="update: the manifest lists it"
check grep -q "5d41402abc4b2a76b9719d911017c592 - Autodiscover.xml" "${B%.reg}.autodiscover.txt"
desc="update: the settings backup written"; check [ -e "${B%.reg}.outside.reg" ]
desc="update: each finding logged"
check bash -c "[ \$(grep -c 'event=outside kind=[si].*action=removed' '$LOG') = 8 ] &&
    grep -q 'event=outside kind=file .*action=removed to=' '$LOG' &&
    grep -q 'event=outside kind=setting .*ExcludeScpLookup.*action=report' '$LOG'"
desc="update: dave's file not named in the log"; check bash -c "! grep -q 7d793037a0760186574b0282f2f435e7 '$LOG'"
snapshot >"$d/after-first.txt"

run
desc="second run: nothing to do"; check grep -q 'nothing to do' "$d/out"
snapshot >"$d/after-second.txt"
desc="second run: nothing changed"; check cmp -s "$d/after-first.txt" "$d/after-second.txt"

WB=$(winepath -w "$B" 2>/dev/null)
run restore "${WB%.reg}.outside.reg"
desc="restore .outside.reg: exit 0"; check [ "$rc" = 0 ]
run restore "$WB"
desc="restore .reg: exit 0"; check [ "$rc" = 0 ]
desc="restore: alice's file back byte for byte"; check cmp -s "$A" "$d/alice.xml"
desc="restore: dave's file untouched"; check cmp -s "$D" "$d/dave.xml"
back=0; for kv in "${REMOVED[@]}"; do has "${kv% *}" "${kv##* }" && back=$((back + 1)); done
desc="restore: every removed value back"; check [ "$back" = "${#REMOVED[@]}" ]
desc="restore: the identity back"; check haskey "$IDS\\0a1b_ADAL"

echo "$fails failure(s)"
[ $fails -eq 0 ]
