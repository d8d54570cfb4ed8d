#!/usr/bin/env bash
# Fleet tools refuse results that would mislead: puf build writes nothing and exits 1 when no
# row joined or every mailbox maps to itself (--allow-empty overrides), keeps an overwritten
# PUF as .bak, and --left-out puts the rows left out in a file; shortcut --dir on a missing
# folder is a usage error naming it.
set -euo pipefail
bin="$PM_BINARY_DIR/profilemanager"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
data="$PM_SOURCE_DIR/tests/data/exports"
src="$data/source-contoso.csv" tgt="$data/target-fabrikam.csv"

# A good build to start from.
"$bin" puf build --source "$src" --target "$tgt" --out "$work/mbm.puf" >/dev/null 2>&1 ||
  fail "first build exited $?"
cp "$work/mbm.puf" "$work/good.puf"
[ ! -e "$work/mbm.puf.bak" ] || fail ".bak written for a new PUF"

# --join upn matches nothing in these exports: exit 1, the PUF untouched, no .bak.
set +e
"$bin" puf build --source "$src" --target "$tgt" --join upn --out "$work/mbm.puf" \
  >"$work/o.txt" 2>"$work/e.txt"; rc=$?
set -e
[ $rc = 1 ] || fail "nothing joined: exit $rc"
cmp -s "$work/mbm.puf" "$work/good.puf" || fail "nothing joined: PUF changed"
[ ! -e "$work/mbm.puf.bak" ] || fail "nothing joined: .bak written"
grep -q "no source mailbox joined a target: nothing written" "$work/e.txt" || fail "nothing joined: message"

# Swapped exports: nothing joins either.
set +e
"$bin" puf build --source "$tgt" --target "$src" --out "$work/mbm.puf" >/dev/null 2>&1; rc=$?
set -e
[ $rc = 1 ] || fail "swapped: exit $rc"
cmp -s "$work/mbm.puf" "$work/good.puf" || fail "swapped: PUF changed"

# Source = target: only self-mappings.
set +e
"$bin" puf build --source "$src" --target "$src" --out "$work/mbm.puf" >/dev/null 2>"$work/e.txt"; rc=$?
set -e
[ $rc = 1 ] || fail "self-mapped: exit $rc"
grep -q "every mailbox maps to itself" "$work/e.txt" || fail "self-mapped: message"
cmp -s "$work/mbm.puf" "$work/good.puf" || fail "self-mapped: PUF changed"

# --allow-empty writes it, keeping the old PUF as .bak.
"$bin" puf build --source "$src" --target "$tgt" --join upn --allow-empty --out "$work/mbm.puf" \
  >/dev/null 2>&1 || fail "--allow-empty exited $?"
cmp -s "$work/mbm.puf.bak" "$work/good.puf" || fail "overwritten PUF not kept as .bak"
[ "$(grep -vc '^#' "$work/mbm.puf")" = 0 ] || fail "--allow-empty PUF not empty"

# --left-out: the rows left out go to the file, one a line with why, not to stderr.
"$bin" puf build --source "$src" --target "$tgt" --out "$work/mbm.puf" --left-out "$work/left.txt" \
  >"$work/o.txt" 2>"$work/e.txt" || fail "--left-out build exited $?"
"$bin" puf build --source "$src" --target "$tgt" --out "$work/plain.puf" >/dev/null 2>"$work/plain.err"
diff -u "$work/plain.err" "$work/left.txt" >&2 || fail "--left-out file differs from the stderr listing"
[ "$(wc -l <"$work/left.txt")" -ge 2 ] || fail "--left-out: too few rows"
grep -q "source-contoso.csv:8: no target mailbox with smtp 'not.yet@contoso.com'" "$work/left.txt" ||
  fail "--left-out: unjoined row missing"
! grep -q "source-contoso.csv:8:" "$work/e.txt" || fail "--left-out: rows still on stderr"
grep -q "rows left out: listed in $work/left.txt" "$work/e.txt" || fail "--left-out: no pointer on stderr"
cmp -s "$work/mbm.puf.bak" "$work/good.puf" && fail ".bak not refreshed by the later overwrite"

# shortcut --dir: a missing folder is a usage error naming it; an existing empty one is fine.
set +e
"$bin" shortcut list --dir "$work/no-such-dir" >"$work/o.txt" 2>"$work/e.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "shortcut --dir missing: exit $rc"
grep -qF "$work/no-such-dir: cannot list the folder" "$work/e.txt" || fail "shortcut --dir missing: message"
mkdir "$work/lnk"
"$bin" shortcut list --dir "$work/lnk" | grep -q "0 shortcuts" || fail "shortcut --dir empty folder"
echo ok
