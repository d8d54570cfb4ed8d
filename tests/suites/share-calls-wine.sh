#!/usr/bin/env bash
# Calls on the share by the Windows build, under Wine: the update, the first logon after it and a
# later logon with nothing to do, counted in Wine's file trace by bench/share-calls-wine.sh (the
# NT file calls on files in C:\pm that the trace shows: opens, queries by name, reads, writes and
# other calls on a handle; docs/performance.md says what it misses). Each count must stay within
# its budget. Skips (77) without Wine or mingw-w64.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
# What a run may cost today; lower them when a change saves calls, never raise them silently.
BENCH_CHECK=1 SHARE_CALLS_WINE_MAX_UPDATE=43 SHARE_CALLS_WINE_MAX_FIRST=17 \
    SHARE_CALLS_WINE_MAX_NOTHING=17 bash "$PM_SOURCE_DIR/bench/share-calls-wine.sh" "$PM_BINARY_DIR"
