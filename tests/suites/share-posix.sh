#!/bin/bash
# The share of docs/deployment.md ("users may create files in Logs, nothing else"), modelled with
# POSIX modes and run as an ordinary user (setpriv as nobody; root bypasses permissions): the kit
# root-owned and read-only, Logs root-owned with mode 1733 (anyone creates files, nobody lists
# or removes another's), Logs/Backups made by the administrator and not writable by users. The
# run writes its log in Logs, cannot write Logs/Backups, and puts the backup in
# $HOME/Profile.Logs/Backups instead (logged), exit 0; a dry run says so first. POSIX cannot give
# the right to create files but not folders (Windows' WD without AD): with Backups missing a user
# could create it, so that half of the recipe is modelled by a Backups folder users cannot write.
# Skips (77) when not root or without setpriv.
set -u
SRC=${PM_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BIN=${PM_BINARY_DIR:-$SRC/build}
for tool in profilemanager mkprofiles; do
    [ -x "$BIN/$tool" ] || { echo "$tool not built"; exit 1; }
done
[ "$(id -u)" = 0 ] || { echo "not root: cannot set owners for the test: skipped"; exit 77; }
command -v setpriv >/dev/null || { echo "setpriv not installed: skipped"; exit 77; }

d=$(mktemp -d "${TMPDIR:-/tmp}/pm-share-XXXXXX")
trap 'rm -rf "$d"' EXIT
chmod 755 "$d"
fails=0
check() { if "$@"; then echo "ok: ${desc}"; else echo "FAIL: ${desc}"; fails=$((fails + 1)); fi; }

"$BIN/mkprofiles" --scenario office16 "$d/fx" >/dev/null || { echo "FAIL: mkprofiles"; exit 1; }
SHARE=$d/share
mkdir -p "$SHARE/Logs/Backups" "$d/user/home"
install -m 755 "$BIN/profilemanager" "$SHARE/profilemanager"
cp "$d/fx/mbm.puf" "$d/fx/prof.config" "$SHARE/"
chown -R root:root "$SHARE"
chmod 755 "$SHARE" "$SHARE/Logs/Backups"
chmod 644 "$SHARE/mbm.puf" "$SHARE/prof.config"
chmod 1733 "$SHARE/Logs"
# The user's own registry stands in as a .reg file the user owns.
cp "$d/fx/before.reg" "$d/user/store.reg"
chown -R nobody:nogroup "$d/user"
as_user() {
    (cd "$d/user" && HOME=$d/user/home setpriv --reuid=nobody --regid=nogroup --clear-groups \
        "$SHARE/profilemanager" update --store "reg:$d/user/store.reg" "$@" >"$d/out" 2>"$d/err")
    rc=$?
}

as_user --dry-run
desc="dry run: exit 0"; check [ "$rc" = 0 ]
desc="dry run: names the fallback backup folder"
check grep -q "backup would be written to '$d/user/home/Profile.Logs/Backups'" "$d/out"
as_user
desc="update: exit 0 (not 6)"; check [ "$rc" = 0 ]
[ "$rc" = 0 ] || cat "$d/err"
desc="update: the profiles were changed"; check bash -c "! cmp -s '$d/fx/before.reg' '$d/user/store.reg'"
desc="update: the log is in Logs on the share"; check bash -c "ls '$SHARE/Logs/'*.log >/dev/null"
desc="update: no backup on the share"; check bash -c "! ls '$SHARE/Logs/Backups/'* >/dev/null 2>&1"
desc="update: the backup is in Profile.Logs/Backups"
check bash -c "ls '$d/user/home/Profile.Logs/Backups/'*.reg >/dev/null"
desc="update: the log says where the backup went"
check grep -q "fallback=$d/user/home/Profile.Logs/Backups" "$SHARE/Logs/"*.log
desc="update: the kit files on the share raise no security warning"
check bash -c "! grep -q 'event=security' '$SHARE/Logs/'*.log"

echo "$fails failure(s)"
[ $fails -eq 0 ]
