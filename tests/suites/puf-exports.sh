#!/usr/bin/env bash
# puf build and puf check on generated exports of several hundred mailboxes (tests/tools/
# mkexports.c): every expected line is written, exactly the expected rows are reported as left
# out (by CSV line), UTF-8 and UTF-16LE/BE targets give the same PUF, --append adds nothing
# the second time and keeps the index current, and puf check passes the result and finds
# planted errors by line.
set -euo pipefail
bin="$PM_BINARY_DIR/profilemanager"
gen="$PM_BINARY_DIR/mkexports"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# The committed sample pair (tests/data/exports): exact PUF lines, script and left-out rows.
data="$PM_SOURCE_DIR/tests/data/exports"
"$bin" puf build --source "$data/source-contoso.csv" --target "$data/target-fabrikam.csv" \
  --out "$work/sample.puf" --x500-script "$work/sample.ps1" >/dev/null 2>"$work/sample.err" ||
  fail "sample build exited $?"
diff -u "$data/expected-smtp.puf" <(grep -v '^#' "$work/sample.puf") >&2 || fail "sample PUF differs"
diff -u "$data/expected-x500.ps1" "$work/sample.ps1" >&2 || fail "sample X500 script differs"
grep -q "source-contoso.csv:8: no target mailbox with smtp 'not.yet@contoso.com'" "$work/sample.err" ||
  fail "unjoinable sample row not reported"
grep -q "source-contoso.csv:9: several target mailboxes have smtp 'sam@contoso.com'" "$work/sample.err" ||
  fail "ambiguous sample row not reported"
"$bin" puf check "$work/sample.puf" >/dev/null || fail "puf check rejects the sample PUF"

for enc in utf16le utf8 utf16be; do
  d="$work/$enc"; mkdir -p "$d"
  "$gen" "$d" 400 "$enc" 2>/dev/null
  "$bin" puf build --source "$d/source.csv" --target "$d/target.csv" --out "$d/mbm.puf" \
    --x500-script "$d/x500.ps1" >"$d/out.txt" 2>"$d/err.txt" || fail "build ($enc) exited $?"
  grep -v '^#' "$d/mbm.puf" | awk -F'|' '{print $1"|"$2"|"$3"|"$5"|"$7"|"$8"|"$9}' | sort >"$d/got.puf"
  diff -u "$d/expected.puf" "$d/got.puf" >&2 || fail "PUF lines differ ($enc)"
  sed -n 's/^[^:]*source.csv:\([0-9]*\):.*/\1/p' "$d/err.txt" | sort -n >"$d/left.txt"
  diff -u <(sort -n "$d/expected-leftout.txt") "$d/left.txt" >&2 || fail "left-out rows differ ($enc)"
  grep -q "several target mailboxes have smtp 'user0025@contoso.com'" "$d/err.txt" ||
    fail "ambiguous row not reported ($enc)"
  "$bin" puf check "$d/mbm.puf" >/dev/null || fail "puf check rejects the built PUF ($enc)"
done
d="$work/utf16le"
cmp -s "$d/mbm.puf" "$work/utf8/mbm.puf" ||
  diff <(grep -v '^#' "$d/mbm.puf") <(grep -v '^#' "$work/utf8/mbm.puf") >/dev/null ||
  fail "UTF-8 and UTF-16 exports give different PUFs"

# The X500 script: one Set-Mailbox per written mailbox, quotes doubled, UTF-8 BOM.
n=$(grep -c '^Set-Mailbox ' "$d/x500.ps1")
m=$(sed -n 's/.*: \([0-9]*\) mailboxes.*/\1/p' "$d/out.txt")
[ "$n" = "$m" ] || fail "x500 script has $n commands for $m mailboxes"
head -c3 "$d/x500.ps1" | od -An -tx1 | grep -q 'ef bb bf' || fail "x500 script has no BOM"
grep -q "X500:/o=Contoso/ou=First Administrative Group/cn=Recipients/cn=user0001-old'" \
  "$d/x500.ps1" || fail "old X500 proxy missing from the script"

# --append: an index exists, nothing new the second time, the index is rewritten.
"$bin" puf index "$d/mbm.puf" >/dev/null || fail "puf index"
before=$(grep -vc '^#' "$d/mbm.puf")
touch -d '2000-01-01' "$d/mbm.puf.idx"
"$bin" puf build --append --source "$d/source.csv" --target "$d/target.csv" \
  --out "$d/mbm.puf" >"$d/out2.txt" 2>/dev/null || fail "append exited $?"
grep -q "0 mailboxes, 0 lines appended" "$d/out2.txt" || fail "append added lines: $(cat "$d/out2.txt")"
grep -q "already in the PUF: $m" "$d/out2.txt" || fail "append did not see $m mailboxes"
[ "$(grep -vc '^#' "$d/mbm.puf")" = "$before" ] || fail "append changed the line count"
[ "$d/mbm.puf.idx" -nt "$d/mbm.puf" ] || [ "$(stat -c %Y "$d/mbm.puf.idx")" -gt 946684800 ] ||
  fail "index not rebuilt after append"

# Append a second batch: a PUF holding only the first mailboxes grows to the full set. The cut
# drops every line of the last mailbox kept, since --append adds whole mailboxes.
head -n 102 "$work/utf8/mbm.puf" >"$d/head.puf"
lastt=$(tail -n1 "$d/head.puf" | cut -d'|' -f2)
awk -F'|' -v t="$lastt" '$2 != t' "$d/head.puf" >"$d/batch.puf"
"$bin" puf build --append --source "$d/source.csv" --target "$d/target.csv" \
  --out "$d/batch.puf" >/dev/null 2>&1 || fail "batch append"
diff <(grep -v '^#' "$d/batch.puf" | sort) <(grep -v '^#' "$work/utf8/mbm.puf" | sort) >&2 ||
  fail "batch append differs from a full build"

# puf check finds planted errors by line.
p="$work/planted.puf"
cp "$work/utf8/mbm.puf" "$p"
l3=$(sed -n 3p "$p"); l4=$(sed -n 4p "$p")
src3=${l3%%|*}; rest4=${l4#*|}; tgt4=${rest4%%|*}
{
  echo "$src3|/o=X/cn=Recipients/cn=other|other@x.com"          # conflicting duplicate of line 3
  echo "$l4"                                                     # identical duplicate of line 4
  echo "/o=A/cn=only-two-fields|/o=B/cn=x"                       # field count
  echo "/o=A/cn=badsmtp|/o=B/cn=y|not-an-address"                # SMTP shape
  echo "cn=nodn|/o=B/cn=z|z@b.com"                               # DN shape
  echo "$tgt4|/o=B/cn=loop|loop@b.com"                           # target of line 4 as a source
} >>"$p"
total=$(wc -l <"$p")
set +e
"$bin" puf check "$p" >"$work/check.txt" 2>"$work/check.err"
rc=$?
set -e
[ $rc = 1 ] || fail "puf check exit $rc on a PUF with problems"
for want in "$((total-5)): .*different target" "$((total-4)): .*same target" "$((total-3)): " \
            "$((total-2)): .*field 3" "$((total-1)): .*field 1" "4: target DN is the source DN of line $total"; do
  grep -q "planted.puf:$want" "$work/check.err" || { cat "$work/check.err" >&2; fail "not reported: $want"; }
done
echo ok
