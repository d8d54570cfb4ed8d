#!/bin/bash
# Self-test of the end-to-end test tools: mkprofiles must write every scenario in the documented
# shape, and pmcheck must accept a correct update result and reject wrong ones, each wrong one in
# the check that covers it (a: change outside migrated sections, b: binding link, c: source trace,
# d: target identity, e: config). A checker that cannot fail would make the end-to-end suite
# worthless, so most cases here expect a failure.
set -u
BIN=${PM_BINARY_DIR:-build}
MK=$BIN/mkprofiles
CK=$BIN/pmcheck
[ -x "$MK" ] && [ -x "$CK" ] || { echo "mkprofiles/pmcheck not built in $BIN"; exit 77; }
command -v iconv >/dev/null || { echo "iconv missing"; exit 77; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/pm-fxself-XXXXXX")
trap 'rm -rf "$TMP"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAILED: $*"; }

# Runs pmcheck, keeps its output in $TMP/out, and returns its exit status.
check() { "$CK" "$@" >"$TMP/out" 2>&1; }
# Number of failures pmcheck reported for check letter $1 in the last run.
failures() { sed -n "s/^check $1 ([^)]*): [0-9]* passed, \([0-9]*\) failed$/\1/p" "$TMP/out"; }
expect_exit() { # expected-status description -- pmcheck args
    local want=$1 what=$2
    shift 3
    check "$@"
    local got=$?
    if [ "$got" = "$want" ]; then ok; else bad "$what: exit $got, expected $want"; tail -5 "$TMP/out"; fi
}
expect_count() { # letter op number description
    local n
    n=$(failures "$1")
    if [ -n "$n" ] && [ "$n" "$2" "$3" ]; then ok; else bad "$4: check $1 failures '$n', expected $2 $3"; fi
}
# .reg in UTF-8 (accepted by the reader), so sed can plant a change.
to_utf8() { iconv -f UTF-16LE -t UTF-8 "$1" >"$2"; }

# Checks the layout Outlook uses (outlook-profile-format.md 2.1-2.3, 3.6) on a UTF-8 .reg file,
# independently of the generator: section keys are 32 lowercase hex digits (or the Account Manager
# key with 8-hex subkeys), property values are named type-then-id in 8 lowercase hex digits,
# PT_STRING8 is REG_SZ, every other property type REG_BINARY of the right size, PT_UNICODE ends in
# a UTF-16 NUL. Below a section, only the per-server keys Outlook names after a server
# ("<guid>@<domain>", below the EMSMDB section of an Exchange Online account). Prints one line per problem and the number of values checked.
lint_reg() {
    awk '
    function hexre(n,   r) { r = ""; while (n-- > 0) r = r "[0-9a-f]"; return r }
    BEGIN { H32 = "^" hexre(32) "$"; H8 = "^" hexre(8) "$"
            CLSID = "^\"clsid\"=\"[{]ED4754[0-9A-F][0-9A-F]-B0D6-11D2-8C3B-00104B2A6676[}]\"$" }
    function bytes(v) { sub(/^hex:/, "", v); return v == "" ? 0 : split(v, _b, ",") }
    function problem(m) { print "lint: " key ": " m; bad++ }
    { sub(/\r$/, "") }
    line != "" { sub(/^[ \t]+/, "") }
    /\\$/ { line = line substr($0, 1, length($0) - 1); next }
    { $0 = line $0; line = "" }
    /^\[/ {
        key = substr($0, 2, length($0) - 2); kind = ""
        i = index(key, "\\Profiles\\")
        if (i == 0) next
        n = split(substr(key, i + 10), c, "\\")
        if (n == 2) {
            if (c[2] == "9375CFF0413111d3B88A00104B2A6676") kind = "am"
            else if (c[2] ~ H32) kind = "sec"
            else problem("section key is not 32 lowercase hex digits")
        } else if (n == 3) {
            if (c[2] == "9375CFF0413111d3B88A00104B2A6676" && c[3] ~ H8) kind = "acct"
            else if (c[2] ~ H32 && c[3] ~ /^[0-9a-f-]+@[a-z0-9.-]+$/) kind = "sec"
            else problem("unexpected key below a section")
        }
        next
    }
    /^"/ && kind == "sec" {
        checked++
        eq = index($0, "\"=")
        name = substr($0, 2, eq - 2); v = substr($0, eq + 2)
        if (name !~ H8) { problem("value name " name " is not type-then-id hex"); next }
        t = substr(name, 1, 4)
        if (t == "001e") { if (v !~ /^"/) problem(name " (PT_STRING8) is not REG_SZ"); next }
        if (v !~ /^hex:/) { problem(name " is not REG_BINARY"); next }
        nb = bytes(v)
        if (t == "0003" && nb != 4) problem(name " (PT_LONG) has " nb " bytes")
        if (t == "000b" && nb != 2) problem(name " (PT_BOOLEAN) has " nb " bytes")
        if (t == "0014" && nb != 8) problem(name " (PT_I8) has " nb " bytes")
        if (t == "001f" && (nb % 2 || v !~ /00,00$/)) problem(name " (PT_UNICODE) lacks its UTF-16 NUL")
        if (t == "0102" && (name == "01023d0e" || name == "01023d00" || name == "01023d01" || name == "01023d02") && nb % 16) problem(name " is not a list of 16-byte UIDs")
        if ((name == "01023d15" || name == "01023d0c" || name == "0102300c") && nb != 16) problem(name " is not one UID")
    }
    /^"/ && kind == "acct" {
        checked++
        if ($0 ~ /^"clsid"=/ && $0 !~ CLSID) problem("clsid is not a REG_SZ account CLSID")
        if ($0 ~ /^"Mini UID"=/ && $0 !~ ("^\"Mini UID\"=dword:" hexre(8) "$")) problem("Mini UID is not a REG_DWORD")
        if ($0 ~ /^"(Service|XP Provider|Preferences) UID"=/) { v = $0; sub(/^[^=]*=/, "", v); if (v !~ /^hex:/ || bytes(v) != 16) problem("a UID value is not 16 bytes of REG_BINARY") }
        if ($0 ~ /^"Account Name"=/ && $0 !~ /^"Account Name"=hex:.*00,00$/) problem("Account Name is not UTF-16 binary")
    }
    END { print "lint: " checked + 0 " values checked, " bad + 0 " problems"; exit bad > 0 }
    ' "$1"
}

scenarios=$("$MK" --list)
[ "$(echo "$scenarios" | wc -l)" -ge 4 ] && ok || bad "mkprofiles --list: $scenarios"

for s in $scenarios; do
    D=$TMP/$s
    if ! "$MK" --scenario "$s" "$D" >"$TMP/mk.out" 2>&1; then
        bad "mkprofiles $s"; cat "$TMP/mk.out"; continue
    fi
    for f in before.reg mbm.puf mbm-later.puf prof.config manifest.txt expected-now.reg expected-later.reg; do
        [ -s "$D/$f" ] && ok || bad "$s: $f missing"
    done
    # REGEDIT5 as Windows writes it: UTF-16LE with a BOM and CRLF.
    [ "$(head -c 2 "$D/before.reg" | od -An -tx1 | tr -d ' ')" = "fffe" ] && ok || bad "$s: before.reg has no UTF-16LE BOM"
    to_utf8 "$D/before.reg" "$D/before8.reg"
    head -1 "$D/before8.reg" | grep -q $'^\xef\xbb\xbfWindows Registry Editor Version 5.00\r$' && ok || bad "$s: before.reg header/CRLF"
    grep -q '9375CFF0413111d3B88A00104B2A6676\\00000001\]' "$D/before8.reg" && ok || bad "$s: no Account Manager subkey"
    if lint_reg "$D/before8.reg" >"$TMP/lint.out"; then ok; else bad "$s: profile layout"; cat "$TMP/lint.out"; fi
    grep -q '^lint: [1-9][0-9]* values checked' "$TMP/lint.out" && ok || bad "$s: lint checked nothing"
    grep -q $'\r$' "$D/mbm.puf" && ok || bad "$s: mbm.puf is not CRLF"
    grep -q '^#' "$D/mbm.puf" && ok || bad "$s: mbm.puf has no comment line"
    grep -q '^mailbox	' "$D/manifest.txt" && ok || bad "$s: manifest has no mailbox line"
    # Deterministic: a second run writes the same bytes.
    "$MK" --scenario "$s" "$D/again" >/dev/null 2>&1
    cmp -s "$D/before.reg" "$D/again/before.reg" && cmp -s "$D/manifest.txt" "$D/again/manifest.txt" && ok || bad "$s: output differs between runs"

    R="reg:$D/before.reg"
    M=$D/manifest.txt
    C=(--config "$D/prof.config")
    # A correct result passes at both stages; "later" also from the "now" result.
    expect_exit 0 "$s: expected-now" -- "$R" "reg:$D/expected-now.reg" "$M" "${C[@]}"
    grep -q '^pmcheck: [0-9]* passed, 0 failed$' "$TMP/out" && ok || bad "$s: no zero-failure summary"
    expect_exit 0 "$s: expected-later" -- "$R" "reg:$D/expected-later.reg" "$M" --puf-stage later "${C[@]}"
    expect_exit 0 "$s: now then later" -- "reg:$D/expected-now.reg" "reg:$D/expected-later.reg" "$M" --puf-stage later "${C[@]}"

    # Nothing migrated: an unchanged copy is clean.
    sed 's/migrated=now/migrated=never/; s/migrated=later/migrated=never/' "$M" >"$D/never.txt"
    expect_exit 0 "$s: unchanged copy, nothing migrated" -- "$R" "$R" "$D/never.txt" "${C[@]}"

    # Migrated but untouched: identity (d), traces (c) and config (e) fail; a and b do not.
    expect_exit 1 "$s: unchanged copy, stage now" -- "$R" "$R" "$M" "${C[@]}"
    expect_count d -gt 0 "$s: untouched profile"
    expect_count c -gt 0 "$s: untouched profile"
    expect_count e -gt 0 "$s: untouched profile"
    expect_count a -eq 0 "$s: untouched profile"
    expect_count b -eq 0 "$s: untouched profile"

    to_utf8 "$D/expected-now.reg" "$D/now8.reg"
    # a: one value outside every profile changed.
    sed 's/"Theme"="Dark"/"Theme"="Light"/' "$D/now8.reg" >"$D/p-a.reg"
    expect_exit 1 "$s: planted change outside" -- "$R" "reg:$D/p-a.reg" "$M" "${C[@]}"
    expect_count a -eq 1 "$s: planted change outside"
    # a: a key added outside.
    printf '\r\n[HKEY_CURRENT_USER\\Software\\Contoso\\Added]\r\n"x"=dword:00000001\r\n' | cat "$D/now8.reg" - >"$D/p-a2.reg"
    expect_exit 1 "$s: planted key outside" -- "$R" "reg:$D/p-a2.reg" "$M" "${C[@]}"
    expect_count a -ge 1 "$s: planted key outside"
    # b: a Mini UID changed (inside a migrated account's Account Manager subkey, so only b).
    sed '0,/"Mini UID"=dword:[0-9a-f]*/s//"Mini UID"=dword:0badf00d/' "$D/now8.reg" >"$D/p-b.reg"
    expect_exit 1 "$s: planted binding change" -- "$R" "reg:$D/p-b.reg" "$M" "${C[@]}"
    expect_count b -eq 1 "$s: planted binding change"
    expect_count a -eq 0 "$s: planted binding change"
    # c and d: the account's DN written back to the source org.
    sed '0,/"001e6603"="\/o=ExchangeLabs/s//"001e6603"="\/o=Source Org/' "$D/now8.reg" >"$D/p-c.reg"
    expect_exit 1 "$s: planted source trace" -- "$R" "reg:$D/p-c.reg" "$M" "${C[@]}"
    expect_count c -ge 1 "$s: planted source trace"
    expect_count d -eq 1 "$s: planted source trace"
    # e: Outlook Anywhere flags without HTTP-first-on-fast (0x2b -> 0x23) on every account.
    sed -e 's/^"00036623"=hex:2b,00,00,00/"00036623"=hex:23,00,00,00/' -e 's/^"00036623"=hex:2f,00,00,00/"00036623"=hex:27,00,00,00/' "$D/now8.reg" >"$D/p-e.reg"
    expect_exit 1 "$s: planted config miss" -- "$R" "reg:$D/p-e.reg" "$M" "${C[@]}"
    expect_count e -ge 1 "$s: planted config miss"
    expect_count a -eq 0 "$s: planted config miss"

    # The hive holds the same bytes as the .reg, read back through the hive backend and through
    # an independent reader.
    if [ -f "$D/before.hive" ]; then
        expect_exit 0 "$s: hive equals reg" -- "hive:$D/before.hive" "$R" "$D/never.txt"
        expect_exit 0 "$s: reg equals hive" -- "$R" "hive:$D/before.hive" "$D/never.txt"
        if command -v hivexregedit >/dev/null; then
            n=$(hivexregedit --export "$D/before.hive" '\Software' 2>/dev/null | grep -c '^"Service UID"=hex(3):')
            [ "$n" -ge 1 ] && ok || bad "$s: hivexregedit finds no Service UID in before.hive"
        fi
    fi
done

# Stage matters: the shared mailbox migrates "later" in office16.
D=$TMP/office16
if [ -d "$D" ]; then
    C=(--config "$D/prof.config")
    expect_exit 1 "office16: later result judged at stage now" -- "reg:$D/before.reg" "reg:$D/expected-later.reg" "$D/manifest.txt" "${C[@]}"
    expect_count a -gt 0 "office16: shared mailbox updated too early"
    expect_exit 1 "office16: now result judged at stage later" -- "reg:$D/before.reg" "reg:$D/expected-now.reg" "$D/manifest.txt" --puf-stage later "${C[@]}"
    expect_count d -gt 0 "office16: shared mailbox not updated"
    grep -q 'helpdesk' "$D/mbm-later.puf" && ! grep -q 'helpdesk' "$D/mbm.puf" && ok || bad "office16: helpdesk line placement"
    grep -q '^X500:' "$D/mbm.puf" && ok || bad "office16: no X500: prefix line"
fi
# A 3-field PUF line (office15).
D=$TMP/office15
if [ -d "$D" ]; then
    grep -v '^#' "$D/mbm.puf" | grep -q 'grace@target.example'$'\r''$' && ok || bad "office15: grace's line has more than 3 fields"
fi

# Exchange Online: each check added for them rejects a wrong result. The helpers edit a UTF-8
# .reg file value by value (a value's hex may continue over several lines).
# getval KEYPART NAME FILE: the line of value NAME in the key whose path contains KEYPART, its
# continuation lines joined.
getval() {
    K="$1" V="\"$2\"=" awk 'BEGIN { k = ENVIRON["K"]; v = ENVIRON["V"] }
        { raw = $0; sub(/\r$/, "", raw) }
        /^\[/ { cur = raw; next }
        index(cur, k) && index(raw, v) == 1 { on = 1; out = "" }
        on { line = raw; if (out != "") sub(/^[ \t]+/, "", line)
             cont = line ~ /\\$/; if (cont) sub(/\\$/, "", line)
             out = out line; if (!cont) { print out; exit } }' "$3"
}
# setval KEYPART NAME LINE IN OUT: that value replaced by LINE.
setval() {
    K="$1" V="\"$2\"=" REPL="$3" awk 'BEGIN { k = ENVIRON["K"]; v = ENVIRON["V"]; repl = ENVIRON["REPL"] }
        { raw = $0; sub(/\r$/, "", raw) }
        skip { if (raw !~ /\\$/) skip = 0; next }
        /^\[/ { cur = raw }
        index(cur, k) && index(raw, v) == 1 { print repl "\r"; skip = raw ~ /\\$/; next }
        { print }' "$4" >"$5"
}
# hexw TEXT: TEXT as a PT_UNICODE .reg value body (UTF-16LE and its NUL).
hexw() { printf '%s' "$1" | iconv -f UTF-8 -t UTF-16LE | od -An -tx1 -v | tr -s ' \n' ' ' | sed 's/^ //; s/ $//; s/ /,/g; s/$/,00,00/; s/^/hex:/'; }
# field NAME LINE: a manifest field of a manifest line.
field() { printf '%s\n' "$2" | tr '\t' '\n' | sed -n "s/^$1=//p"; }

D=$TMP/exo2013
if [ -d "$D" ]; then
    R="reg:$D/before.reg"
    M=$D/manifest.txt
    C=(--config "$D/prof.config")
    to_utf8 "$D/before.reg" "$D/before8.reg"
    acct=$(grep 'role=account' "$M")
    arch=$(grep 'role=archive' "$M")
    contab=$(field linked "$acct" | tr ';' '\n' | grep '\\11026626$' | sed 's/\\11026626$//')
    global=$(field linked "$acct" | tr ';' '\n' | grep '\\1102039b$' | sed 's/\\1102039b$//')
    ems=$(field emsmdb "$acct")
    ast=$(field store "$arch")
    [ -n "$contab" ] && [ -n "$global" ] && [ -n "$ems" ] && [ -n "$ast" ] && ok || bad "exo2013: manifest lacks linked values or keys"
    # f: the address book's store list (64-bit layout) put back to the source mailbox.
    setval "$contab" 11026626 "$(getval "$contab" 11026626 "$D/before8.reg")" "$D/now8.reg" "$D/p-f.reg"
    expect_exit 1 "exo2013: source store EntryID in a 64-bit list" -- "$R" "reg:$D/p-f.reg" "$M" "${C[@]}"
    expect_count f -ge 1 "exo2013: source store EntryID in a 64-bit list"
    expect_count a -eq 0 "exo2013: source store EntryID in a 64-bit list"
    # f: the same EntryID inside 11020434 (a structure that a correct update deleted).
    printf '%s\r\n' "$(getval "$global" 11020434 "$D/before8.reg")" >"$D/v.txt"
    K="$global" awk -v add="$D/v.txt" '{ print } /^\[/ && substr($0, 2) == "HKEY_CURRENT_USER\\" ENVIRON["K"] "]\r" { while ((getline l < add) > 0) print l }' "$D/now8.reg" >"$D/p-f2.reg"
    expect_exit 1 "exo2013: source store EntryID inside a structure" -- "$R" "reg:$D/p-f2.reg" "$M" "${C[@]}"
    expect_count f -ge 1 "exo2013: source store EntryID inside a structure"
    # h: the archive's DN without its /guid= suffix (what an update that ignores it writes).
    sed 's#^\("001e660b"="[^"]*\)/guid=[0-9a-f-]*"#\1"#' "$D/now8.reg" >"$D/p-h.reg"
    expect_exit 1 "exo2013: archive lost its suffix" -- "$R" "reg:$D/p-h.reg" "$M" "${C[@]}"
    expect_count h -eq 1 "exo2013: archive lost its suffix"
    # h: the archive pointed at the primary mailbox's server.
    psrv=$(getval "$ems" 001e6602 "$D/now8.reg" | sed 's/^"001e6602"="//; s/"$//')
    setval "$ast" 001e660c "\"001e660c\"=\"$psrv\"" "$D/now8.reg" "$D/p-h2.reg"
    expect_exit 1 "exo2013: archive on the primary's server" -- "$R" "reg:$D/p-h2.reg" "$M" "${C[@]}"
    expect_count h -eq 1 "exo2013: archive on the primary's server"
    # i: the profile's name changed.
    sed 's/^"001e6750"="Outlook"/"001e6750"="Outlook (new)"/' "$D/now8.reg" >"$D/p-i.reg"
    expect_exit 1 "exo2013: profile name changed" -- "$R" "reg:$D/p-i.reg" "$M" "${C[@]}"
    expect_count i -eq 1 "exo2013: profile name changed"
    # d: the sign-in name left on the source.
    setval "$ems" 001f3d16 "$(getval "$ems" 001f3d16 "$D/before8.reg")" "$D/now8.reg" "$D/p-d.reg"
    expect_exit 1 "exo2013: sign-in name left" -- "$R" "reg:$D/p-d.reg" "$M" "${C[@]}"
    expect_count d -eq 1 "exo2013: sign-in name left"
    expect_count c -ge 1 "exo2013: sign-in name left"
fi

D=$TMP/office16-exo
if [ -d "$D" ]; then
    R="reg:$D/before.reg"
    M=$D/manifest.txt
    C=(--config "$D/prof.config")
    to_utf8 "$D/before.reg" "$D/before8.reg"
    acct=$(grep 'role=account' "$M")
    shared=$(grep 'role=shared' "$M" | grep 'migrated=now')
    contab=$(field linked "$acct" | tr ';' '\n' | grep '\\11026626$' | sed 's/\\11026626$//')
    global=$(field linked "$acct" | tr ';' '\n' | grep '\\11020434$' | sed 's/\\11020434$//')
    sst=$(field store "$shared")
    # f: a source store EntryID in a 32-bit list and, rewritten in place, in 11020434 v4.
    setval "$contab" 11026626 "$(getval "$contab" 11026626 "$D/before8.reg")" "$D/now8.reg" "$D/p-f.reg"
    expect_exit 1 "office16-exo: source store EntryID in a 32-bit list" -- "$R" "reg:$D/p-f.reg" "$M" "${C[@]}"
    expect_count f -ge 1 "office16-exo: source store EntryID in a 32-bit list"
    setval "$global" 11020434 "$(getval "$global" 11020434 "$D/before8.reg")" "$D/now8.reg" "$D/p-f2.reg"
    expect_exit 1 "office16-exo: source store EntryID nested in 11020434" -- "$R" "reg:$D/p-f2.reg" "$M" "${C[@]}"
    expect_count f -eq 4 "office16-exo: source store EntryID nested in 11020434 (two copies: DN and server each)"
    # g: the shared mailbox known by address took its account's address.
    setval "$sst" 001f6641 "\"001f6641\"=$(hexw "SMTP:$(field target_smtp "$acct")")" "$D/now8.reg" "$D/p-g.reg"
    expect_exit 1 "office16-exo: shared store took the owner's address" -- "$R" "reg:$D/p-g.reg" "$M" "${C[@]}"
    expect_count g -eq 1 "office16-exo: shared store took the owner's address"
    # i: the profile named after the old address renamed by a sweep.
    setval "$(field emsmdb "$acct")" 001f6750 "\"001f6750\"=$(hexw "$(field target_smtp "$acct")")" "$D/now8.reg" "$D/p-i.reg"
    expect_exit 1 "office16-exo: profile name swept" -- "$R" "reg:$D/p-i.reg" "$M" "${C[@]}"
    expect_count i -eq 1 "office16-exo: profile name swept"
    expect_count c -eq 0 "office16-exo: profile name swept"
    # d: the sign-in name kept although the PUF gives none.
    printf '%s\r\n' "$(getval "$(field emsmdb "$acct")" 001f3d16 "$D/before8.reg")" >"$D/v.txt"
    K="$(field emsmdb "$acct")" awk -v add="$D/v.txt" '{ print } /^\[/ && substr($0, 2) == "HKEY_CURRENT_USER\\" ENVIRON["K"] "]\r" { while ((getline l < add) > 0) print l }' "$D/now8.reg" >"$D/p-d.reg"
    expect_exit 1 "office16-exo: sign-in name kept" -- "$R" "reg:$D/p-d.reg" "$M" "${C[@]}"
    expect_count d -eq 1 "office16-exo: sign-in name kept"
fi

echo "fixtures-selftest: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
