#!/usr/bin/env bash
# What a hostile user of a shared folder can plant, tried against a run of an ordinary user
# (nobody, through setpriv: root would bypass the permissions that matter): a symbolic link, a
# file of another owner or a second hard link in place of the user's log in a Logs folder open
# to all is refused and the log goes to the next place (~/Profile.Logs), which the log says; the
# single-run lock squatted in the shared temp folder by another user blocks nothing, since the
# lock lives in a folder of the user's own. Skipped (77) unless run as root with setpriv.
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
[ "$(id -u)" = 0 ] || { echo "skip: needs root to switch to an ordinary user"; exit 77; }
command -v setpriv >/dev/null || { echo "skip: no setpriv"; exit 77; }
command -v flock >/dev/null || { echo "skip: no flock"; exit 77; }
U=nobody
UID_N=$(id -u $U) || { echo "skip: no user nobody"; exit 77; }
GID_N=$(id -g $U)

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-posix.XXXXXX")
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; rm -rf "$work"' EXIT
chmod 755 "$work"
cd "$work" || exit 1
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The tool and its fixture where nobody can read them (the build tree may not be).
mkdir bin case home tmp share share/Logs
cp "$PM_BINARY_DIR/profilemanager" bin/
"$PM_BINARY_DIR/mkprofiles" --scenario office16 case >/dev/null || { echo "mkprofiles failed"; exit 1; }
chmod 777 tmp share/Logs # shared folders: anyone creates files there (no sticky bit, as on a share)
chown -R "$UID_N:$GID_N" case home
chmod 700 home
printf 'LogFolder=%s\nLockWait=0\n' "$work/share/Logs" >>case/prof.config
log_name="PC1_$U.log"

# as_user CMD...: runs as nobody in case/, with a clean environment of its own.
as_user() {
  (cd case && setpriv --reuid="$UID_N" --regid="$GID_N" --clear-groups \
    env -i PATH=/usr/bin:/bin HOME="$work/home" USER=$U COMPUTERNAME=PC1 TMPDIR="$work/tmp" \
    "$@")
}
update() { # update: one run on a fresh copy of the store; sets rc, out, err
  cp case/before.reg case/work.reg && chown "$UID_N" case/work.reg
  as_user "$work/bin/profilemanager" update --config prof.config --store reg:work.reg \
    >out.txt 2>err.txt
  rc=$?
}
fresh_home() { rm -rf home/Profile.Logs home/.cache; }

# 1. A symbolic link planted as the user's log, pointing at a file of the user's.
fresh_home
printf 'notes\n' >home/notes.txt && chown "$UID_N" home/notes.txt
ln -s "$work/home/notes.txt" "share/Logs/$log_name"
update
[ "$rc" = 0 ] || fail "symlink: exit $rc: $(head -c 300 err.txt)"
[ "$(cat home/notes.txt)" = notes ] || fail "symlink: the run wrote through the planted link"
[ -L "share/Logs/$log_name" ] || fail "symlink: the planted link was replaced"
grep -q 'event=run.end result=ok' "home/Profile.Logs/$log_name" 2>/dev/null ||
  fail "symlink: the log did not go to ~/Profile.Logs"
grep -q "event=warning.*share/Logs/$log_name" "home/Profile.Logs/$log_name" 2>/dev/null ||
  fail "symlink: the log does not say the log file was refused"
grep -q "share/Logs/$log_name" err.txt || fail "symlink: stderr does not say the log was refused"
rm -f "share/Logs/$log_name"

# 2. A regular file planted by another user (root here), writable by all.
fresh_home
: >"share/Logs/$log_name" && chmod 666 "share/Logs/$log_name"
update
[ "$rc" = 0 ] || fail "planted file: exit $rc"
[ -s "share/Logs/$log_name" ] && fail "planted file: the run appended to a file of another user"
grep -q 'event=run.end result=ok' "home/Profile.Logs/$log_name" 2>/dev/null ||
  fail "planted file: the log did not go to ~/Profile.Logs"
rm -f "share/Logs/$log_name"

# 3. A second hard link to a file of the user's.
fresh_home
ln home/notes.txt "share/Logs/$log_name"
update
[ "$rc" = 0 ] || fail "hard link: exit $rc"
[ "$(cat home/notes.txt)" = notes ] || fail "hard link: the run wrote into the linked file"
rm -f "share/Logs/$log_name"

# 4. The user's own log there is used as before.
fresh_home
update
[ "$rc" = 0 ] || fail "own log: exit $rc"
grep -q 'event=run.end result=ok' "share/Logs/$log_name" 2>/dev/null ||
  fail "own log: not written to the Logs folder"
[ -e "home/Profile.Logs/$log_name" ] && fail "own log: fell back without reason"

# 5. The lock of the shared temp folder squatted by another user (created and held): no effect.
fresh_home
squat="tmp/profilemanager-$UID_N-update.lock"
: >"$squat" && chmod 600 "$squat"
flock "$squat" sleep 60 &
holder=$!
sleep 0.3
update
[ "$rc" = 0 ] || fail "squatted lock: exit $rc ($(head -c 200 err.txt))"
kill "$holder" 2>/dev/null
wait "$holder" 2>/dev/null
holder=
lockdir=home/.cache/profilemanager
[ -f "$lockdir/profilemanager-$UID_N-update.lock" ] || fail "lock: not in ~/.cache/profilemanager"
[ "$(stat -c %a "$lockdir")" = 700 ] || fail "lock: ~/.cache/profilemanager is not 0700"

# 6. $XDG_RUNTIME_DIR is used when it is the user's alone; a shared one is not.
fresh_home
mkdir -m 700 run && chown "$UID_N" run
cp case/before.reg case/work.reg && chown "$UID_N" case/work.reg
as_user XDG_RUNTIME_DIR="$work/run" "$work/bin/profilemanager" update --config prof.config \
  --store reg:work.reg >out.txt 2>err.txt || fail "xdg: exit $?"
[ -f "run/profilemanager-$UID_N-update.lock" ] || fail "xdg: lock not in \$XDG_RUNTIME_DIR"
# (~/.cache/profilemanager itself now holds the local answer cache: only the lock is asked about.)
[ -e "$lockdir/profilemanager-$UID_N-update.lock" ] &&
  fail "xdg: lock in ~/.cache although \$XDG_RUNTIME_DIR is usable"
fresh_home
rm -f "$squat"
cp case/before.reg case/work.reg && chown "$UID_N" case/work.reg
as_user XDG_RUNTIME_DIR="$work/tmp" "$work/bin/profilemanager" update --config prof.config \
  --store reg:work.reg >out.txt 2>err.txt || fail "shared xdg: exit $?"
[ -e "$squat" ] && fail "shared xdg: lock in a folder open to all"
[ -f "$lockdir/profilemanager-$UID_N-update.lock" ] || fail "shared xdg: not in ~/.cache"

# 7. No folder of the user's own for the lock (a home the user cannot write, no usable
# $XDG_RUNTIME_DIR): the run exits 7 as when locked and changes nothing, but says that the lock
# cannot be taken: no other run is in progress.
mkdir -m 755 roothome
cp case/before.reg case/work.reg && chown "$UID_N" case/work.reg
as_user HOME="$work/roothome" "$work/bin/profilemanager" update --config prof.config \
  --store reg:work.reg >out.txt 2>err.txt
rc=$?
[ "$rc" = 7 ] || fail "no lock folder: exit $rc, expected 7"
grep -q 'single-run lock cannot be taken' err.txt || fail "no lock folder: $(cat err.txt)"
grep -q 'in progress' err.txt && fail "no lock folder: says another run is in progress"
cmp -s case/before.reg case/work.reg || fail "no lock folder: the store changed"
grep -q 'event=error msg="the single-run lock cannot be taken' "share/Logs/$log_name" ||
  fail "no lock folder: the log does not say so"

[ "$failures" = 0 ] || exit 1
echo "posix-files: all checks passed"
