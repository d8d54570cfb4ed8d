#!/usr/bin/env bash
# The PUF index on the share, end to end: judged by content, so copying mbm.puf and mbm.puf.idx
# (new modification times, another folder) keeps it in use; a changed byte in a sampled block or
# a missing index makes the run read the whole PUF and log a puf.index warning, which report
# lists among its problems and puf check reports.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
PM="$PM_BINARY_DIR/profilemanager"
[ -x "$PM" ] && [ -x "$PM_BINARY_DIR/mkprofiles" ] || { echo "tool or mkprofiles not built"; exit 1; }
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-share-index.XXXXXX")
trap 'rm -rf "$work"' EXIT
export TMPDIR="$work" HOME="$work/home"
mkdir -p "$HOME" "$work/built" "$work/share/Logs"
fails=0
check() { if "$@"; then echo "ok: $desc"; else echo "FAIL: $desc"; fails=$((fails + 1)); fi; }

"$PM_BINARY_DIR/mkprofiles" --scenario office16 "$work/fx" >/dev/null || exit 1
# Where the PUF was made and indexed, then copied to the share with new times (cp without -p).
cp "$work/fx/mbm.puf" "$work/built/mbm.puf"
"$PM" puf index "$work/built/mbm.puf" >/dev/null || { echo "FAIL: puf index"; exit 1; }
touch -d '2 days ago' "$work/built/mbm.puf" "$work/built/mbm.puf.idx"
cp "$work/built/mbm.puf" "$work/built/mbm.puf.idx" "$work/share/"
{ cat "$work/fx/prof.config"; echo "LogFolder=$work/share/Logs"; } >"$work/share/prof.config"
touch -d '+1 hour' "$work/share/mbm.puf.idx"

run() {
    rm -f "$work/share/Logs/"*.log
    cp "$work/fx/before.reg" "$work/store.reg"
    "$PM" update --config "$work/share/prof.config" --store "reg:$work/store.reg" --dry-run \
        >"$work/out" 2>&1
}
log() { cat "$work/share/Logs/"*.log; }

run
desc="copied with new times: the index is used"
check grep -q "event=puf.lookup .*used_index=1" <(log)
desc="copied with new times: no puf.index warning"
check bash -c "! grep -q 'event=puf.index' '$work/share/Logs/'*.log"

# One byte of the head changed, same size: stale.
python3 - "$work/share/mbm.puf" <<'PY'
import sys
p = sys.argv[1]
b = bytearray(open(p, "rb").read())
i = b.index(b"cn=")
b[i] ^= 0x20  # cn= -> Cn=: same size, another byte in the head block
open(p, "wb").write(bytes(b))
PY
run
desc="a byte changed in a sampled block: the PUF is read whole"
check grep -q "event=puf.lookup .*used_index=0" <(log)
desc="a byte changed in a sampled block: puf.index warning, state stale"
check grep -q "event=puf.index state=stale msg=\"index is stale: puf content changed" <(log)
desc="report lists it among the problems"
"$PM" report "$work/share/Logs" >"$work/report.txt" 2>&1
check grep -q "puf index: stale" "$work/report.txt"
desc="puf check reports it (and still exits 0: the PUF itself is fine)"
"$PM" puf check "$work/share/mbm.puf" >"$work/check.txt" 2>&1
rc=$?
check bash -c "[ $rc = 0 ] && grep -q '^index: stale' '$work/check.txt'"

rm "$work/share/mbm.puf.idx"
run
desc="no index: puf.index warning, state missing"
check grep -q "event=puf.index state=missing" <(log)
"$PM" update --config "$work/share/prof.config" --store "reg:$work/store.reg" --dry-run --no-index \
    >/dev/null 2>&1
desc="--no-index asked for the scan: no warning"
check [ "$(log | grep -c 'event=puf.index')" = 1 ]

[ "$fails" = 0 ] && echo "share-index: all checks passed"
exit $((fails > 0))
