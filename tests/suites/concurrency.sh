#!/usr/bin/env bash
# Two runs at once on the same store (reg, then hive): they must end with one complete update and
# no damage. Each exits 0 (it did the update, or waited for the lock and found nothing left to do),
# 7 (locked out: LockWait=0) or 6 (rolled back); the store ends byte for byte as the reference
# update, and a third run is a no-op. Modes: the lock waited for (LockWait=30), the lock refused
# (LockWait=0), and no shared lock at all (each run its own lock folder, $XDG_RUNTIME_DIR), which
# must still end in a whole update since each run commits a whole file. CONC_ROUNDS rounds per mode (default 6).
set -u
: "${PM_SOURCE_DIR:?}" "${PM_BINARY_DIR:?}"
PM="$PM_BINARY_DIR/profilemanager"
MKPROFILES="$PM_BINARY_DIR/mkprofiles"
ROUNDS="${CONC_ROUNDS:-6}"
[ -x "$PM" ] && [ -x "$MKPROFILES" ] || { echo "tool or mkprofiles not built"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-conc.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1
export TMPDIR="$work/tmp" HOME="$work/home" XDG_RUNTIME_DIR="$work/lock"
mkdir -p "$HOME" "$TMPDIR"
mkdir -p -m 700 "$XDG_RUNTIME_DIR" "$work/lockA" "$work/lockB"
"$MKPROFILES" --scenario side-by-side fx >/dev/null || { echo "mkprofiles failed"; exit 1; }
cp fx/mbm.puf .
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

config() { # config FILE LOCKWAIT
  cp fx/prof.config "$1"
  printf 'LogFolder=%s\nLockWait=%s\n' "$work/logs" "$2" >>"$1"
}
config wait.config 30
config nowait.config 0

# pair MODE BACKEND EXT: two runs started together on work.EXT.
pair() {
  local mode=$1 backend=$2 ext=$3 cfg=wait.config ta="$XDG_RUNTIME_DIR" tb="$XDG_RUNTIME_DIR"
  [ "$mode" = refuse ] && cfg=nowait.config
  [ "$mode" = nolock ] && { ta="$work/lockA"; tb="$work/lockB"; }
  cp "fx/before.$ext" work.$ext
  XDG_RUNTIME_DIR="$ta" "$PM" update --config $cfg --store "$backend:work.$ext" >a.out 2>a.err &
  local pa=$!
  XDG_RUNTIME_DIR="$tb" "$PM" update --config $cfg --store "$backend:work.$ext" >b.out 2>b.err &
  local pb=$!
  wait "$pa"
  local ra=$?
  wait "$pb"
  local rb=$?
  for r in "a:$ra" "b:$rb"; do
    case "${r#*:}" in
      0 | 6 | 7) ;;
      *) fail "$mode $backend: run ${r%%:*} exited ${r#*:}: $(head -c 300 "${r%%:*}.err")" ;;
    esac
  done
  [ "$ra" = 0 ] || [ "$rb" = 0 ] || fail "$mode $backend: neither run succeeded ($ra, $rb)"
  if ! cmp -s work.$ext ref.$ext; then
    # A run that was refused or rolled back leaves the other's whole update; anything else is
    # damage, unless both stopped (then the store must be untouched).
    fail "$mode $backend: the store is not the full update (exits $ra, $rb)"
    cp work.$ext "damaged-$mode.$ext"
  fi
  cp work.$ext settled.$ext
  "$PM" update --config wait.config --store "$backend:work.$ext" >c.out 2>c.err
  [ $? = 0 ] || fail "$mode $backend: the third run failed"
  grep -q 'nothing to do' c.out || fail "$mode $backend: the third run was not a no-op"
  cmp -s work.$ext settled.$ext || fail "$mode $backend: the third run changed the store"
  echo "$ra$rb" >>"exits-$mode-$backend"
}

for store in reg:reg hive:hive; do
  backend=${store%%:*} ext=${store#*:}
  [ -f "fx/before.$ext" ] || { echo "skip $backend: backend not built"; continue; }
  cp "fx/before.$ext" ref.$ext
  "$PM" update --config wait.config --store "$backend:ref.$ext" >/dev/null 2>&1 || fail "$backend: reference run"
  for mode in wait refuse nolock; do
    for ((i = 0; i < ROUNDS; i++)); do
      pair $mode "$backend" "$ext"
    done
    echo "$backend $mode: exit pairs $(sort "exits-$mode-$backend" | uniq -c | tr '\n' ' ')"
  done
done
if [ "$failures" -gt 0 ]; then
  trap - EXIT
  echo "concurrency: $failures failure(s); work folder kept: $work"
  exit 1
fi
echo "concurrency: ok"
