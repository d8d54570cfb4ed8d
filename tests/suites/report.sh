#!/usr/bin/env bash
# profilemanager report over a generated fleet of 2000 run logs (tests/tools/mklogs.c): the
# totals printed match what the generator wrote, updates per day match, corrupt logs are listed
# and not fatal, the CSV has a row per mailbox and per user who never ran, and a missing folder
# is a usage error.
set -euo pipefail
bin="$PM_BINARY_DIR/profilemanager"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PM_BINARY_DIR/mklogs" "$work" 2000
# A log cut in the middle of a line (a run killed while writing) and an unreadable-looking file.
printf '2026-11-20T08:00:00Z run=X event=run.start user=cut computer=PC-CUT mode=update\n2026-11-20T08:00:01Z run=X event=mailbox state="upd' \
  >"$work/logs/PC-CUT_cut.log"
printf 'not a log at all\n' >"$work/logs/PC-JUNK_junk.log"
printf 'ignored\n' >"$work/logs/readme.txt"

"$bin" report "$work/logs" --roster "$work/roster.csv" --csv "$work/r.csv" \
  --html "$work/r.html" >"$work/out.txt" || fail "report exited $?"
out="$work/out.txt"
want() { sed -n "s/^$1 //p" "$work/expected.txt"; }
row() { grep -E "^  $1 +[0-9]+" "$out" | awk '{print $NF}'; }

[ "$(row 'Updated')" = "$(want updated)" ] || fail "updated: $(row Updated) != $(want updated)"
[ "$(row 'Already current')" = "$(want current)" ] || fail "current"
[ "$(row 'Not migrated yet')" = "$(want not_migrated)" ] || fail "not migrated"
[ "$(row 'In use - deferred')" = "$(want deferred)" ] || fail "deferred"
[ "$(row 'Failed')" = "$(want failed)" ] || fail "failed"
# the cut log is one more incomplete run
[ "$(row 'Incomplete run')" = "$(( $(want incomplete) + 1 ))" ] || fail "incomplete: $(row 'Incomplete run')"
[ "$(row 'Dry run only')" = "$(want dry_run)" ] || fail "dry run"
[ "$(row 'Never ran')" = "$(want never_ran)" ] || fail "never ran"
mline=$(grep '^Mailboxes:' "$out")
for k in "updated:$(want mbx_updated) updated" "current:$(want mbx_current) already current" \
         "not:$(want mbx_not_migrated) not migrated yet" "deferred:$(want mbx_deferred) deferred" \
         "failed:$(want mbx_failed) failed" "would:$(want mbx_would_update) would update"; do
  echo "$mline" | grep -q "${k#*:}" || fail "mailbox total '${k#*:}' not in: $mline"
done
grep -q "^Policy warnings: $(want policy) " "$out" || fail "policy warnings"
nbad=$(( $(want bad_files) + 2 ))
grep -q "($nbad with corrupt or truncated lines)" "$out" || fail "corrupt count: $(head -1 "$out")"
grep -q "PC-CUT_cut.log: corrupt or truncated lines (1 bad lines, first at line 2)" "$out" ||
  fail "cut log not listed"
grep -q "PC-JUNK_junk.log: no event line" "$out" || fail "junk log not listed"
grep -q "rolled_back: cannot write 'HKCU" "$out" || fail "failure reason not grouped"

# updates per day: the chart's bar titles carry "day: count"
while read -r _ day n; do
  grep -q "<title>$day: $n</title>" "$work/r.html" || fail "day $day: $n not in the chart"
done < <(grep '^day ' "$work/expected.txt" | tail -n 60)

# CSV: one row per mailbox of each latest run (a run without mailboxes: one row), plus never ran
rows=$(( $(python3 -c "import csv,sys; print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))))" "$work/r.csv") - 1 ))
nr=$(grep -c ',never_ran,' "$work/r.csv")
[ "$nr" = "$(want never_ran)" ] || fail "never_ran rows $nr"
[ "$rows" -gt 2000 ] || fail "CSV has only $rows rows"
python3 - "$work/r.csv" <<'PY' || fail "CSV does not parse as 17 columns"
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))
assert rows[0][0] == 'user' and all(len(r) == 17 for r in rows), 'column count'
PY

# Hostile logs in a folder of their own: a forged "updated" run of the victim (2099) under an
# unrelated name and under the victim's name with another computer, a FIFO, an oversized log.
h="$work/hostile"
mkdir "$h"
printf '2026-11-20T08:00:00Z run=V event=run.start user=vic computer=PC-V mode=update\n2026-11-20T08:00:01Z run=V event=run.end result=rolled_back\n' \
  >"$h/PC-V_vic.log"
forged='2099-01-01T08:00:00Z run=F event=run.start user=vic computer=PC-V mode=update\n2099-01-01T08:00:01Z run=F event=mailbox state=updated\n2099-01-01T08:00:02Z run=F event=run.end result=ok updated=1\n'
printf "$forged" >"$h/PC-EVIL_mallory.log"
printf "$forged" >"$h/PC-OTHER_vic.log"
mkfifo "$h/PC-F_fifo.log"
python3 - "$h/PC-BIG_big.log" <<'PY'
import sys
v = 'x' * (4 << 20)
with open(sys.argv[1], 'w') as f:
    f.write('2026-11-20T08:00:00Z run=B event=run.start user=big computer=PC-BIG mode=update\n')
    f.write('2026-11-20T08:00:01Z run=B event=error msg="%s"\n' % v)
    f.write('2026-11-20T08:00:02Z run=B event=run.end result=store_error\n')
PY
timeout 120 "$bin" report "$h" --csv "$h/r.csv" >"$h/out.txt" 2>"$h/err.txt" ||
  fail "hostile folder: exit $? (or hung on the FIFO)"
grep -q "Logs that claim another user: 2" "$h/out.txt" || fail "forged logs not counted"
grep -q "PC-EVIL_mallory.log: a run names user vic on computer PC-V" "$h/out.txt" ||
  fail "forged log under another name not listed"
grep -Eq "^  Failed +2$" "$h/out.txt" || fail "the victim's failure was hidden: $(grep Failed "$h/out.txt")"
grep -q "^  vic .*rolled_back" "$h/out.txt" || fail "the victim is not listed as failed"
grep -q "PC-F_fifo.log: cannot read the file, or not a regular file" "$h/out.txt" ||
  fail "FIFO not listed as skipped"
big=$(grep '^big,' "$h/r.csv" | head -1)
[ "${#big}" -lt 4000 ] || fail "oversized log dominates the CSV (${#big} bytes)"
echo "$big" | grep -q "x\.\.\.," || fail "oversized value not cut with a marker"

# Errors: a missing folder and a folder without run logs are usage errors naming the folder,
# never a report of "0 users" (nor a stray number after the message).
set +e
"$bin" report "$work/nope" >"$work/nope.out" 2>"$work/nope.err"; rc=$?
set -e
[ $rc = 2 ] || fail "missing folder exit $rc"
[ ! -s "$work/nope.out" ] || fail "missing folder printed a report"
[ "$(cat "$work/nope.err")" = "profilemanager: $work/nope: cannot list the folder (missing, not a folder, or not readable)" ] ||
  fail "missing folder message: $(cat "$work/nope.err")"
mkdir "$work/empty"
touch "$work/empty/notes.txt"
set +e
"$bin" report "$work/empty" >"$work/empty.out" 2>"$work/empty.err"; rc=$?
set -e
[ $rc = 2 ] || fail "empty folder exit $rc"
[ ! -s "$work/empty.out" ] || fail "empty folder printed a report"
grep -qF "$work/empty: no run logs (*.log) in the folder" "$work/empty.err" || fail "empty folder message"
echo ok
