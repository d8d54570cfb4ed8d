#!/usr/bin/env bash
# Round trips to the share: an update run and a nothing-to-do run on a share folder (the
# executable, prof.config, mbm.puf and its index, Logs), counted from outside with strace by
# bench/share-calls.sh. Each count must stay within its budget (the figures docs/performance.md
# gives for the office16 fixture, 5 mailbox DNs; the goals are 24 and 12) and must not
# depend on the size of the PUF: the same runs with a PUF 10 times larger make the same calls.
# A pilot wave's PUF (200 lines), whose index comes whole in the run's first read of it, costs
# one call less per bucket read.
# Skipped (77) without strace or where it cannot trace.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
command -v strace >/dev/null || { echo "strace not installed: skipped"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }
[ -x "$PM_BINARY_DIR/profilemanager" ] || { echo "profilemanager not built"; exit 1; }

# What a run may cost today; lower them when a change saves calls, never raise them silently.
# Per run: the update (its lookup also asks the index ahead about the names the profile gets: one
# bucket read per mailbox moved, 3 here), the first logon after it (answered by the local cache
# from what the update asked ahead: the goal, 12), every later nothing-to-do logon (the same), the
# first logon after the PUF is published again (the PUF asked in full). A pilot's index comes
# whole with the run's first read of it: no bucket reads, 8 less for the update, 5 less after a
# publication. The update's backup: open (O_SYNC), write, close, rename.
BUDGET_LARGE="37 12 12 29"
BUDGET_PILOT="29 12 12 24"

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-share-calls-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
for lines in 200 10000 100000; do
    budget=$BUDGET_LARGE
    [ "$lines" = 200 ] && budget=$BUDGET_PILOT
    read -r max_update max_first max_nothing max_republished <<<"$budget"
    BENCH_LINES=$lines BENCH_CHECK=1 SHARE_CALLS_MAX_UPDATE=$max_update \
        SHARE_CALLS_MAX_FIRST=$max_first SHARE_CALLS_MAX_NOTHING=$max_nothing \
        SHARE_CALLS_MAX_REPUBLISHED=$max_republished \
        SHARE_CALLS_OUT="$work/counts-$lines" \
        bash "$PM_SOURCE_DIR/bench/share-calls.sh" "$PM_BINARY_DIR"
    rc=$?
    if [ "$rc" = 77 ]; then exit 77; fi
    if [ "$rc" != 0 ]; then
        echo "FAIL: $lines-line PUF: a count is above its budget ($budget)"
        fails=$((fails + 1))
    fi
done
if cmp -s "$work/counts-10000" "$work/counts-100000"; then
    echo "ok: the counts do not depend on the size of the PUF"
else
    echo "FAIL: the counts depend on the size of the PUF:"
    paste "$work/counts-10000" "$work/counts-100000"
    fails=$((fails + 1))
fi
[ "$fails" = 0 ] && echo "share-calls: all checks passed"
exit $((fails > 0))
