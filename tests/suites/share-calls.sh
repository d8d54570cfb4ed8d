#!/usr/bin/env bash
# Round trips to the share: an update run and a nothing-to-do run on a share folder (the
# executable, prof.config, mbm.puf and its index, Logs), counted from outside with strace by
# bench/share-calls.sh. Each count must stay within its budget (the figures docs/performance.md
# gives for the office16 fixture, 5 mailbox DNs; the goals are 24 and 12) and must not
# depend on the size of the PUF: the same runs with a PUF 20 times larger make the same calls.
# Skipped (77) without strace or where it cannot trace.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
command -v strace >/dev/null || { echo "strace not installed: skipped"; exit 77; }
strace -f -o /dev/null true 2>/dev/null || { echo "strace cannot trace here: skipped"; exit 77; }
[ -x "$PM_BINARY_DIR/profilemanager" ] || { echo "profilemanager not built"; exit 1; }

# What a run may cost today; lower them when a change saves calls, never raise them silently.
# The first logon after an update asks the index about the profile's new names alone (the local
# cache answers the rest); every later nothing-to-do logon is answered by the local cache (the
# goal: 12); the first logon after the PUF is published again asks the PUF in full.
MAX_UPDATE=40
MAX_FIRST=26
MAX_NOTHING=12
MAX_REPUBLISHED=34

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-share-calls-suite.XXXXXX")
trap 'rm -rf "$work"' EXIT
fails=0
for lines in 1000 20000; do
    BENCH_LINES=$lines BENCH_CHECK=1 SHARE_CALLS_MAX_UPDATE=$MAX_UPDATE \
        SHARE_CALLS_MAX_FIRST=$MAX_FIRST SHARE_CALLS_MAX_NOTHING=$MAX_NOTHING \
        SHARE_CALLS_MAX_REPUBLISHED=$MAX_REPUBLISHED \
        SHARE_CALLS_OUT="$work/counts-$lines" \
        bash "$PM_SOURCE_DIR/bench/share-calls.sh" "$PM_BINARY_DIR"
    rc=$?
    if [ "$rc" = 77 ]; then exit 77; fi
    if [ "$rc" != 0 ]; then
        echo "FAIL: $lines-line PUF: a count is above its budget ($MAX_UPDATE, $MAX_FIRST, $MAX_NOTHING, $MAX_REPUBLISHED)"
        fails=$((fails + 1))
    fi
done
if cmp -s "$work/counts-1000" "$work/counts-20000"; then
    echo "ok: the counts do not depend on the size of the PUF"
else
    echo "FAIL: the counts depend on the size of the PUF:"
    paste "$work/counts-1000" "$work/counts-20000"
    fails=$((fails + 1))
fi
[ "$fails" = 0 ] && echo "share-calls: all checks passed"
exit $((fails > 0))
