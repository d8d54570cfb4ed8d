#!/usr/bin/env bash
# Progress on stderr: report, puf build, puf check and puf index print progress lines ending at
# 100% with --progress (stderr here is a file: one line per update), puf index with updates in
# between as it scans the PUF; without it, and with --no-progress, a stderr that is not a
# terminal gets none, and what the commands write to stdout and their exit codes do not change.
set -euo pipefail
bin="$PM_BINARY_DIR/profilemanager"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

"$PM_BINARY_DIR/mklogs" "$work/fleet" 300 >/dev/null
mkdir "$work/ex"
"$PM_BINARY_DIR/mkexports" "$work/ex" 300 utf16le >/dev/null 2>&1

# $1: name for the files; $2: the word progress lines start with; then the command.
# Runs it three times: with --progress, with --no-progress, with neither.
three() {
  local name=$1 what=$2
  shift 2
  local rc0 rc1 rc2
  set +e
  "$@" --progress >"$work/$name.out1" 2>"$work/$name.err1"; rc1=$?
  "$@" --no-progress >"$work/$name.out0" 2>"$work/$name.err0"; rc0=$?
  "$@" >"$work/$name.out2" 2>"$work/$name.err2"; rc2=$?
  set -e
  [ $rc1 = $rc0 ] && [ $rc1 = $rc2 ] || fail "$name: exit codes differ ($rc1, $rc0, $rc2)"
  grep -q "^$what: [0-9]*% (" "$work/$name.err1" || fail "$name --progress: no progress line"
  tail -n 1 <(grep "^$what: " "$work/$name.err1") | grep -q "^$what: 100% (" ||
    fail "$name --progress: the last progress line is not 100%: $(grep "^$what: " "$work/$name.err1" | tail -n 1)"
  ! grep -q $'\r' "$work/$name.err1" || fail "$name --progress: carriage return when stderr is not a terminal"
  for k in 0 2; do
    ! grep -q "^$what: [0-9]*% (" "$work/$name.err$k" || fail "$name: progress on stderr without --progress ($k)"
  done
  cmp -s <(grep -v "^$what: [0-9]*% (" "$work/$name.err1") "$work/$name.err2" ||
    fail "$name: --progress changed the rest of stderr"
}

three report report "$bin" report "$work/fleet/logs" --roster "$work/fleet/roster.csv"
cmp -s "$work/report.out1" "$work/report.out2" || fail "report: --progress changed stdout"

three build "puf build" "$bin" puf build --source "$work/ex/source.csv" --target "$work/ex/target.csv" \
  --out "$work/mbm.puf"
cmp -s "$work/build.out1" "$work/build.out2" || fail "puf build: --progress changed stdout"

three check "puf check" "$bin" puf check "$work/mbm.puf"
cmp -s "$work/check.out1" "$work/check.out2" || fail "puf check: --progress changed stdout"
three index "puf index" "$bin" puf index "$work/mbm.puf"
[ -s "$work/mbm.puf.idx" ] || fail "puf index: no index written"

# puf index counts the bytes of the PUF as it scans it: on a PUF of a few MB there are updates
# between 0% and 100% (with the rate and the time left), rising, at most about one a MiB (the
# library's pace), the last at 100%; none without --progress. PM_TEST_PROGRESS_EVERY_MS=0 makes
# the test build show every update the library makes, however fast this machine scans.
awk 'BEGIN { g = "/ou=Exchange Administrative Group (FYDIBOHF23SPDLT)/cn=Recipients/cn=";
  for (i = 1; i <= 20000; i++)
    printf "/o=Old%suser%06d|/o=New%suser%06d-new|user%06d@new.example.com\n", g, i, g, i, i }' \
  >"$work/big.puf"
size=$(wc -c <"$work/big.puf")
[ "$size" -gt 4000000 ] || fail "big.puf: only $size bytes"
PM_TEST_PROGRESS_EVERY_MS=0 "$bin" puf index "$work/big.puf" --progress >/dev/null \
  2>"$work/big.err1" || fail "puf index big.puf --progress: exit $?"
cp "$work/big.puf.idx" "$work/big.idx1"
grep "^puf index: " "$work/big.err1" | sed 's/^puf index: \([0-9]*\)%.*/\1/' >"$work/big.pct"
grep -qx '[1-9][0-9]\{0,1\}' "$work/big.pct" ||
  fail "puf index: no update between 0% and 100%: $(tr '\n' ' ' <"$work/big.err1")"
grep -E '^puf index: [1-9][0-9]?% \(' "$work/big.err1" | grep -q 'MB/s, .* left' ||
  fail "puf index: no rate or time left before 100%: $(tr '\n' ' ' <"$work/big.err1")"
[ "$(tail -n 1 "$work/big.pct")" = 100 ] || fail "puf index: the last update is not 100%"
sort -n -c "$work/big.pct" 2>/dev/null || fail "puf index: progress went back: $(tr '\n' ' ' <"$work/big.pct")"
[ "$(grep -c . "$work/big.pct")" -le $((size / 1048576 + 2)) ] ||
  fail "puf index: more than one update a MiB: $(grep -c . "$work/big.pct") for $size bytes"
PM_TEST_PROGRESS_EVERY_MS=0 "$bin" puf index "$work/big.puf" >/dev/null 2>"$work/big.err2" ||
  fail "puf index big.puf: exit $?"
! grep -q "^puf index: [0-9]*% (" "$work/big.err2" || fail "puf index big.puf: progress without --progress"
cmp -s "$work/big.idx1" "$work/big.puf.idx" || fail "puf index: --progress changed the index"

# The options are accepted in any position and a second file is still refused.
"$bin" puf check --progress "$work/mbm.puf" >/dev/null 2>&1 || fail "puf check --progress FILE"
set +e
"$bin" puf check "$work/mbm.puf" "$work/mbm.puf" --progress >/dev/null 2>"$work/e.txt"; rc=$?
set -e
[ $rc = 2 ] || fail "puf check with two files: exit $rc"
# On a terminal (script(1) gives the command one) progress is on by default, redrawn in place
# with carriage returns, ending at 100% on a line of its own; a problem printed meanwhile starts a
# line of its own, never glued to the progress text.
if command -v script >/dev/null; then
  printf 'bad line\n' >>"$work/mbm.puf"
  script -qec "'$bin' puf check '$work/mbm.puf' >/dev/null" /dev/null >"$work/tty.txt" || true
  grep -q $'\r' "$work/tty.txt" || fail "tty: no carriage return"
  grep -q "puf check: 100% (" "$work/tty.txt" || fail "tty: no 100%"
  tr '\r' '\n' <"$work/tty.txt" | grep -q "^$work/mbm.puf:[0-9]*: " || fail "tty: problem line missing"
  ! tr '\r' '\n' <"$work/tty.txt" | grep "puf check: " | grep -q "mbm.puf:[0-9]" ||
    fail "tty: a problem glued to the progress line"
  script -qec "'$bin' puf check --no-progress '$work/mbm.puf' >/dev/null" /dev/null >"$work/tty0.txt" || true
  ! grep -q "puf check: [0-9]*%" "$work/tty0.txt" || fail "tty --no-progress: progress shown"
fi
echo "progress: ok"
