#!/bin/bash
# RequireReadOnlyConfig's question on POSIX, asked as an ordinary user (root bypasses
# permissions, so the runs go through setpriv as nobody): is prof.config, mbm.puf, its .idx or the
# RunAfter program writable by anyone but root and its owner - group or other write bits, an owner
# that is neither root nor the running user, on the file or on its folder? Each such file gives
# a "security" warning in the log and on stderr; with RequireReadOnlyConfig=yes RunAfter is not
# started, with the default (no) it is. A kit as deployment.md prescribes (root-owned, 0644 in a
# 0755 folder) gives no warning. Runs are dry runs with --run-after: the store is never written.
# Skips (77) when not root or without setpriv.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
for tool in profilemanager mkprofiles; do
    [ -x "$BIN/$tool" ] || { echo "$tool not built"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "not root: cannot set owners for the test: skipped"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv not installed: skipped"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "no user nobody: skipped"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-trust-XXXXXX")
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
install -m 755 "$BIN/profilemanager" "$d/profilemanager"
KIT=$d/kit
# setup [RequireReadOnlyConfig]: the kit as documented, owned by root, read-only for users.
setup() {
    rm -rf "$KIT" "$d/user" && mkdir -p "$KIT" "$d/user/home" "$d/user/Logs"
    chmod 755 "$KIT"
    cp "$d/fx/before.reg" "$KIT/store.reg"
    cp "$d/fx/mbm.puf" "$KIT/mbm.puf"
    "$d/profilemanager" puf index "$KIT/mbm.puf" >/dev/null 2>&1 || : >"$KIT/mbm.puf.idx"
    printf '#!/bin/sh\n: >"%s/user/ran"\n' "$d" >"$KIT/runafter.sh"
    { cat "$d/fx/prof.config"
      printf 'LogFolder=%s/user/Logs\nRunAfter=%s/runafter.sh\nRequireReadOnlyConfig=%s\n' \
          "$d" "$KIT" "${1:-yes}"; } >"$KIT/prof.config"
    chown -R root:root "$KIT"
    chmod 644 "$KIT"/*
    chmod 755 "$KIT/runafter.sh"
    chown -R nobody:nogroup "$d/user"
}
# run: a dry run with --run-after as nobody; rc, $d/out, $d/err, $d/log.
run() {
    rm -f "$d/user/ran" "$d/user/Logs/"*.log
    (cd "$d/user" && HOME=$d/user/home setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$d/profilemanager" update --dry-run --run-after --config "$KIT/prof.config" \
        --store "reg:$KIT/store.reg" >"$d/out" 2>"$d/err")
    rc=$?
    cat "$d/user/Logs/"*.log >"$d/log" 2>/dev/null || : >"$d/log"
    for _ in $(seq 40); do [ -e "$d/user/ran" ] && break; sleep 0.05; done
}
ran() { [ -e "$d/user/ran" ]; }
security() { grep -q "event=security file=$1" "$d/log" && grep -q "warning: .*$2" "$d/err"; }

echo "== the kit as documented"
setup
run
desc="documented kit: exit 0"; check [ "$rc" = 0 ]
desc="documented kit: no security warning"; check bash -c "! grep -q 'event=security' '$d/log'"
desc="documented kit: RunAfter started"; check ran

# bad NAME DESC COMMAND...: one weakness, refused with RequireReadOnlyConfig=yes.
bad() {
    local what=$1 reason=$2
    shift 2
    echo "== $what"
    setup yes
    "$@"
    run
    desc="$what: exit 0, the run itself goes on"; check [ "$rc" = 0 ]
    desc="$what: security warning in the log and on stderr"; check security "$KIT/$FILE" "$reason"
    desc="$what: RequireReadOnlyConfig=yes: RunAfter not started"; check bash -c "! [ -e '$d/user/ran' ]"
    desc="$what: the refusal is logged"; check grep -q 'RunAfter not started' "$d/log"
}
FILE=prof.config bad "config writable by its group" "writable by its group" chmod 664 "$KIT/prof.config"
FILE=mbm.puf bad "PUF writable by everyone" "writable by everyone" chmod 666 "$KIT/mbm.puf"
FILE=mbm.puf.idx bad "index writable by everyone" "writable by everyone" chmod 646 "$KIT/mbm.puf.idx"
FILE=runafter.sh bad "RunAfter program writable by its group" "writable by its group" chmod 775 "$KIT/runafter.sh"
FILE=prof.config bad "config owned by another user" "owned by uid 4242" chown 4242 "$KIT/prof.config"
FILE=prof.config bad "folder writable by everyone" "folder '$KIT' is writable by everyone" chmod 777 "$KIT"

echo "== sticky folder"
setup yes
chmod 1777 "$KIT"
run
desc="sticky folder: others cannot replace the files, no warning"
check bash -c "! grep -q 'event=security' '$d/log'"

echo "== default RequireReadOnlyConfig=no"
setup no
chmod 666 "$KIT/prof.config"
run
desc="default: security warning still logged"; check grep -q 'event=security' "$d/log"
desc="default: RunAfter started"; check ran

echo "== dry run without --run-after"
setup yes
rm -f "$d/user/ran"
(cd "$d/user" && HOME=$d/user/home setpriv --reuid=nobody --regid=nogroup --clear-groups \
    "$d/profilemanager" update --dry-run --config "$KIT/prof.config" \
    --store "reg:$KIT/store.reg" >"$d/out" 2>"$d/err")
sleep 0.5
desc="dry run: RunAfter not started without --run-after"; check bash -c "! [ -e '$d/user/ran' ]"

echo "$fails failure(s)"
[ $fails -eq 0 ]
